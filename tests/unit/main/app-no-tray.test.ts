// A desktop with no tray host (stock GNOME): no tray icon is made, the window opens even when started
// at login (hidden would mean unreachable), and closing it quits the app, engine and all.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startApp } from '../../../src/main/app.js';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';
import { StandInUtilityProcess } from '../../helpers/electron-stand-in/utility-process.mjs';
import { app, DESKTOP_USER, FakeBrowserWindow, FakeTray } from './fake-electron.js';
import { WAIT } from '../../helpers/wait.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

afterAll(removeDataDirs);

describe('startApp without a tray host', () => {
  it('shows the window, and closing it quits', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const portwatch = startApp({
      mainDir: '/opt/portwatch/out/main',
      engine: { dataDir: tempDataDir('app-no-tray') },
      startup: { ...DESKTOP_USER, argv: ['portwatch', '--hidden'], trayHost: () => Promise.resolve({ available: false, reason: 'GNOME without the AppIndicator extension shows no tray icons' }) },
    })!;
    app.becomeReady();
    await portwatch.ready;
    expect(FakeTray.created).toHaveLength(0);
    expect(portwatch.tray()).toBeNull();
    expect(errors).toHaveBeenCalledWith('portwatch: no tray icon (GNOME without the AppIndicator extension shows no tray icons); closing the window quits Portwatch');
    const w = FakeBrowserWindow.created[0]!;
    expect(w).toBeDefined();
    const enginePid = portwatch.engine.pid!;

    // Closing is not hiding here: the window goes, and with it the app.
    expect(w.close()).toBe(true);
    app.emit('window-all-closed');
    await vi.waitFor(() => expect(app.exited).toBe(true), WAIT);
    expect(portwatch.engine.state().phase).toBe('closed');
    expect(StandInUtilityProcess.forked.find((p) => p.childPid === enginePid)!.pid).toBeUndefined();
    errors.mockRestore();
  });
});
