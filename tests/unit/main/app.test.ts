// The app's life cycle with electron faked and the real engine: one instance, sandbox before ready,
// a window bound to the monitor, the tray beside it (closing the window hides it), alerts as
// notifications, and everything stopped on quit.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OPEN_ALERT_CHANNEL, startApp, type AlertFeed, type PortwatchApp } from '../../../src/main/app.js';
import { channel, REQUEST_NAMES } from '../../../src/shared/api.js';
import type { Alert } from '../../../src/shared/alerts.js';
import { app, FakeBrowserWindow, FakeNotification, FakeTray, ipcMain } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

const mainDir = '/opt/portwatch/out/main';
let portwatch: PortwatchApp;

/** Stands in for the alert engine: what it raised, and who listens. */
class FakeAlertFeed implements AlertFeed {
  readonly alerts: Alert[] = [];
  private readonly listeners = new Set<(event: { type: 'alert'; alert: Alert }) => void>();
  subscribe(listener: (event: { type: 'alert'; alert: Alert }) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  status() {
    return { unacknowledged: this.alerts.filter((a) => a.acknowledgedAt === null).length };
  }
  list({ limit }: { limit: number }) {
    return this.alerts.slice(-limit).reverse();
  }
  raise(overrides: Partial<Alert> = {}): Alert {
    const n = this.alerts.length + 1;
    const alert: Alert = {
      id: `alert-${n}`,
      kind: 'new-listener',
      severity: 'high',
      message: `nc (pid ${4000 + n}) listens on 0.0.0.0:${4440 + n}`,
      at: Date.now(),
      pid: 4000 + n,
      process: null,
      sockets: [],
      acknowledgedAt: null,
      snoozedUntil: null,
      ...overrides,
    };
    this.alerts.push(alert);
    for (const l of this.listeners) l({ type: 'alert', alert });
    return alert;
  }
}
const feed = new FakeAlertFeed();
const tray = () => FakeTray.created[0]!;
const openAlertsSent = (w: FakeBrowserWindow) => w.webContents.sent.filter(([c]) => c === OPEN_ALERT_CHANNEL).map(([, id]) => id);

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
    portwatch = startApp({ mainDir, alerts: feed })!;
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

  it('hides the window to the tray when it is closed; the app and the engine stay', () => {
    const w = portwatch.window() as unknown as FakeBrowserWindow;
    w.show();
    expect(w.close()).toBe(false);
    expect(w.isVisible()).toBe(false);
    expect(w.isDestroyed()).toBe(false);
    expect(portwatch.window()).toBe(w);
    app.emit('window-all-closed');
    expect(app.quitCalls).toBe(0);
    expect(portwatch.monitor.getStatus().state).toBe('running');

    // The tray's Open brings the same window back.
    tray().menu!.click('open');
    expect(w.isVisible()).toBe(true);
    expect(FakeBrowserWindow.created).toHaveLength(1);
  });

  it('shows the engine in the tray, and pauses and resumes it from the menu', async () => {
    expect(FakeTray.created).toHaveLength(1);
    expect(portwatch.tray()).not.toBeNull();
    await vi.waitFor(() => expect(tray().tooltip).toMatch(/^Portwatch — \d+ connections?, \d+ listening, \d+ process(es)?, no new alerts$/));

    tray().menu!.click('pause');
    expect(portwatch.monitor.getStatus().state).toBe('paused');
    // A control change shows at once, not at the next once-a-second refresh.
    expect(tray().tooltip).toMatch(/^Portwatch \(paused\) — /);
    expect(portwatch.tray()!.iconState()).toBe('paused');
    tray().menu!.click('resume');
    expect(portwatch.monitor.getStatus().state).toBe('running');
    expect(tray().menu!.item('pause')).toBeDefined();
    expect(portwatch.tray()!.iconState()).toBe('normal');
  });

  it('turns a new alert into tray state and a notification that opens it in the window', async () => {
    const w = portwatch.window() as unknown as FakeBrowserWindow;
    const a = feed.raise();
    await vi.waitFor(() => expect(portwatch.tray()!.iconState()).toBe('alert'), { timeout: 3000 });
    expect(tray().tooltip).toMatch(/, 1 new alert$/);
    expect(tray().menu!.item(`alert:${a.id}`)).toMatchObject({ label: `High: ${a.message}` });

    await vi.waitFor(() => expect(FakeNotification.created).toHaveLength(1), { timeout: 3000 });
    const n = FakeNotification.created[0]!;
    expect(n.options).toMatchObject({ title: 'New listener (high)', body: a.message });
    w.hide();
    n.click();
    expect(w.isVisible()).toBe(true);
    expect(openAlertsSent(w)).toEqual([a.id]);

    // The same from the tray's latest alerts.
    tray().menu!.click(`alert:${a.id}`);
    expect(openAlertsSent(w)).toEqual([a.id, a.id]);

    // A burst is one summary, which opens the Alerts view (null).
    feed.raise({ kind: 'new-process' });
    feed.raise({ kind: 'new-process' });
    feed.raise();
    await vi.waitFor(() => expect(FakeNotification.created).toHaveLength(2), { timeout: 3000 });
    expect(FakeNotification.created[1]!.options).toMatchObject({ title: '3 new alerts', body: '2 new processes, 1 new listener' });
    FakeNotification.created[1]!.click();
    expect(openAlertsSent(w)).toEqual([a.id, a.id, null]);
  });

  it('opens an alert in a new window once its page has loaded, when the window was gone', async () => {
    const first = portwatch.window() as unknown as FakeBrowserWindow;
    first.destroy();
    expect(portwatch.window()).toBeNull();
    const a = feed.alerts[0]!;
    tray().menu!.click(`alert:${a.id}`);
    const second = portwatch.window() as unknown as FakeBrowserWindow;
    expect(second).not.toBe(first);
    expect(openAlertsSent(second)).toEqual([]);
    await vi.waitFor(() => expect(openAlertsSent(second)).toEqual([a.id]));
  });

  it('opens and binds a new window after the last one was destroyed (macOS activate)', () => {
    const first = portwatch.window() as unknown as FakeBrowserWindow;
    // Not close(), which now hides: the window is gone without asking (as after a crash).
    first.destroy();
    expect(portwatch.window()).toBeNull();
    expect(ipcMain.handlers.size).toBe(0);
    app.emit('activate');
    const second = portwatch.window() as unknown as FakeBrowserWindow;
    expect(second).not.toBe(first);
    expect(ipcMain.handlers.size).toBe(REQUEST_NAMES.length);
    expect(portwatch.monitor.getStatus().state).toBe('running');
  });

  it('quits from the tray for real: the window closes, the monitor stops, the tray goes', () => {
    const w = portwatch.window() as unknown as FakeBrowserWindow;
    app.emit('window-all-closed');
    expect(app.quitCalls).toBe(0);
    tray().menu!.click('quit');
    expect(app.quitCalls).toBe(1);
    expect(w.isDestroyed()).toBe(true);
    expect(portwatch.window()).toBeNull();
    expect(portwatch.monitor.getStatus().state).toBe('stopped');
    expect(tray().isDestroyed()).toBe(true);
  });
});
