// The desktop app: one instance, one engine, one window bound to it through the IPC door. The engine
// runs for the life of the app, not of the window, so the tray (a later issue) can attach beside it.
import type { BrowserWindow } from 'electron';
import { app, ipcMain } from 'electron';
import { join } from 'node:path';
import { Monitor } from '../core/monitor.js';
import { ApiService } from '../core/service.js';
import { createSource } from '../core/sources/index.js';
import type { SocketSource } from '../core/sources/source.js';
import { bindIpc } from './ipc.js';
import { rendererPage } from './page.js';
import { createMainWindow, secureWebContents } from './window.js';

export interface StartOptions {
  /** The directory of the built main bundle (out/main); preload and renderer sit beside it. */
  mainDir: string;
  source?: SocketSource;
}

export interface PortwatchApp {
  monitor: Monitor;
  service: ApiService;
  /** Resolves once the window is open and the engine has started. */
  ready: Promise<void>;
  window(): BrowserWindow | null;
}

/** Starts the app, or returns null when another instance already runs (which then shows itself). */
export function startApp({ mainDir, source }: StartOptions): PortwatchApp | null {
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

  const openWindow = (): BrowserWindow => {
    const created = createMainWindow({ page, preload });
    // bindIpc undoes itself when the window closes, so a new window can bind again.
    bindIpc({ ipcMain, service, window: created, pageUrl: page.url });
    created.once('closed', () => {
      if (window === created) window = null;
    });
    window = created;
    return created;
  };

  const showWindow = () => {
    if (!app.isReady()) return;
    const w = window ?? openWindow();
    if (w.isMinimized()) w.restore();
    w.show();
    w.focus();
  };

  // Every web contents, ours or any a bug might create, gets the same navigation and permission rules.
  app.on('web-contents-created', (_event, webContents) => secureWebContents(webContents, page));
  app.on('second-instance', showWindow);
  app.on('activate', showWindow);
  // Until the tray exists, closing the window ends the app (macOS apps stay open by convention).
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => monitor.stop());

  const ready = app.whenReady().then(async () => {
    openWindow();
    await monitor.start();
  });
  ready.catch((e: unknown) => console.error(`portwatch: could not start: ${e instanceof Error ? e.stack : String(e)}`));

  return { monitor, service, ready, window: () => window };
}
