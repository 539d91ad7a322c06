// The desktop app: one instance, one engine, one window bound to it through the IPC door, and a tray
// icon beside it. The engine runs for the life of the app, not of the window: closing the window
// hides it to the tray, and only Quit (tray menu, OS logout, app.quit) ends the app. The alert engine
// follows the monitor in the same per-user folder the CLI uses; its new alerts become notifications
// and tray state, and it is flushed to disk before the app ends.
import type { BrowserWindow } from 'electron';
import { app, ipcMain } from 'electron';
import { join } from 'node:path';
import { AlertEngine, type AlertEngineOptions } from '../core/alert-engine.js';
import { Monitor } from '../core/monitor.js';
import { ApiService } from '../core/service.js';
import { WatchedPortsWatcher } from '../core/watched-ports-watcher.js';
import { createSource } from '../core/sources/index.js';
import type { SocketSource } from '../core/sources/source.js';
import { APP_DIR_NAME, resolveDataDir } from '../core/store/data-dir.js';
import type { Alert, AlertEvent, AlertStatus } from '../shared/alerts.js';
import { channel } from '../shared/channels.js';
import { notificationImage } from './icons.js';
import { bindIpc } from './ipc.js';
import { AlertNotifier } from './notifications.js';
import { rendererPage } from './page.js';
import { countSockets, LATEST_ALERTS, TrayService, type LoginItem } from './tray.js';
import { createMainWindow, secureWebContents } from './window.js';

/** Pushed to the page to show one alert (its id), or the Alerts view (null, from a summary). */
export const OPEN_ALERT_CHANNEL = channel.event('open-alert');

/** The tray's tooltip follows polls at most this often. */
const TRAY_REFRESH_MS = 1_000;
/** Quitting waits this long at most for the alert engine to write what is pending. */
export const QUIT_FLUSH_MS = 3_000;

/** What the tray and the notifications need of the alert engine (AlertEngine has it). */
export interface AlertFeed {
  subscribe(listener: (event: AlertEvent) => void): () => void;
  status(): Pick<AlertStatus, 'unacknowledged' | 'warnings'>;
  list(filter: { limit: number; unacknowledged?: boolean }): Alert[];
}

export interface StartOptions {
  /** The directory of the built main bundle (out/main); preload and renderer sit beside it. */
  mainDir: string;
  source?: SocketSource;
  /**
   * The alert engine's options; dataDir defaults to resolveDataDir() (the folder the CLI uses too),
   * false runs without alerts. Tests pass a temporary folder.
   */
  alerts?: AlertEngineOptions | false;
  /**
   * The folder of settings.json (the watched ports); default the alert engine's dataDir, else
   * resolveDataDir(). False runs without watched ports.
   */
  watchedPorts?: { dataDir?: string | null } | false;
}

export interface PortwatchApp {
  monitor: Monitor;
  /** Resolves once the alert engine is open (or failed to open), the window is open and the monitor has started. */
  ready: Promise<void>;
  /** The door every request passes; null until ready. */
  service(): ApiService | null;
  /** The alert engine; null until it is open, or when it could not be (see the console and the notification). */
  alerts(): AlertEngine | null;
  /** The watched-ports watcher; null until it is open, or when it could not be. */
  watchedPorts(): WatchedPortsWatcher | null;
  window(): BrowserWindow | null;
  tray(): TrayService | null;
}

/** Starts the app, or returns null when another instance already runs (which then shows itself). */
export function startApp({ mainDir, source, alerts: alertOptions = {}, watchedPorts: watchedOptions = {} }: StartOptions): PortwatchApp | null {
  // Before anything reads the user data path (the single-instance lock does): Electron's userData is
  // then the folder the alert engine and the CLI use by default.
  app.setName(APP_DIR_NAME);
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
  const monitor = new Monitor({ source: source ?? createSource() });
  let service: ApiService | null = null;
  let engine: AlertEngine | null = null;
  let watcher: WatchedPortsWatcher | null = null;
  /** Why the watcher could not open; told once a notification can be shown. */
  let watcherFailure: string | null = null;
  /** Why the alert engine could not open; told to the user once a notification can be shown. */
  let engineFailure: string | null = null;
  let window: BrowserWindow | null = null;
  let tray: TrayService | null = null;
  let notifier: AlertNotifier | null = null;
  let quitting = false;

  // Files only: no need to wait for Electron. It follows the monitor before the first poll.
  const opening: Promise<AlertEngine | null> =
    alertOptions === false
      ? Promise.resolve(null)
      : AlertEngine.open(monitor, { ...alertOptions, dataDir: resolveDataDir(alertOptions.dataDir) }).catch((e: unknown) => {
          const dir = resolveDataDir(alertOptions.dataDir);
          engineFailure = `Portwatch cannot keep alerts in ${dir}: ${e instanceof Error ? e.message : String(e)}. It shows connections, but raises no alerts until it can write there.`;
          console.error(`portwatch: ${engineFailure}`);
          return null;
        });

  // settings.json, in the same folder as the alert engine's files unless told otherwise.
  const watchedDir = watchedOptions === false ? null : resolveDataDir(watchedOptions.dataDir ?? (alertOptions === false ? null : alertOptions.dataDir));
  const openingWatcher: Promise<WatchedPortsWatcher | null> =
    watchedDir === null
      ? Promise.resolve(null)
      : WatchedPortsWatcher.open(monitor, { dataDir: watchedDir }).catch((e: unknown) => {
          watcherFailure = `Portwatch cannot keep settings in ${watchedDir}: ${e instanceof Error ? e.message : String(e)}. It does not follow watched ports until it can.`;
          console.error(`portwatch: ${watcherFailure}`);
          return null;
        });

  const openWindow = (): BrowserWindow => {
    if (service === null) throw new Error('the window opens once the engine is ready');
    const created = createMainWindow({ page, preload });
    // bindIpc undoes itself when the window closes, so a new window can bind again.
    bindIpc({ ipcMain, service, window: created, pageUrl: page.url });
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
    // Until the alert engine is open there is no door to bind; the window opens when it is.
    if (!app.isReady() || service === null) return null;
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

  let refreshedAt = -Infinity;
  let refreshTimer: NodeJS.Timeout | null = null;
  const refreshTray = () => {
    if (refreshTimer) clearTimeout(refreshTimer);
    refreshTimer = null;
    refreshedAt = Date.now();
    try {
      tray?.update({
        status: monitor.getStatus(),
        counts: countSockets(monitor.getState().snapshot.sockets),
        unacknowledged: engine?.status().unacknowledged ?? 0,
        // Not yet acknowledged: older ones still waiting are not pushed out by newer acknowledged ones.
        latest: engine?.list({ limit: LATEST_ALERTS, unacknowledged: true }) ?? [],
      });
    } catch (e) {
      // Runs from a timer: a throw here would be an uncaught exception in the main process.
      console.error(`portwatch: could not update the tray: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  /** At most one refresh a second; a control change (pause, resume) shows at once. */
  const scheduleRefresh = (now: boolean) => {
    if (tray === null || (refreshTimer !== null && !now)) return;
    const wait = now ? 0 : refreshedAt + TRAY_REFRESH_MS - Date.now();
    if (wait <= 0) refreshTray();
    else refreshTimer = setTimeout(refreshTray, wait);
  };
  let shownState = monitor.getStatus().state;
  monitor.subscribe((e) => {
    const changed = e.type === 'status' && e.status.state !== shownState;
    if (e.type === 'status') shownState = e.status.state;
    scheduleRefresh(changed);
  });

  const loginItem: LoginItem | undefined =
    app.isPackaged && (process.platform === 'darwin' || process.platform === 'win32')
      ? { get: () => app.getLoginItemSettings().openAtLogin, set: (on) => app.setLoginItemSettings({ openAtLogin: on }) }
      : undefined;

  const startTray = () => {
    try {
      tray = new TrayService({
        onOpen: () => void showWindow(),
        onPause: () => monitor.pause(),
        onResume: () => monitor.resume(),
        onQuit: () => app.quit(),
        onOpenAlert: (id) => openAlert(id),
        ...(loginItem ? { loginItem } : {}),
      });
    } catch (e) {
      // Without a tray, closing the window must quit again (window-all-closed below).
      console.error(`portwatch: no tray icon: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  /** New alerts become notifications; warnings (a store kept aside, a failed write) one notification each. */
  const startNotifications = (feed: AlertFeed | null) => {
    notifier = new AlertNotifier({
      onClickAlert: (id) => openAlert(id),
      onClickSummary: () => openAlert(null),
      onClickPort: () => void showWindow(),
      icon: notificationImage(),
    });
    if (engineFailure !== null) notifier.warn(engineFailure);
    if (watcherFailure !== null) notifier.warn(watcherFailure);
    if (watcher !== null) {
      for (const w of watcher.warnings) {
        console.error(`portwatch: ${w}`);
        notifier.warn(w);
      }
      const offPorts = watcher.subscribe((e) => notifier?.notifyPort(e.event));
      app.once('will-quit', offPorts);
    }
    if (feed === null) return;
    const warn = (warnings: string[]) => {
      for (const w of warnings) {
        console.error(`portwatch: ${w}`);
        notifier?.warn(w);
      }
    };
    let warned = 0;
    const newWarnings = (warnings: string[]) => {
      // The engine only appends to its warnings: the new ones are past what was already told.
      const fresh = warnings.slice(warned);
      warned = Math.max(warned, warnings.length);
      return fresh;
    };
    warn(newWarnings(feed.status().warnings));
    const unsubscribe = feed.subscribe((e) => {
      if (e.type === 'alert') notifier?.notify(e.alert);
      else if (e.type === 'status') warn(newWarnings(e.status.warnings));
      scheduleRefresh(false);
    });
    app.once('will-quit', unsubscribe);
  };

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
  let flushed = false;
  app.on('will-quit', (event) => {
    tray?.destroy();
    notifier?.dispose();
    monitor.stop();
    if (refreshTimer) clearTimeout(refreshTimer);
    if (flushed) return;
    // Alerts, acknowledgements and trust just given are written before the app ends (not forever:
    // a stuck disk must not keep it from quitting).
    event.preventDefault();
    flushed = true;
    const closed = Promise.all([opening.then((e) => e?.close()), openingWatcher.then((w) => w?.close())]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_FLUSH_MS)));
    void Promise.race([closed, timeout])
      .catch(() => {})
      .finally(() => {
        clearTimeout(timer);
        app.quit();
      });
  });

  const ready = app.whenReady().then(async () => {
    engine = await opening;
    watcher = await openingWatcher;
    service = new ApiService(monitor, { alerts: engine, watchedPorts: watcher });
    openWindow();
    startTray();
    startNotifications(engine);
    await monitor.start();
    refreshTray();
  });
  ready.catch((e: unknown) => console.error(`portwatch: could not start: ${e instanceof Error ? e.stack : String(e)}`));

  return { monitor, ready, service: () => service, alerts: () => engine, watchedPorts: () => watcher, window: () => window, tray: () => tray };
}
