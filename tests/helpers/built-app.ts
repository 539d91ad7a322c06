// The BUILT app under Node: forks tests/helpers/electron-stand-in/main.mjs on out/main/index.js, with
// 'electron' played by the stand-in, and gives a test what a user would see (the window's page and
// preferences, what reaches the page, the tray, notifications, error dialogs) and what a user does
// (the page's requests through the IPC door, tray clicks, quitting).
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WAIT } from './wait.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const OUT = join(ROOT, 'out');
const HARNESS = fileURLToPath(new URL('./electron-stand-in/main.mjs', import.meta.url));

function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds out/ (electron-vite) when a source is newer than the build, as npm test would have. */
export function ensureBuilt(): void {
  const built = Math.min(...['main/index.js', 'main/engine.js', 'preload/index.cjs', 'renderer/index.html'].map((f) => (existsSync(join(OUT, f)) ? statSync(join(OUT, f)).mtimeMs : 0)));
  const sources = Math.max(newest(join(ROOT, 'src')), statSync(join(ROOT, 'electron.vite.config.ts')).mtimeMs);
  if (built > sources) return;
  const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npx electron-vite build failed:\n${r.stdout}\n${r.stderr}`);
}

export type Report =
  | { type: 'window'; window: number; webPreferences: Record<string, unknown>; url: string; file: string | null; show: boolean }
  | { type: 'send'; window: number; channel: string; payload: unknown }
  | { type: 'tray'; tooltip: string; image: string | null; menu: MenuItem[] | null; destroyed: boolean }
  | { type: 'notification'; id: number; title: string; body: string; urgency?: string; icon: boolean }
  | { type: 'utility-process'; pid: number; modulePath: string; serviceName: string | null }
  | { type: 'invoked'; id: number; ok: boolean; value?: unknown; error?: string }
  | { type: 'headers'; id: number; headers: Record<string, string[]> | null; filter?: unknown }
  | { type: 'error-box'; title: string; content: string }
  | { type: 'exit'; code: number }
  | { type: 'set-path'; name: string; path: string }
  | { type: 'lock'; name: string; userData: string }
  | { type: 'sandbox'; beforeReady: boolean }
  | { type: string; [key: string]: unknown };

export interface MenuItem {
  id?: string;
  label?: string;
  type?: string;
  checked?: boolean;
  submenu?: MenuItem[];
}

export interface BuiltApp {
  child: ChildProcess;
  reports: Report[];
  /** Every line the app and its engine wrote to stderr. */
  stderr(): string;
  /** Resolves with the first report (from now on, or already seen) that matches. */
  next<R extends Report = Report>(match: (r: Report) => boolean, timeoutMs?: number): Promise<R>;
  /** Resolves once cond() holds, checked now and after each report. */
  until(cond: () => boolean, timeoutMs?: number): Promise<void>;
  /** The latest report of a type. */
  last<T extends Report['type']>(type: T): Extract<Report, { type: T }> | undefined;
  /** A request from the page of a window through the IPC door. */
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  /** What the session's header hook answers for a URL. */
  headers(url: string): Promise<Record<string, string[]> | null>;
  trayClick(item: string): void;
  notificationClick(id: number): void;
  /** The process's exit: code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

export function startBuiltApp(env: NodeJS.ProcessEnv): BuiltApp {
  const child = fork(HARNESS, [join(OUT, 'main', 'index.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
  const reports: Report[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  child.stdout!.on('data', (d: Buffer) => (stderr += d));
  const waiters = new Set<() => void>();
  child.on('message', (m: Report) => {
    reports.push(m);
    for (const w of [...waiters]) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => {
    done = true;
    for (const w of [...waiters]) w();
  });
  let nextId = 1;
  /** To the app, while it runs; after it ended, a request says so instead of failing the test process. */
  const send = (message: object) => {
    if (!child.connected) throw new Error('the app has quit');
    child.send(message, (error) => {
      if (error) stderr += `[test] could not send ${JSON.stringify(message).slice(0, 80)}: ${error.message}\n`;
    });
  };

  const next = <R extends Report>(match: (r: Report) => boolean, timeoutMs = WAIT.timeout): Promise<R> => {
    const found = reports.find(match);
    if (found) return Promise.resolve(found as R);
    // From here on only the reports that arrive are looked at, each once.
    let seen = reports.length;
    return new Promise<R>((resolve, reject) => {
      const check = () => {
        let hit: Report | undefined;
        for (; seen < reports.length && hit === undefined; seen++) if (match(reports[seen]!)) hit = reports[seen];
        if (hit) {
          cleanup();
          resolve(hit as R);
        } else if (done) {
          cleanup();
          reject(new Error(`the app ended before the awaited report; stderr:\n${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no such report within ${timeoutMs} ms; last reports: ${JSON.stringify(reports.slice(-5)).slice(0, 2000)}\nstderr:\n${stderr}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
    });
  };

  return {
    child,
    reports,
    stderr: () => stderr,
    next,
    until: async (cond, timeoutMs = WAIT.timeout) => {
      const deadline = Date.now() + timeoutMs;
      // Each report is a chance: look again after every one until cond holds, or the time is up.
      while (!cond()) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`the awaited state did not come within ${timeoutMs} ms`);
        const from = reports.length;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            waiters.delete(wake);
            reject(new Error(`the awaited state did not come within ${timeoutMs} ms`));
          }, left);
          const wake = () => {
            if (reports.length === from && !done) return;
            clearTimeout(timer);
            waiters.delete(wake);
            if (done && reports.length === from) reject(new Error(`the app ended first; stderr:\n${stderr}`));
            else resolve();
          };
          waiters.add(wake);
        });
      }
    },
    last: (type) => reports.findLast((r) => r.type === type) as never,
    async invoke(channel, ...args) {
      const id = nextId++;
      send({ type: 'invoke', id, channel, args });
      const r = await next<Extract<Report, { type: 'invoked' }>>((x) => x.type === 'invoked' && x.id === id);
      if (!r.ok) throw new Error(r.error);
      return r.value;
    },
    async headers(url) {
      const id = nextId++;
      send({ type: 'headers', id, url, responseHeaders: { 'Content-Type': ['text/html'] } });
      return (await next<Extract<Report, { type: 'headers' }>>((x) => x.type === 'headers' && x.id === id)).headers;
    },
    trayClick: (item) => send({ type: 'tray-click', item }),
    notificationClick: (id) => send({ type: 'notification-click', id }),
    exited,
    kill: () => void child.kill('SIGKILL'),
  };
}

/** A process's start time (clock ticks since boot), so a gone pid is not mistaken for a reused one. */
export function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Items of a tray menu, submenus included. */
export function menuItems(items: MenuItem[] | null | undefined): MenuItem[] {
  return (items ?? []).flatMap((i) => [i, ...menuItems(i.submenu)]);
}
