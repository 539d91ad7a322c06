// The app when its data folder cannot be used (here: the path is a file). It still starts, shows
// connections and the tray, tells the user once why there are no alerts, answers the page's alert
// requests with an error saying so, and quits without waiting on an engine it does not have.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startApp } from '../../../src/main/app.js';
import { channel } from '../../../src/shared/api.js';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';
import { app, FakeBrowserWindow, FakeNotification, FakeTray, ipcMain } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

afterAll(removeDataDirs);

describe('startApp with an unusable data folder', () => {
  it('runs without alerts, says why once, and quits cleanly', async () => {
    delete process.env['ELECTRON_RENDERER_URL'];
    const file = join(tempDataDir('app-file'), 'not-a-folder');
    writeFileSync(file, 'x');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const portwatch = startApp({ mainDir: '/opt/portwatch/out/main', alerts: { dataDir: file } })!;
    app.becomeReady();
    await portwatch.ready;

    expect(portwatch.alerts()).toBeNull();
    expect(portwatch.monitor.getStatus().state).toBe('running');
    expect(errors).toHaveBeenCalledWith(expect.stringMatching(/^portwatch: Portwatch cannot keep alerts in .*not-a-folder: /));
    const notices = FakeNotification.created.map((n) => n.options);
    expect(notices).toEqual([
      expect.objectContaining({ title: 'Portwatch needs your attention', body: expect.stringMatching(/cannot keep alerts in .*not-a-folder.*raises no alerts/) }),
      expect.objectContaining({ title: 'Portwatch needs your attention', body: expect.stringMatching(/cannot keep settings in .*not-a-folder.*watched ports/) }),
    ]);
    expect(portwatch.watchedPorts()).toBeNull();

    const w = FakeBrowserWindow.created[0]!;
    const ask = (name: 'listAlerts' | 'getState') => ipcMain.invoke(channel.request(name), { sender: w.webContents, senderFrame: w.webContents.mainFrame });
    await expect(ask('listAlerts')).rejects.toThrow('alerts are not enabled in this host');
    await expect(ask('getState')).resolves.toMatchObject({ seq: expect.any(Number) });
    await vi.waitFor(() => expect(FakeTray.created[0]!.tooltip).toMatch(/no new alerts$/));

    FakeTray.created[0]!.menu!.click('quit');
    await vi.waitFor(() => expect(app.exited).toBe(true));
    expect(portwatch.monitor.getStatus().state).toBe('stopped');
    errors.mockRestore();
  });
});
