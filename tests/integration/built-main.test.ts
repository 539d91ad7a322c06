// The BUILT main bundle (out/main/index.js) booted under Node with a stand-in `electron` (see
// tests/helpers/electron-stand-in): not the glue's logic with electron mocked, but the bundle a user
// runs. It boots with the secure window preferences and the CSP; the engine runs in its own process
// from out/main/engine.js, with the native addon; real sockets of a child reach the page through the
// IPC door; a never-seen process becomes tray state and a notification; quitting leaves no process.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { iconPng, TRAY_SIZES } from '../../src/main/icons.js';
import { ROOT_TITLE } from '../../src/main/privileges.js';
import type { Alert } from '../../src/shared/alerts.js';
import type { FullState } from '../../src/shared/api.js';
import { ELECTRON_PAGE_CSP, PAGE_META_CSP } from '../../src/shared/csp.js';
import type { Socket } from '../../src/shared/model.js';
import { ensureBuilt, menuItems, OUT, startBuiltApp, startTime, type BuiltApp, type Report } from '../helpers/built-app.js';
import { startHolder, stopAll } from '../helpers/children.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';
import { cleanUpExeHolders, privateNode, startHolderWith } from '../helpers/exe-holders.js';

// This process only draws the expected icons (icons.ts); the app under test has its own stand-in.
vi.mock('electron', () => ({ nativeImage: {} }));

const apps: BuiltApp[] = [];
beforeAll(() => ensureBuilt());
afterAll(async () => {
  for (const a of apps) a.kill();
  await stopAll();
  await cleanUpExeHolders();
  removeDataDirs();
});

/** The environment of a user's session whose data folder is a temporary one. */
function env(dataDir: string, more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, PORTWATCH_DATA_DIR: dataDir, PORTWATCH_TRAY: 'on', ...more };
  delete e['ELECTRON_RENDERER_URL'];
  return e;
}

const iconHash = (state: 'normal' | 'alert' | 'paused') => createHash('sha256').update(iconPng(state, TRAY_SIZES[0].size)).digest('hex');

describe('the built main bundle', () => {
  it('as root, refuses to run unless asked, in an error dialog, with status 1 (as a user, just starts)', async () => {
    const app = startBuiltApp({ ...env(tempDataDir('built')), PORTWATCH_ALLOW_ROOT: '' });
    apps.push(app);
    if (process.getuid?.() !== 0) {
      await app.next((r) => r.type === 'window');
      expect(app.reports.some((r) => r.type === 'error-box')).toBe(false);
      app.trayClick('quit');
      expect((await app.exited).code).toBe(0);
      return;
    }
    const box = await app.next<Extract<Report, { type: 'error-box' }>>((r) => r.type === 'error-box');
    expect(box.title).toBe(ROOT_TITLE);
    expect(box.content).toMatch(/--allow-root/);
    expect((await app.exited).code).toBe(1);
    expect(app.reports.some((r) => r.type === 'window' || r.type === 'utility-process')).toBe(false);
  });

  it('boots, polls in its own engine process, shows sockets, alerts into the tray and a notification, and quits leaving nothing', async () => {
    const dataDir = tempDataDir('built');
    const app = startBuiltApp(env(dataDir, { PORTWATCH_ALLOW_ROOT: '1' }));
    apps.push(app);

    // userData is the data folder, set before the single-instance lock reads it; the sandbox before ready.
    expect(await app.next((r) => r.type === 'lock')).toMatchObject({ name: 'Portwatch', userData: dataDir });
    expect(app.reports.find((r) => r.type === 'set-path')).toEqual({ type: 'set-path', name: 'userData', path: dataDir });
    expect(app.reports.find((r) => r.type === 'sandbox')).toEqual({ type: 'sandbox', beforeReady: true });

    // The engine: its own process, running the built engine entry.
    const engine = await app.next<Extract<Report, { type: 'utility-process' }>>((r) => r.type === 'utility-process');
    expect(engine.modulePath).toBe(join(OUT, 'main', 'engine.js'));
    expect(engine.serviceName).toBe('Portwatch engine');
    expect(engine.pid).not.toBe(app.child.pid);
    expect(readFileSync(`/proc/${engine.pid}/cmdline`, 'utf8').split('\0')).toContain(join(OUT, 'main', 'engine.js'));
    const engineStarted = startTime(engine.pid);

    // The window: the built renderer, the built preload, and the secure preferences.
    const window = await app.next<Extract<Report, { type: 'window' }>>((r) => r.type === 'window');
    expect(window.file).toBe(join(OUT, 'renderer', 'index.html'));
    expect(window.url).toBe(pathToFileURL(join(OUT, 'renderer', 'index.html')).href);
    expect(window.webPreferences).toMatchObject({
      preload: join(OUT, 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(existsSync(window.file!)).toBe(true);
    // The CSP: on the page's responses (the header), and in the page itself (the meta tag).
    const headers = await app.headers(window.url);
    expect(headers?.['Content-Security-Policy']).toEqual([ELECTRON_PAGE_CSP]);
    expect(ELECTRON_PAGE_CSP).toMatch(/^default-src 'self'; script-src 'self';.*object-src 'none'.*frame-ancestors 'none'/);
    expect(readFileSync(window.file!, 'utf8')).toContain(`<meta http-equiv="Content-Security-Policy" content="${PAGE_META_CSP}" />`);

    // The page's requests reach the engine: the state comes from the engine process, which read the
    // tables through the native addon (built where the bundle finds it).
    const state = (await app.invoke('portwatch:getState')) as FullState;
    expect(state.status.source).toBe('linux-netlink');
    // Bad arguments are refused by the engine's schemas, through the same door.
    await expect(app.invoke('portwatch:lookupPort', 'http')).rejects.toThrow(/bad arguments for lookupPort/);

    // A real child's socket shows up in what the page gets.
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    const port = holder.endpoints.l!.port;
    await app.next((r) => r.type === 'send' && r.channel === 'portwatch:event:delta' && ((r.payload as { added: Socket[] }).added ?? []).some((s) => s.pid === holder.pid && s.localPort === port));
    const after = (await app.invoke('portwatch:getState')) as FullState;
    expect(after.snapshot.sockets.find((s) => s.pid === holder.pid)).toMatchObject({ localPort: port, listening: true, process: { name: 'pw-holder' } });

    // The tray shows the engine: counts in the tooltip, the normal icon.
    await app.next((r) => r.type === 'tray' && /^Portwatch — \d+ connections?, \d+ listening/.test((r as { tooltip: string }).tooltip));

    // A never-seen program: an alert, the tray's alert icon and count, a menu item, a notification.
    await app.invoke('portwatch:startLearning', 0);
    const exe = privateNode('pw-built-stranger');
    const stranger = await startHolderWith(exe, [{ name: 'u', kind: 'udp-bind', host: '127.0.0.1' }]);
    const alertSent = await app.next<Extract<Report, { type: 'send' }>>(
      (r) => r.type === 'send' && r.channel === 'portwatch:event:alert' && (r.payload as { type: string; alert?: Alert }).alert?.pid === stranger.pid,
    );
    const alert = (alertSent.payload as { alert: Alert }).alert;
    expect(alert).toMatchObject({ kind: 'new-process', process: { exe } });
    // (At least this one: other programs on this machine may alert meanwhile.)
    await app.next((r) => r.type === 'tray' && (r as { image: string }).image === iconHash('alert') && /, (1 new alert|\d+ new alerts)$/m.test((r as { tooltip: string }).tooltip));
    const notification = await app.next<Extract<Report, { type: 'notification' }>>(
      (r) => r.type === 'notification' && ((r as { body: string }).body === alert.message || /^\d+ new alerts$/.test((r as { title: string }).title)),
    );
    expect(notification.icon).toBe(true);
    // Acknowledge the others (other tests' programs on this machine) until it is among the latest in the menu.
    const inMenu = () => menuItems(app.last('tray')?.menu).some((i) => i.id === `alert:${alert.id}`);
    // (However long it takes: the test's timeout catches a hang.)
    while (!inMenu()) {
      for (const other of (await app.invoke('portwatch:listAlerts', { unacknowledged: true })) as Alert[]) if (other.id !== alert.id) await app.invoke('portwatch:acknowledgeAlert', other.id);
      await app.until(inMenu, 2000).catch(() => {});
    }
    expect(inMenu()).toBe(true);
    // Its click opens the alert in the window.
    app.trayClick(`alert:${alert.id}`);
    await app.next((r) => r.type === 'send' && r.channel === 'portwatch:event:open-alert' && r.payload === alert.id);

    // Quit from the tray: the engine writes what is pending and ends, then the app.
    app.trayClick('quit');
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(app.last('exit')).toEqual({ type: 'exit', code: 0 });
    // The engine process is gone (its pid is free, or another process's now).
    expect(startTime(engine.pid)).not.toBe(engineStarted);
    expect(readFileSync(join(dataDir, 'alerts.jsonl'), 'utf8')).toContain(alert.id);
    await stranger.exit();
    await holder.exit();
  });
});
