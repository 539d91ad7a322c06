// Watched ports in the app, electron faked and the engine real (in its own process): the list saved through the door lands in
// settings.json, and a real child taking then freeing a watched port becomes two desktop notifications
// naming it; the page gets the events too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startApp } from '../../../src/main/app.js';
import { channel } from '../../../src/shared/api.js';
import { startHolder, stopAll } from '../../helpers/children.js';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';
import { app, DESKTOP_USER, FakeBrowserWindow, FakeNotification, FakeTray, ipcMain } from './fake-electron.js';
import { reservePort } from '../../helpers/ports.js';
import { WAIT } from '../../helpers/wait.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);


afterAll(async () => {
  await stopAll();
  removeDataDirs();
});

describe('startApp watched ports', () => {
  it('notifies when a watched port is taken and freed, naming the process', async () => {
    delete process.env['ELECTRON_RENDERER_URL'];
    const dataDir = tempDataDir('app-watched');
    const portwatch = startApp({ mainDir: '/opt/portwatch/out/main', engine: { dataDir, alerts: false }, startup: DESKTOP_USER })!;
    app.becomeReady();
    await portwatch.ready;
    expect(portwatch.engine.opening).toEqual({ dataDir, alerts: false, watchedPorts: true });

    const w = FakeBrowserWindow.created[0]!;
    const ask = (name: 'getWatchedPorts' | 'setWatchedPorts', ...args: unknown[]) =>
      ipcMain.invoke(channel.request(name), { sender: w.webContents, senderFrame: w.webContents.mainFrame }, ...args);
    const port = await reservePort();
    await expect(ask('getWatchedPorts')).resolves.toEqual([3000, 5173, 8000, 8080, 5432, 6379]);
    await expect(ask('setWatchedPorts', [port])).resolves.toEqual([port]);
    await expect(ask('setWatchedPorts', [port, port])).rejects.toThrow(/more than once/);
    expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8'))).toEqual({ version: 1, watchedPorts: [port] });

    const portNotices = () => FakeNotification.created.filter((n) => n.shown > 0 && String(n.options['title']).startsWith(`Port ${port} `)).map((n) => n.options);
    const holder = await startHolder([{ name: 'srv', kind: 'tcp-listen', host: '127.0.0.1', port }], 'pw-holder');
    await vi.waitFor(() => expect(portNotices()).toHaveLength(1), WAIT);
    expect(portNotices()[0]).toMatchObject({ title: `Port ${port} taken`, body: `pw-holder (pid ${holder.pid}) is listening on 127.0.0.1:${port}` });

    await holder.exit();
    await vi.waitFor(() => expect(portNotices()).toHaveLength(2), WAIT);
    expect(portNotices()[1]).toMatchObject({ title: `Port ${port} freed`, body: `pw-holder (pid ${holder.pid}) stopped listening` });

    // The page heard both too.
    const sent = w.webContents.sent.filter(([c]) => c === channel.event('watched-port')).map(([, e]) => e as { port: number; change: string });
    expect(sent.filter((e) => e.port === port).map((e) => e.change)).toEqual(['taken', 'freed']);

    // A click brings the window up.
    w.hide();
    FakeNotification.created.find((n) => n.options['title'] === `Port ${port} freed`)!.click();
    expect(w.isVisible()).toBe(true);

    FakeTray.created[0]!.menu!.click('quit');
    await vi.waitFor(() => expect(app.exited).toBe(true), WAIT);
  });
});
