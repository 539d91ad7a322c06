// The app when its data folder cannot be used (here: the path is a file). It still starts, shows
// connections and the tray, tells the user once why there are no alerts and no saved settings,
// answers the page's alert requests with an error saying so, and quits cleanly.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startApp } from '../../../src/main/app.js';
import { channel } from '../../../src/shared/api.js';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';
import { app, DESKTOP_USER, FakeBrowserWindow, FakeNotification, FakeTray, ipcMain } from './fake-electron.js';
import { WAIT } from '../../helpers/wait.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);


afterAll(removeDataDirs);

describe('startApp with an unusable data folder', () => {
  it('runs without alerts, says why once, and quits cleanly', async () => {
    delete process.env['ELECTRON_RENDERER_URL'];
    const file = join(tempDataDir('app-file'), 'not-a-folder');
    writeFileSync(file, 'x');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const portwatch = startApp({ mainDir: '/opt/portwatch/out/main', engine: { dataDir: file }, startup: DESKTOP_USER })!;
    app.becomeReady();
    await portwatch.ready;

    // Watched ports go on, in memory, on the default list.
    expect(portwatch.engine.opening).toEqual({ dataDir: file, alerts: false, watchedPorts: true });
    expect(errors).toHaveBeenCalledWith(expect.stringMatching(/^portwatch: Portwatch cannot keep alerts or settings in .*not-a-folder: it, or a folder above it, is a file\. /));
    const notices = FakeNotification.created.map((n) => n.options);
    expect(notices).toEqual([
      expect.objectContaining({ title: 'Portwatch needs your attention', body: expect.stringMatching(/cannot keep alerts or settings in .*not-a-folder.*raises no alerts.*watched ports last only until it quits/) }),
    ]);

    const w = FakeBrowserWindow.created[0]!;
    const ask = (name: 'listAlerts' | 'getState' | 'getWatchedPorts') => ipcMain.invoke(channel.request(name), { sender: w.webContents, senderFrame: w.webContents.mainFrame });
    await expect(ask('listAlerts')).rejects.toThrow('alerts are not enabled in this host');
    await expect(ask('getState')).resolves.toMatchObject({ seq: expect.any(Number), status: { state: 'running' } });
    await expect(ask('getWatchedPorts')).resolves.toEqual([3000, 5173, 8000, 8080, 5432, 6379]);
    await vi.waitFor(() => expect(FakeTray.created[0]!.tooltip).toMatch(/no new alerts(\n.*)?$/), WAIT);

    FakeTray.created[0]!.menu!.click('quit');
    await vi.waitFor(() => expect(app.exited).toBe(true), WAIT);
    expect(portwatch.engine.state().phase).toBe('closed');
    errors.mockRestore();
  });
});
