// The app's life cycle with electron faked and the real engine: one instance, sandbox before ready,
// a window bound to the monitor, the tray beside it (closing the window hides it), the real alert engine
// on a temporary data directory whose new alerts (from real never-seen programs) become notifications,
// and everything stopped, and written to disk, on quit.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlertEngine } from '../../../src/core/alert-engine.js';
import { OPEN_ALERT_CHANNEL, startApp, type PortwatchApp } from '../../../src/main/app.js';
import { channel, REQUEST_NAMES } from '../../../src/shared/api.js';
import type { Alert, AlertStatus } from '../../../src/shared/alerts.js';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';
import { cleanUpExeHolders, privateNode, startHolderWith, type ExeHolder } from '../../helpers/exe-holders.js';
import { app, FakeBrowserWindow, FakeNotification, FakeTray, ipcMain } from './fake-electron.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

const mainDir = '/opt/portwatch/out/main';
const dataDir = tempDataDir('app');
let portwatch: PortwatchApp;
const holders: ExeHolder[] = [];

const tray = () => FakeTray.created[0]!;
const engine = () => portwatch.alerts()!;
const openAlertsSent = (w: FakeBrowserWindow) => w.webContents.sent.filter(([c]) => c === OPEN_ALERT_CHANNEL).map(([, id]) => id);
const alertsNotified = () => FakeNotification.created.filter((n) => n.options['title'] !== WARNING_TITLE && !/^Port \d+/.test(String(n.options['title'])));
const WARNING_TITLE = 'Portwatch needs your attention';
/** What the page in window w gets back for a request through the door. */
const request = (w: FakeBrowserWindow, name: (typeof REQUEST_NAMES)[number], ...args: unknown[]) =>
  ipcMain.invoke(channel.request(name), { sender: w.webContents, senderFrame: w.webContents.mainFrame }, ...args);

/** Starts a never-seen program holding sockets, and waits until the engine has alerted about it. */
async function stranger(title: string, spec: Parameters<typeof startHolderWith>[1], kinds: number): Promise<{ holder: ExeHolder; alerts: Alert[] }> {
  const holder = await startHolderWith(privateNode(title), spec);
  holders.push(holder);
  let alerts: Alert[] = [];
  await vi.waitFor(
    () => {
      alerts = engine().list().filter((a) => a.pid === holder.pid);
      expect(alerts).toHaveLength(kinds);
    },
    { timeout: 6000, interval: 100 },
  );
  return { holder, alerts };
}

beforeAll(() => {
  delete process.env['ELECTRON_RENDERER_URL'];
  // A trust store nobody can read: the engine keeps it aside and says so; the user must hear of it.
  writeFileSync(join(dataDir, 'trust.json'), '{ not json');
});
afterAll(async () => {
  portwatch?.monitor.stop();
  await cleanUpExeHolders();
  removeDataDirs();
});

describe('startApp', () => {
  it('quits when another instance holds the lock, starting nothing', () => {
    app.gotLock = false;
    expect(startApp({ mainDir })).toBeNull();
    expect(app.quitCalls).toBe(1);
    expect(app.listenerCount('web-contents-created')).toBe(0);
    app.gotLock = true;
    app.quitCalls = 0;
    app.exited = false;
  });

  it('names itself Portwatch before the lock, enables the sandbox before ready, then opens the window and starts the monitor', async () => {
    // Learning through the first poll: what this machine runs now is normal; only what comes later alerts.
    portwatch = startApp({ mainDir, alerts: { dataDir, learnSeconds: 3600 } })!;
    expect(app.name).toBe('Portwatch');
    expect(app.nameAtLock).toBe('Portwatch');
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
    const state = await request(w, 'getState');
    expect(state).toMatchObject({ status: { source: expect.stringMatching(/^linux-(netlink|proc)$/) } });
    // …and the real alert engine, in the data directory it was given.
    expect(engine().dataDir).toBe(dataDir);
    expect(portwatch.service()!.alertsEnabled).toBe(true);
    await engine().stopLearning();
    expect(await request(w, 'getAlertStatus')).toMatchObject({ learning: false, unacknowledged: 0 });
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

  it('tells the user once, in a notification, that the unreadable trust store was kept aside; the page gets it too', async () => {
    const w = portwatch.window() as unknown as FakeBrowserWindow;
    const status = (await request(w, 'getAlertStatus')) as AlertStatus;
    expect(status.warnings).toEqual([expect.stringMatching(/could not read its trust store .*kept as/)]);
    const warnings = FakeNotification.created.filter((n) => n.options['title'] === WARNING_TITLE);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.options['body']).toBe(status.warnings[0]);
    expect(warnings[0]!.shown).toBe(1);
    // Its click opens the Alerts view, where the warnings are listed.
    warnings[0]!.click();
    expect(openAlertsSent(w)).toEqual([null]);
    w.webContents.sent.length = 0;
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
    // A UDP socket on an ephemeral port is no listener: this program is one alert, new-process.
    const { alerts } = await stranger('pw-app-lone', [{ name: 'u', kind: 'udp-bind', host: '127.0.0.1' }], 1);
    const a = alerts[0]!;
    expect(a).toMatchObject({ kind: 'new-process', severity: 'medium' });
    await vi.waitFor(() => expect(portwatch.tray()!.iconState()).toBe('alert'), { timeout: 3000 });
    expect(tray().tooltip).toMatch(/, 1 new alert$/);
    expect(tray().menu!.item(`alert:${a.id}`)?.label).toMatch(/^Medium: pw-app-lone/);
    // The page hears of it as it happens.
    expect(w.webContents.sent).toContainEqual([channel.event('alert'), { type: 'alert', alert: a }]);

    // (Found by what it says rather than counted: another program on this machine may alert meanwhile.)
    const described = () => JSON.stringify(alertsNotified().map((x) => x.options));
    await vi.waitFor(() => expect(alertsNotified().find((x) => x.options['body'] === a.message), described()).toBeDefined(), { timeout: 4000 });
    const n = alertsNotified().find((x) => x.options['body'] === a.message)!;
    expect(n.options).toMatchObject({ title: 'New process (medium)', body: a.message });
    w.hide();
    n.click();
    expect(w.isVisible()).toBe(true);
    expect(openAlertsSent(w)).toEqual([a.id]);

    // The same from the tray's latest alerts.
    tray().menu!.click(`alert:${a.id}`);
    expect(openAlertsSent(w)).toEqual([a.id, a.id]);

    // Two alerts in one poll (a new program that listens) are one summary, which opens the Alerts view (null).
    const pair = await stranger('pw-app-pair', [{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }], 2);
    expect(pair.alerts.map((x) => x.kind).sort()).toEqual(['new-listener', 'new-process']);
    const isSummary = (x: FakeNotification) => x !== n && /^\d+ new alerts$/.test(String(x.options['title']));
    await vi.waitFor(() => expect(alertsNotified().find(isSummary), described()).toBeDefined(), { timeout: 4000 });
    const summary = alertsNotified().find(isSummary)!;
    // Both of the pair's alerts are in it (another program on the machine may have joined the batch).
    const others = engine()
      .list()
      .filter((x) => x.pid !== pair.holder.pid && x.id !== a.id)
      .map((x) => `${x.kind}: ${x.message}`);
    expect(summary.options['title'], JSON.stringify(others)).toMatch(/^\d+ new alerts$/);
    expect(Number(/^\d+/.exec(String(summary.options['title']))![0])).toBeGreaterThanOrEqual(2);
    expect(summary.options['body']).toMatch(/\b1 new process\b|\d+ new processes/);
    expect(summary.options['body']).toMatch(/\b1 new listener\b|\d+ new listeners/);
    if (others.length > 0) console.warn(`other alerts during the app test: ${others.join('; ')}`);
    summary.click();
    expect(openAlertsSent(w)).toEqual([a.id, a.id, null]);
  });

  it('opens an alert in a new window once its page has loaded, when the window was gone', async () => {
    const first = portwatch.window() as unknown as FakeBrowserWindow;
    first.destroy();
    expect(portwatch.window()).toBeNull();
    const a = engine().list().at(-1)!;
    tray().menu!.click(`alert:${a.id}`);
    const second = portwatch.window() as unknown as FakeBrowserWindow;
    expect(second).not.toBe(first);
    expect(openAlertsSent(second)).toEqual([]);
    await vi.waitFor(() => expect(openAlertsSent(second)).toEqual([a.id]));

    // Acknowledged from the page: the tray counts follow.
    await request(second, 'acknowledgeAllAlerts');
    await vi.waitFor(() => expect(portwatch.tray()!.iconState()).toBe('normal'), { timeout: 3000 });
    expect(tray().tooltip).toMatch(/, no new alerts$/);
    expect(tray().menu!.item('no-alerts')).toBeDefined();
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

  it('quits from the tray for real: the window closes, the monitor stops, the tray goes, the alerts are on disk, then the app ends', async () => {
    const w = portwatch.window() as unknown as FakeBrowserWindow;
    app.emit('window-all-closed');
    expect(app.quitCalls).toBe(0);
    const raised = engine().list();
    tray().menu!.click('quit');
    expect(app.quitCalls).toBe(1);
    expect(w.isDestroyed()).toBe(true);
    expect(portwatch.window()).toBeNull();
    expect(portwatch.monitor.getStatus().state).toBe('stopped');
    expect(tray().isDestroyed()).toBe(true);
    // The first will-quit waits for the engine to write what is pending, then quits again.
    expect(app.exited).toBe(false);
    await vi.waitFor(() => expect(app.exited).toBe(true));
    expect(app.quitCalls).toBe(2);

    const log = readFileSync(join(dataDir, 'alerts.jsonl'), 'utf8');
    for (const a of raised) expect(log).toContain(a.id);
    const reopened = await AlertEngine.open(null, { dataDir });
    expect(reopened.list().map((a) => a.id).sort()).toEqual(raised.map((a) => a.id).sort());
    expect(reopened.status().unacknowledged).toBe(0);
    await reopened.close();
  });
});
