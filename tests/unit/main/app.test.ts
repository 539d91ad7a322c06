// The app's life cycle with electron faked and the real engine in a real process of its own (the
// stand-in utilityProcess forks src/main/engine-entry.ts): one instance, sandbox before ready, a window
// bound to the engine process, the tray beside it (closing the window hides it), the real alert
// engine on a temporary data directory whose new alerts (from real never-seen programs) become
// notifications, and everything stopped, written to disk, and the engine process gone on quit.
// The file runs in a network namespace of its own where the machine allows (vitest.config.ts); its
// assertions still let other programs' alerts pass, for where it does not.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlertEngine } from '../../../src/core/alert-engine.js';
import { OPEN_ALERT_CHANNEL, startApp, type PortwatchApp } from '../../../src/main/app.js';
import { channel, REQUEST_NAMES } from '../../../src/shared/api.js';
import type { Alert, AlertStatus } from '../../../src/shared/alerts.js';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';
import { cleanUpExeHolders, privateNode, startHolderWith, type ExeHolder } from '../../helpers/exe-holders.js';
import { StandInUtilityProcess } from '../../helpers/electron-stand-in/utility-process.mjs';
import { app, DESKTOP_USER, FakeBrowserWindow, FakeNotification, FakeTray, ipcMain } from './fake-electron.js';
import { WAIT } from '../../helpers/wait.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);


const mainDir = '/opt/portwatch/out/main';
const dataDir = tempDataDir('app');
let portwatch: PortwatchApp;
const holders: ExeHolder[] = [];

const tray = () => FakeTray.created[0]!;
const state = () => portwatch.engine.summary()!.status.state;
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
    async () => {
      alerts = ((await request(FakeBrowserWindow.created.at(-1)!, 'listAlerts')) as Alert[]).filter((a) => a.pid === holder.pid);
      expect(alerts).toHaveLength(kinds);
    },
    WAIT,
  );
  return { holder, alerts };
}

/**
 * Waits until the tray's latest alerts list this one. The menu shows the newest few: alerts of other
 * programs on this machine are acknowledged from the page until it is among them.
 */
async function inLatestAlerts(w: FakeBrowserWindow, id: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const unacknowledged = (await request(w, 'listAlerts', { unacknowledged: true })) as Alert[];
      for (const other of unacknowledged) if (other.id !== id) await request(w, 'acknowledgeAlert', other.id);
      expect(tray().menu!.item(`alert:${id}`)).toBeDefined();
    },
    { ...WAIT, interval: 200 },
  );
}

beforeAll(() => {
  delete process.env['ELECTRON_RENDERER_URL'];
  // A trust store nobody can read: the engine keeps it aside and says so; the user must hear of it.
  writeFileSync(join(dataDir, 'trust.json'), '{ not json');
});
afterAll(async () => {
  await portwatch?.engine.close();
  await cleanUpExeHolders();
  removeDataDirs();
});

describe('startApp', () => {
  it('quits when another instance holds the lock, starting nothing', () => {
    app.gotLock = false;
    expect(startApp({ mainDir, engine: { dataDir }, startup: DESKTOP_USER })).toBeNull();
    expect(app.quitCalls).toBe(1);
    expect(app.listenerCount('web-contents-created')).toBe(0);
    app.gotLock = true;
    app.quitCalls = 0;
    app.exited = false;
  });

  it('names itself Portwatch before the lock, enables the sandbox before ready, then opens the window and starts the monitor', async () => {
    // Learning through the first poll: what this machine runs now is normal; only what comes later alerts.
    portwatch = startApp({ mainDir, engine: { dataDir, alerts: { learnSeconds: 3600 } }, startup: DESKTOP_USER })!;
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
    expect([...ipcMain.handlers.keys()].sort()).toEqual(REQUEST_NAMES.map((n) => channel.request(n)).sort());
    // The engine runs in a process of its own, and it polls there.
    expect(portwatch.engine.pid).not.toBe(process.pid);
    expect(readFileSync(`/proc/${portwatch.engine.pid}/cmdline`, 'utf8')).toContain('engine-entry.ts');
    await vi.waitFor(() => expect(portwatch.engine.summary()?.status).toMatchObject({ state: 'running', seq: expect.any(Number) }), WAIT);

    // The window's page reaches the real engine through the door.
    const state = await request(w, 'getState');
    expect(state).toMatchObject({ status: { source: expect.stringMatching(/^linux-(netlink|proc)$/) } });
    // …and the real alert engine, in the data directory it was given.
    expect(portwatch.engine.opening).toEqual({ dataDir, alerts: true, watchedPorts: true });
    await request(w, 'startLearning', 0);
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

  it('hides the window to the tray when it is closed; the app and the engine stay', async () => {
    const w = portwatch.window() as unknown as FakeBrowserWindow;
    w.show();
    expect(w.close()).toBe(false);
    expect(w.isVisible()).toBe(false);
    expect(w.isDestroyed()).toBe(false);
    expect(portwatch.window()).toBe(w);
    app.emit('window-all-closed');
    expect(app.quitCalls).toBe(0);
    expect(portwatch.engine.state().phase).toBe('running');
    await expect(request(w, 'getState')).resolves.toMatchObject({ status: { state: 'running' } });

    // The tray's Open brings the same window back.
    tray().menu!.click('open');
    expect(w.isVisible()).toBe(true);
    expect(FakeBrowserWindow.created).toHaveLength(1);
  });

  it('shows the engine in the tray, and pauses and resumes it from the menu', async () => {
    expect(FakeTray.created).toHaveLength(1);
    expect(portwatch.tray()).not.toBeNull();
    // (Programs of other tests on this machine may be alerts by now: the count is not pinned.)
    await vi.waitFor(() => expect(tray().tooltip).toMatch(/^Portwatch — \d+ connections?, \d+ listening, \d+ process(es)?, (no new alerts|1 new alert|\d+ new alerts)\n(Network|Connections) ↑ [\d.]+ [kMG]?B\/s ↓ [\d.]+ [kMG]?B\/s$/), WAIT);

    tray().menu!.click('pause');
    // The engine says so when it has paused (how soon is not pinned: a busy machine delays any answer).
    await vi.waitFor(() => expect(tray().tooltip).toMatch(/^Portwatch \(paused\) — /), WAIT);
    expect(state()).toBe('paused');
    expect(tray().menu!.item('resume')).toBeDefined();
    tray().menu!.click('resume');
    await vi.waitFor(() => expect(tray().menu!.item('pause')).toBeDefined(), WAIT);
    expect(state()).toBe('running');
    expect(portwatch.tray()!.iconState()).not.toBe('paused');
  });

  it('turns a new alert into tray state and a notification that opens it in the window', async () => {
    const w = portwatch.window() as unknown as FakeBrowserWindow;
    // A UDP socket on an ephemeral port is no listener: this program is one alert, new-process.
    const { alerts } = await stranger('pw-app-lone', [{ name: 'u', kind: 'udp-bind', host: '127.0.0.1' }], 1);
    const a = alerts[0]!;
    expect(a).toMatchObject({ kind: 'new-process', severity: 'medium' });
    await vi.waitFor(() => expect(portwatch.tray()!.iconState()).toBe('alert'), WAIT);
    // At least this one (another program on this machine may alert meanwhile).
    expect(tray().tooltip).toMatch(/, (1 new alert|\d+ new alerts)(\n.*)?$/);
    await inLatestAlerts(w, a.id);
    expect(tray().menu!.item(`alert:${a.id}`)?.label).toMatch(/^Medium: pw-app-lone/);
    // The page hears of it as it happens.
    expect(w.webContents.sent).toContainEqual([channel.event('alert'), { type: 'alert', alert: a }]);

    // A notification stands for it: its own, or, when other programs alerted in the same moment, a
    // summary (notify-policy decides; its tests pin the grouping). A click opens it, or the Alerts view.
    const described = () => JSON.stringify(alertsNotified().map((x) => x.options));
    const own = (x: FakeNotification) => x.options['body'] === a.message;
    const summary = (x: FakeNotification) => /^\d+ new alerts$/.test(String(x.options['title']));
    await vi.waitFor(() => expect(alertsNotified().find((x) => own(x) || summary(x)), described()).toBeDefined(), WAIT);
    const n = alertsNotified().find(own) ?? alertsNotified().find(summary)!;
    if (own(n)) expect(n.options).toMatchObject({ title: 'New process (medium)', body: a.message });
    else expect(n.options['body']).toMatch(/\b1 new process\b|\d+ new processes/);
    w.hide();
    n.click();
    expect(w.isVisible()).toBe(true);
    expect(openAlertsSent(w)).toEqual([own(n) ? a.id : null]);

    // The same from the tray's latest alerts.
    await inLatestAlerts(w, a.id);
    tray().menu!.click(`alert:${a.id}`);
    expect(openAlertsSent(w).at(-1)).toBe(a.id);
  });

  it('opens an alert in a new window once its page has loaded, when the window was gone', async () => {
    const first = portwatch.window() as unknown as FakeBrowserWindow;
    const a = ((await request(first, 'listAlerts')) as Alert[]).find((x) => x.process?.name === 'pw-app-lone')!;
    await inLatestAlerts(first, a.id);
    first.destroy();
    expect(portwatch.window()).toBeNull();
    tray().menu!.click(`alert:${a.id}`);
    const second = portwatch.window() as unknown as FakeBrowserWindow;
    expect(second).not.toBe(first);
    expect(openAlertsSent(second)).toEqual([]);
    await vi.waitFor(() => expect(openAlertsSent(second)).toEqual([a.id]), WAIT);

    // Acknowledged from the page: the tray follows (again and again, if other programs keep alerting).
    await vi.waitFor(
      async () => {
        await request(second, 'acknowledgeAllAlerts');
        expect(portwatch.tray()!.iconState()).toBe('normal');
        expect(tray().tooltip).toMatch(/, no new alerts(\n.*)?$/);
        expect(tray().menu!.item('no-alerts')).toBeDefined();
      },
      { ...WAIT, interval: 200 },
    );
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
    expect(portwatch.engine.state().phase).toBe('running');
  });

  it('quits from the tray for real: the window closes, the tray goes, the engine writes the alerts and its process ends, then the app ends', async () => {
    const w = portwatch.window() as unknown as FakeBrowserWindow;
    app.emit('window-all-closed');
    expect(app.quitCalls).toBe(0);
    const raised = (await request(w, 'listAlerts')) as Alert[];
    const enginePid = portwatch.engine.pid!;
    tray().menu!.click('quit');
    expect(app.quitCalls).toBe(1);
    expect(w.isDestroyed()).toBe(true);
    expect(portwatch.window()).toBeNull();
    expect(tray().isDestroyed()).toBe(true);
    // The first will-quit waits for the engine to write what is pending and end, then quits again.
    expect(app.exited).toBe(false);
    await vi.waitFor(() => expect(app.exited).toBe(true), WAIT);
    expect(app.quitCalls).toBe(2);
    expect(portwatch.engine.state().phase).toBe('closed');
    const forked = StandInUtilityProcess.forked.find((p) => p.childPid === enginePid)!;
    expect(forked.pid).toBeUndefined(); // exited, and reaped

    const log = readFileSync(join(dataDir, 'alerts.jsonl'), 'utf8');
    for (const a of raised) expect(log).toContain(a.id);
    const reopened = await AlertEngine.open(null, { dataDir });
    expect(reopened.list().map((a) => a.id).sort()).toEqual(raised.map((a) => a.id).sort());
    expect(reopened.status().unacknowledged).toBe(0);
    await reopened.close();
  });
});
