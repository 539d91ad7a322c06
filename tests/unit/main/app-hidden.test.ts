// Started at login (--hidden) on a desktop with a tray: the tray is up, the window is not, until the
// user opens it from the tray.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startApp } from '../../../src/main/app.js';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';
import { app, DESKTOP_USER, FakeBrowserWindow, FakeTray } from './fake-electron.js';
import { WAIT } from '../../helpers/wait.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

afterAll(removeDataDirs);

describe('startApp at login', () => {
  it('starts in the tray, and opens the window from it', async () => {
    const portwatch = startApp({ mainDir: '/opt/portwatch/out/main', engine: { dataDir: tempDataDir('app-hidden') }, startup: { ...DESKTOP_USER, argv: ['portwatch', '--hidden'] } })!;
    app.becomeReady();
    await portwatch.ready;
    expect(FakeTray.created).toHaveLength(1);
    expect(FakeBrowserWindow.created).toHaveLength(0);
    FakeTray.created[0]!.menu!.click('open');
    expect(FakeBrowserWindow.created).toHaveLength(1);
    expect(FakeBrowserWindow.created[0]!.shown).toBe(1);
    FakeTray.created[0]!.menu!.click('quit');
    await vi.waitFor(() => expect(app.exited).toBe(true), WAIT);
  });
});
