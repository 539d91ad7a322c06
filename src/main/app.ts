// The desktop app: one instance, the engine in a process of its own (Electron's utilityProcess, see
// engine-client.ts), one window bound to it through the IPC door, and a tray icon beside it. Main
// only carries the contract between the engine and the window, and feeds the tray and the
// notifications from the engine's events: no socket table is read on this thread. The engine runs for
// the life of the app, not of the window: closing the window hides it to the tray, and only Quit
// (tray menu, OS logout, app.quit) ends the app, after the engine has written what is pending.
import type { BrowserWindow } from 'electron';
import { app, dialog, ipcMain, utilityProcess } from 'electron';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { APP_DIR_NAME, resolveDataDir } from '../core/store/data-dir.js';
import type { EngineSummary } from '../core/engine-protocol.js';
import { channel } from '../shared/channels.js';
import type { AlertEvent } from '../shared/alerts.js';
import type { WatchedPortEvent } from '../shared/ports.js';
import { connectAgent } from '../core/agent-connection.js';
import { EngineClient, type EngineClientOptions, type EngineProcess, type EngineState } from '../core/engine-client.js';
import { chooseEngine } from './engine-choice.js';
import { notificationImage } from './icons.js';
import { bindIpc } from './ipc.js';
import { autostartPath, HIDDEN_FLAG, xdgLoginItem } from './autostart.js';
import { AlertNotifier } from './notifications.js';
import { rendererPage } from './page.js';
import { rootRefusal, ROOT_TITLE } from './privileges.js';
import { findTrayHost, type TrayHost } from './tray-host.js';
import { TrayService, type LoginItem, type TrayView } from './tray.js';
import { warningText } from './warning-text.js';
import { createMainWindow, secureWebContents } from './window.js';

/** Pushed to the page to show one alert (its id), or the Alerts view (null, from a summary). */
export const OPEN_ALERT_CHANNEL = channel.event('open-alert');

/** Quitting waits this long at most for the engine to write what is pending, then ends it. */
export const QUIT_FLUSH_MS = 3_000;

/** The built engine entry beside the main bundle (electron.vite.config.ts names it). */
export const ENGINE_ENTRY = 'engine.js';

/** Windows shows an app's notifications only under its AppUserModelID: the installer's appId (package.json build.appId). */
export const APP_USER_MODEL_ID = 'dev.portwatch.Portwatch';

/** The title of the dialog that says why the app could not start. */
export const STARTUP_FAILED_TITLE = 'Portwatch could not start';

/** What the app reads of the system at start-up; tests pass their own. */
export interface StartupFacts {
  uid: number | null;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** Whether a tray icon can be seen on this desktop (see tray-host.ts). */
  trayHost: () => Promise<TrayHost>;
}

export interface EngineSettings {
  /** The data folder; default resolveDataDir() (the folder the CLI uses too); null keeps nothing on disk. */
  dataDir?: string | null;
  /** False runs without alerts; learnSeconds as the CLI's --learn. */
  alerts?: { learnSeconds?: number } | false;
  watchedPorts?: boolean;
  intervalMs?: number;
}

export interface StartOptions {
  /** The directory of the built main bundle (out/main); preload, renderer and the engine entry sit by it. */
  mainDir: string;
  engine?: EngineSettings;
  /** Starts the engine's process; default Electron's utilityProcess running out/main/engine.js. */
  forkEngine?: () => EngineProcess;
  /** The restart policy and timeouts (tests shorten them). */
  client?: Omit<EngineClientOptions, 'fork' | 'config'>;
  startup?: Partial<StartupFacts>;
}

export interface PortwatchApp {
  /** Resolves once the engine is open and the window and tray are up; rejects when the app could not start. */
  ready: Promise<void>;
  /** The engine process, as main talks to it. */
  engine: EngineClient;
  window(): BrowserWindow | null;
  tray(): TrayService | null;
}

/** Starts the app, or returns null when another instance already runs (which then shows itself). */
export function startApp({ mainDir, engine: settings = {}, forkEngine, client: clientOptions = {}, startup = {} }: StartOptions): PortwatchApp | null {
  const facts: StartupFacts = {
    uid: typeof process.getuid === 'function' ? process.getuid() : null,
    argv: process.argv,
    env: process.env,
    platform: process.platform,
    ...startup,
    trayHost: startup.trayHost ?? (() => findTrayHost({ platform: startup.platform ?? process.platform, env: startup.env ?? process.env })),
  };
  const refusal = rootRefusal(facts);
  if (refusal !== null) {
    fail(ROOT_TITLE, refusal);
    return null;
  }
  app.setName(APP_DIR_NAME);
  const dataDir = settings.dataDir === undefined ? resolveDataDir(null, facts.env) : settings.dataDir;
  // Electron fixes userData from package.json's name at launch (app.setName does not move it):
  // ~/.config/portwatch unpackaged, ~/.config/Portwatch packaged. Set it to the engine's folder — the
  // one the CLI resolves the same way — before anything reads it (the single-instance lock does).
  if (dataDir !== null) useDataDir(dataDir);
  // Windows shows no notification of an app without its AppUserModelID.
  if (facts.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  // Must happen before ready: every renderer, whatever created it, is sandboxed.
  app.enableSandbox();
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }

  const page = rendererPage({
    rendererDir: join(mainDir, '../renderer'),
    devUrl: process.env['ELECTRON_RENDERER_URL'],
    packaged: app.isPackaged,
  });
  const preload = join(mainDir, '../preload/index.cjs');
  // A running agent's engine when there is one (it may see more than this user can), else our own.
  const choice = forkEngine ? ({ kind: 'own' } as const) : chooseEngine(facts.argv, facts.env, dataDir);
  const engine = new EngineClient({
    ...clientOptions,
    closeTimeoutMs: clientOptions.closeTimeoutMs ?? QUIT_FLUSH_MS,
    fork:
      forkEngine ??
      (choice.kind === 'agent'
        ? () => connectAgent(choice.path)
        : () => utilityProcess.fork(join(mainDir, ENGINE_ENTRY), [], { serviceName: 'Portwatch engine', stdio: 'inherit' })),
    config: {
      dataDir,
      intervalMs: settings.intervalMs ?? 1000,
      alerts: settings.alerts ?? {},
      watchedPorts: settings.watchedPorts ?? true,
    },
  });
  let engineReady = false;
  let window: BrowserWindow | null = null;
  let tray: TrayService | null = null;
  let notifier: AlertNotifier | null = null;
  let quitting = false;

  const openWindow = (): BrowserWindow => {
    const created = createMainWindow({ page, preload });
    // bindIpc undoes itself when the window closes, so a new window can bind again.
    bindIpc({ ipcMain, service: engine, window: created, pageUrl: page.url });
    created.on('close', (event) => {
      if (quitting || tray === null) return;
      event.preventDefault();
      created.hide();
    });
    // Windows ends the session without before-quit; a hidden-instead-of-closed window would block it.
    created.on('session-end', () => {
      quitting = true;
    });
    created.once('closed', () => {
      if (window === created) window = null;
    });
    window = created;
    return created;
  };

  const showWindow = (): BrowserWindow | null => {
    // Until the engine is open there is no door to bind; the window opens when it is.
    if (!app.isReady() || !engineReady) return null;
    const w = window ?? openWindow();
    if (w.isMinimized()) w.restore();
    w.show();
    w.focus();
    return w;
  };

  /** Shows the window on one alert, or on the Alerts view (null); a fresh page gets it once loaded. */
  const openAlert = (id: string | null) => {
    const w = showWindow();
    if (w === null) return;
    const send = () => {
      if (!w.isDestroyed() && !w.webContents.isDestroyed()) w.webContents.send(OPEN_ALERT_CHANNEL, id);
    };
    if (w.webContents.isLoading()) w.webContents.once('did-finish-load', send);
    else send();
  };

  /** A control from the tray: the engine answers, or the reason it cannot goes to the log. */
  const control = (method: 'pause' | 'resume') => {
    engine.call(method, []).catch((e: unknown) => console.error(`portwatch: could not ${method}: ${e instanceof Error ? e.message : String(e)}`));
  };

  let summary: EngineSummary | null = null;
  let problem: string | null = null;
  const refreshTray = () => {
    if (tray === null || summary === null) return;
    const view: TrayView = { ...summary, problem };
    try {
      tray.update(view);
    } catch (e) {
      // Runs from the engine's messages: a throw here would be an uncaught exception in the main process.
      console.error(`portwatch: could not update the tray: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  engine.onSummary((s) => {
    summary = s;
    refreshTray();
  });

  const loginItem = startAtLogin(facts);

  const startTray = async () => {
    const host = await facts.trayHost().catch((e: unknown) => ({ available: true, reason: `could not tell (${e instanceof Error ? e.message : String(e)})` }));
    if (!host.available) {
      // No way back from a hidden window: closing it quits (window-all-closed below).
      console.error(`portwatch: no tray icon (${host.reason}); closing the window quits Portwatch`);
      return;
    }
    try {
      tray = new TrayService({
        onOpen: () => void showWindow(),
        onPause: () => control('pause'),
        onResume: () => control('resume'),
        onQuit: () => app.quit(),
        onOpenAlert: (id) => openAlert(id),
        ...(loginItem ? { loginItem } : {}),
      });
    } catch (e) {
      // Without a tray, closing the window must quit again (window-all-closed below).
      console.error(`portwatch: no tray icon: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  /** Alerts and watched ports become notifications; warnings and the engine's troubles one notification each. */
  const startNotifications = () => {
    notifier = new AlertNotifier({
      onClickAlert: (id) => openAlert(id),
      onClickSummary: () => openAlert(null),
      onClickPort: () => void showWindow(),
      icon: notificationImage(),
    });
  };
  const warn = (message: string) => {
    console.error(`portwatch: ${message}`);
    notifier?.warn(message);
  };
  // Subscribed before the engine starts, so nothing it says early is lost; shown once the notifier exists.
  const early: string[] = [];
  engine.onWarning((w) => (notifier === null ? early.push(warningText(w)) : warn(warningText(w))));
  engine.subscribe((event, payload) => {
    if (event === 'alert') {
      const e = payload as AlertEvent;
      if (e.type === 'alert') notifier?.notify(e.alert);
    } else if (event === 'watched-port') notifier?.notifyPort(payload as WatchedPortEvent);
  });
  engine.onState((state: EngineState) => {
    problem = state.phase === 'restarting' || state.phase === 'failed' ? state.reason : null;
    if (problem !== null) notifier?.warn(problem);
    refreshTray();
  });

  // Every web contents, ours or any a bug might create, gets the same navigation and permission rules.
  app.on('web-contents-created', (_event, webContents) => secureWebContents(webContents, page));
  app.on('second-instance', showWindow);
  app.on('activate', showWindow);
  app.on('before-quit', () => {
    quitting = true;
  });
  // The tray keeps the app alive with no window; without one, closing the window ends the app
  // (macOS apps stay open by convention).
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin' && tray === null) app.quit();
  });
  let closed = false;
  app.on('will-quit', (event) => {
    tray?.destroy();
    notifier?.dispose();
    if (closed) return;
    // Alerts, acknowledgements and trust just given are written before the app ends; the client
    // ends the engine if it takes longer than QUIT_FLUSH_MS (a stuck disk must not keep the app).
    event.preventDefault();
    closed = true;
    void engine
      .close()
      .catch((e: unknown) => console.error(`portwatch: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => app.quit());
  });

  const ready = app.whenReady().then(async () => {
    await engine.start();
    engineReady = true;
    await startTray();
    // Started at login: the tray is the way in; without one, the window is.
    if (!(facts.argv.includes(HIDDEN_FLAG) && tray !== null)) openWindow();
    startNotifications();
    for (const message of early.splice(0)) warn(message);
    refreshTray();
  });
  // A windowless process holding the single-instance lock would keep every later start from working:
  // say why, and end.
  ready.catch((e: unknown) => {
    void engine.close().finally(() => fail(STARTUP_FAILED_TITLE, e instanceof Error ? e.message : String(e)));
  });

  return { ready, engine, window: () => window, tray: () => tray };
}

/** Says why in a dialog (on stderr where there is no display yet) and ends the app with status 1. */
export function fail(title: string, message: string): void {
  console.error(`portwatch: ${title}: ${message}`);
  try {
    dialog.showErrorBox(title, message);
  } finally {
    app.exit(1);
  }
}

/** Makes the data folder Electron's userData; when it cannot be made, Electron keeps its own (the engine says why). */
function useDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    app.setPath('userData', dir);
  } catch (e) {
    console.error(`portwatch: cannot use ${dir} for the app's own files: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * "Start at login": the OS's login items on macOS and Windows (packaged apps only: an unpackaged run
 * would register Electron itself), an XDG autostart entry on Linux that runs this same app hidden.
 */
function startAtLogin({ platform, env }: StartupFacts): LoginItem | undefined {
  if (platform === 'darwin' || platform === 'win32') {
    if (!app.isPackaged) return undefined;
    return { get: () => app.getLoginItemSettings().openAtLogin, set: (on) => app.setLoginItemSettings({ openAtLogin: on, args: [HIDDEN_FLAG] }) };
  }
  if (platform !== 'linux') return undefined;
  // An AppImage runs from a mount that changes each time: the entry names the image itself.
  const appImage = env['APPIMAGE'];
  const command = appImage ? [appImage] : app.isPackaged ? [process.execPath] : [process.execPath, app.getAppPath()];
  return xdgLoginItem(autostartPath(env), [...command, HIDDEN_FLAG]);
}
