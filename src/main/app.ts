// The desktop app: one instance, one engine, one window bound to it through the IPC door, and a tray
// icon beside it. The engine runs for the life of the app, not of the window: closing the window
// hides it to the tray, and only Quit (tray menu, OS logout, app.quit) ends the app.
import type { BrowserWindow } from 'electron';
import { app, ipcMain } from 'electron';
import { join } from 'node:path';
import { Monitor } from '../core/monitor.js';
import { ApiService } from '../core/service.js';
import { createSource } from '../core/sources/index.js';
import type { SocketSource } from '../core/sources/source.js';
import type { Alert } from '../shared/alerts.js';
import { notificationImage } from './icons.js';
import { bindIpc } from './ipc.js';
import { AlertNotifier } from './notifications.js';
import { rendererPage } from './page.js';
import { countSockets, LATEST_ALERTS, TrayService, type LoginItem } from './tray.js';
import { createMainWindow, secureWebContents } from './window.js';

/** Pushed to the page to show one alert (its id), or the Alerts view (null, from a summary). */
export const OPEN_ALERT_CHANNEL = 'portwatch:event:open-alert';

/** The tray's tooltip follows polls at most this often. */
const TRAY_REFRESH_MS = 1_000;

/** What the app needs of the alert engine. */
export interface AlertFeed {
  subscribe(listener: (event: { type: 'alert'; alert: Alert }) => void): () => void;
  status(): { unacknowledged: number };
  list(filter: { limit: number }): Alert[];
}

export interface StartOptions {
  /** The directory of the built main bundle (out/main); preload and renderer sit beside it. */
  mainDir: string;
  source?: SocketSource;
  /** New alerts become notifications and tray state; without it the tray shows none. */
  alerts?: AlertFeed;
}

export interface PortwatchApp {
  monitor: Monitor;
  service: ApiService;
  /** Resolves once the window is open and the engine has started. */
  ready: Promise<void>;
  window(): BrowserWindow | null;
  tray(): TrayService | null;
}

/** Starts the app, or returns null when another instance already runs (which then shows itself). */
export function startApp({ mainDir, source, alerts }: StartOptions): PortwatchApp | null {
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
  const service = new ApiService(monitor);
  let window: BrowserWindow | null = null;
  let tray: TrayService | null = null;
  let notifier: AlertNotifier | null = null;
  let quitting = false;

  const openWindow = (): BrowserWindow => {
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
    if (!app.isReady()) return null;
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
        unacknowledged: alerts?.status().unacknowledged ?? 0,
        latest: alerts?.list({ limit: LATEST_ALERTS }) ?? [],
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
      return;
    }
    if (alerts === undefined) return;
    notifier = new AlertNotifier({
      onClickAlert: (id) => openAlert(id),
      onClickSummary: () => openAlert(null),
      icon: notificationImage(),
    });
    const unsubscribe = alerts.subscribe((e) => {
      if (e.type === 'alert') notifier?.notify(e.alert);
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
  app.on('will-quit', () => {
    tray?.destroy();
    notifier?.dispose();
    monitor.stop();
    if (refreshTimer) clearTimeout(refreshTimer);
  });

  const ready = app.whenReady().then(async () => {
    openWindow();
    startTray();
    await monitor.start();
    refreshTray();
  });
  ready.catch((e: unknown) => console.error(`portwatch: could not start: ${e instanceof Error ? e.stack : String(e)}`));

  return { monitor, service, ready, window: () => window, tray: () => tray };
}
