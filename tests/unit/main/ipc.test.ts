// The IPC door against the real engine (a Monitor on the real /proc source); only Electron is faked.
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BrowserWindow, IpcMain } from 'electron';
import { Monitor } from '../../../src/core/monitor.js';
import { ApiService } from '../../../src/core/service.js';
import { LinuxProcSource } from '../../../src/core/sources/linux-proc.js';
import { bindIpc } from '../../../src/main/ipc.js';
import { rendererPage } from '../../../src/main/page.js';
import { channel, REQUEST_NAMES, type FullState } from '../../../src/shared/api.js';
import { errorCode } from '../../../src/shared/api-errors.js';
import type { Delta } from '../../../src/shared/model.js';
import type { MonitorStatus } from '../../../src/shared/status.js';
import type { TrafficUpdate } from '../../../src/shared/traffic.js';
import { reservePort } from '../../helpers/ports.js';
import { FakeBrowserWindow, FakeFrame, FakeIpcMain, FakeWebContents } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

const page = rendererPage({ rendererDir: '/opt/portwatch/out/renderer', packaged: true });
const monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: 1000 });
const service = new ApiService(monitor);
let server: Server;

beforeAll(async () => {
  // A reserved port: no other program's listener shares its number (the test counts listeners on it).
  const port = await reservePort();
  server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await monitor.start();
});
afterAll(async () => {
  monitor.stop();
  await new Promise((resolve) => server.close(resolve));
});

let ipc: FakeIpcMain;
let win: FakeBrowserWindow;
let unbind: () => void;

beforeEach(async () => {
  ipc = new FakeIpcMain();
  win = new FakeBrowserWindow();
  await win.loadFile(page.file!);
  unbind = bindIpc({
    ipcMain: ipc as unknown as IpcMain,
    service,
    window: win as unknown as BrowserWindow,
    pageUrl: page.url,
  });
  return () => unbind();
});

const fromPage = () => ({ sender: win.webContents, senderFrame: win.webContents.mainFrame });

describe('bindIpc: who may call', () => {
  it('gives our page the full state, with a socket this process holds in it', async () => {
    await monitor.pollOnce();
    const state = (await ipc.invoke(channel.request('getState'), fromPage())) as FullState;
    expect(state.seq).toBeGreaterThanOrEqual(1);
    expect(state.status).toMatchObject({ source: expect.stringMatching(/^linux-(netlink|proc)$/), seq: state.seq, sockets: state.snapshot.sockets.length });
    const { port } = server.address() as AddressInfo;
    const mine = state.snapshot.sockets.filter((s) => s.protocol === 'tcp' && s.localPort === port && s.listening);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ localAddress: '127.0.0.1', pid: process.pid, state: 'LISTEN' });
  });

  it('refuses a forged sender: another web contents, even one showing our page', async () => {
    const other = new FakeWebContents({ url: page.url });
    await expect(ipc.invoke(channel.request('getState'), { sender: other, senderFrame: other.mainFrame })).rejects.toThrow(
      /^refused: sender \d+ is not the Portwatch window$/,
    );
    await expect(ipc.invoke(channel.request('pause'), { sender: other, senderFrame: win.webContents.mainFrame })).rejects.toThrow(/refused/);
    expect(monitor.getStatus().state).toBe('running');
  });

  it('refuses a sub-frame of our window, even one showing our page', async () => {
    const sub = new FakeFrame(page.url, win.webContents.mainFrame);
    await expect(ipc.invoke(channel.request('getState'), { sender: win.webContents, senderFrame: sub })).rejects.toThrow(
      'refused: only the main frame may call',
    );
    // A parentless frame that is not our main frame (another process's) is not it either.
    const stray = new FakeFrame(page.url, null, 99);
    await expect(ipc.invoke(channel.request('getState'), { sender: win.webContents, senderFrame: stray })).rejects.toThrow(/main frame/);
    await expect(ipc.invoke(channel.request('getState'), { sender: win.webContents, senderFrame: null })).rejects.toThrow(/frame is gone/);
  });

  it('refuses our main frame once it shows another URL', async () => {
    for (const url of ['https://evil.example/', 'file:///tmp/index.html', 'file:///opt/portwatch/out/renderer/other.html', 'about:blank']) {
      win.webContents.mainFrame.url = url;
      await expect(ipc.invoke(channel.request('getState'), fromPage())).rejects.toThrow(/^refused: .* is not the Portwatch page$/);
    }
    win.webContents.mainFrame.url = `${page.url}#/listeners`;
    await expect(ipc.invoke(channel.request('getState'), fromPage())).resolves.toMatchObject({ snapshot: expect.any(Object) });
  });

  it('refuses malformed arguments with a message naming them, and changes nothing', async () => {
    const before = monitor.getStatus().intervalMs;
    const setInterval = (...args: unknown[]) => ipc.invoke(channel.request('setInterval'), fromPage(), ...args);
    await expect(setInterval('fast')).rejects.toThrow(/^bad arguments for setInterval: 0: .*number/i);
    await expect(setInterval(10)).rejects.toThrow(/^bad arguments for setInterval: 0: .*250/);
    await expect(setInterval(1.5e6)).rejects.toThrow(/^bad arguments for setInterval: 0: .*60000/);
    await expect(setInterval(500.5)).rejects.toThrow(/^bad arguments for setInterval: 0:/);
    await expect(setInterval()).rejects.toThrow(/^bad arguments for setInterval/);
    await expect(setInterval(500, 'extra')).rejects.toThrow(/^bad arguments for setInterval/);
    await expect(ipc.invoke(channel.request('pause'), fromPage(), true)).rejects.toThrow(/^bad arguments for pause/);
    expect(monitor.getStatus()).toMatchObject({ intervalMs: before, state: 'running' });

    await setInterval(2000);
    expect(monitor.getStatus().intervalMs).toBe(2000);
    await setInterval(before);
  });

  it('every failure leaves with its code in the error’s name, which is what Electron carries to the page', async () => {
    // Electron's invoke turns a handler's throw into "Error invoking remote method '<channel>': <name>: <message>".
    const asThePageSeesIt = async (call: Promise<unknown>) => {
      const e = await call.then(
        () => null,
        (err: unknown) => err,
      );
      return errorCode(new Error(`Error invoking remote method 'portwatch:x': ${String(e)}`));
    };
    expect(await asThePageSeesIt(ipc.invoke(channel.request('setInterval'), fromPage(), 'fast'))).toBe('bad-arguments');
    expect(await asThePageSeesIt(ipc.invoke(channel.request('listAlerts'), fromPage()))).toBe('alerts-disabled');
    expect(await asThePageSeesIt(ipc.invoke(channel.request('getWatchedPorts'), fromPage()))).toBe('watched-ports-disabled');
    expect(await asThePageSeesIt(ipc.invoke(channel.request('endProcess'), fromPage(), { pid: 2 ** 31 - 1, startedAt: 1 }))).toBe('refused');
    const other = new FakeWebContents();
    expect(await asThePageSeesIt(ipc.invoke(channel.request('getState'), { sender: other, senderFrame: other.mainFrame }))).toBe('refused');
  });

  it('binds exactly the requests of the contract, nothing else', async () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(REQUEST_NAMES.map((n) => channel.request(n)).sort());
    await expect(ipc.invoke('portwatch:killProcess', fromPage(), 1)).rejects.toThrow(/No handler/);
  });

  it('pauses and resumes the real monitor', async () => {
    await ipc.invoke(channel.request('pause'), fromPage());
    expect(monitor.getStatus().state).toBe('paused');
    await ipc.invoke(channel.request('resume'), fromPage());
    expect(monitor.getStatus().state).toBe('running');
  });
});

describe('bindIpc: events', () => {
  const sentOn = (name: string) => win.webContents.sent.filter(([c]) => c === name).map(([, p]) => p);

  it('forwards deltas, traffic and status on their channels', async () => {
    const delta = await monitor.pollOnce();
    expect(sentOn('portwatch:event:delta')).toContainEqual(delta);
    const deltas = sentOn(channel.event('delta')) as Delta[];
    expect(deltas.map((d) => d.seq)).toEqual([...deltas.map((d) => d.seq)].sort((a, b) => a - b));
    monitor.pause();
    monitor.resume();
    const states = (sentOn('portwatch:event:status') as MonitorStatus[]).map((s) => s.state);
    expect(states).toEqual(expect.arrayContaining(['paused', 'running']));
    // Each poll's traffic update follows its delta, with the same seq.
    const traffic = sentOn(channel.event('traffic')) as TrafficUpdate[];
    expect(traffic.map((t) => t.seq)).toContain(delta!.seq);
    expect(win.webContents.sent.every(([c]) => [channel.event('delta'), channel.event('traffic'), channel.event('status')].includes(c))).toBe(true);
  });

  it('sends nothing once the window is closed, and unbinds itself', async () => {
    win.close();
    expect(ipc.handlers.size).toBe(0);
    const count = win.webContents.sent.length;
    await monitor.pollOnce();
    monitor.pause();
    monitor.resume();
    expect(win.webContents.sent.length).toBe(count);
  });

  it('sends nothing to a destroyed page whose window object lingers', async () => {
    win.webContents.destroy();
    await monitor.pollOnce();
    expect(win.webContents.sent).toHaveLength(0);
    await expect(ipc.invoke(channel.request('getState'), fromPage())).rejects.toThrow(/window is gone/);
  });

  it('unbind removes the handlers and the subscription, and may be called twice', async () => {
    unbind();
    unbind();
    expect(ipc.handlers.size).toBe(0);
    await monitor.pollOnce();
    expect(win.webContents.sent).toHaveLength(0);
    // Binding again after unbinding works (a new window on macOS).
    const again = bindIpc({ ipcMain: ipc as unknown as IpcMain, service, window: win as unknown as BrowserWindow, pageUrl: page.url });
    expect(ipc.handlers.size).toBe(REQUEST_NAMES.length);
    again();
  });
});
