// The app's life cycle with electron faked and the real engine: one instance, sandbox before ready,
// a window bound to the monitor, and the monitor stopped on quit.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApp, type PortwatchApp } from '../../../src/main/app.js';
import { channel, REQUEST_NAMES } from '../../../src/shared/api.js';
import { app, FakeBrowserWindow, ipcMain } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

const mainDir = '/opt/portwatch/out/main';
let portwatch: PortwatchApp;

beforeAll(() => {
  delete process.env['ELECTRON_RENDERER_URL'];
});
afterAll(() => portwatch?.monitor.stop());

describe('startApp', () => {
  it('quits when another instance holds the lock, starting nothing', () => {
    app.gotLock = false;
    expect(startApp({ mainDir })).toBeNull();
    expect(app.quitCalls).toBe(1);
    expect(app.listenerCount('web-contents-created')).toBe(0);
    app.gotLock = true;
    app.quitCalls = 0;
  });

  it('enables the sandbox before ready, then opens the window and starts the monitor', async () => {
    portwatch = startApp({ mainDir })!;
    expect(app.sandboxEnabled).toBe(true);
    expect(FakeBrowserWindow.created).toHaveLength(0);
    app.becomeReady();
    await portwatch.ready;
    expect(app.readyBeforeSandbox).toBe(false);

    const w = FakeBrowserWindow.created[0]!;
    expect(portwatch.window()).toBe(w);
    expect(w.options['webPreferences']).toMatchObject({ preload: '/opt/portwatch/out/preload/index.cjs', sandbox: true });
    expect(w.loaded).toEqual({ file: '/opt/portwatch/out/renderer/index.html' });
    expect(portwatch.monitor.getStatus()).toMatchObject({ state: 'running', source: expect.stringMatching(/^linux-(netlink|proc)$/) });
    expect(portwatch.monitor.getStatus().seq).toBeGreaterThanOrEqual(1);
    expect([...ipcMain.handlers.keys()].sort()).toEqual(REQUEST_NAMES.map((n) => channel.request(n)).sort());

    // The window's page reaches the real engine through the door.
    const state = await ipcMain.invoke(channel.request('getState'), { sender: w.webContents, senderFrame: w.webContents.mainFrame });
    expect(state).toMatchObject({ status: { source: expect.stringMatching(/^linux-(netlink|proc)$/) } });
    // Every web contents got the navigation rules, through web-contents-created.
    expect(w.webContents.windowOpenHandler).not.toBeNull();
  });

  it('shows the one window when a second instance starts', () => {
    const w = portwatch.window() as unknown as FakeBrowserWindow;
    w.minimized = true;
    const focused = w.focused;
    app.emit('second-instance');
    expect(w.minimized).toBe(false);
    expect(w.focused).toBe(focused + 1);
    expect(FakeBrowserWindow.created).toHaveLength(1);
  });

  it('opens and binds a new window after the last one closed (macOS activate)', () => {
    const first = portwatch.window() as unknown as FakeBrowserWindow;
    first.close();
    expect(portwatch.window()).toBeNull();
    expect(ipcMain.handlers.size).toBe(0);
    app.emit('activate');
    const second = portwatch.window() as unknown as FakeBrowserWindow;
    expect(second).not.toBe(first);
    expect(ipcMain.handlers.size).toBe(REQUEST_NAMES.length);
    expect(portwatch.monitor.getStatus().state).toBe('running');
  });

  it('quits when every window is closed (not on macOS) and stops the monitor', () => {
    app.emit('window-all-closed');
    if (process.platform === 'darwin') return;
    expect(app.quitCalls).toBe(1);
    expect(portwatch.monitor.getStatus().state).toBe('stopped');
  });
});
