// The one window, and the rules every web page in this app lives by: it shows our page and nothing
// else, opens no windows, asks for no permissions, and reaches the system browser only by http(s).
import type { Session, WebContents } from 'electron';
import { BrowserWindow, nativeTheme, shell } from 'electron';
import { ELECTRON_PAGE_CSP } from '../shared/csp.js';
import { isExternalLink, isOurPage, type RendererPage } from './page.js';

/** Matches the renderer's own backgrounds, so the window does not flash before the page paints. */
export const BACKGROUND = { dark: '#111318', light: '#ffffff' } as const;

export function backgroundColor(): string {
  return nativeTheme.shouldUseDarkColors ? BACKGROUND.dark : BACKGROUND.light;
}

export interface MainWindowOptions {
  page: RendererPage;
  /** out/preload/index.cjs: one CommonJS file, because a sandboxed preload cannot load modules. */
  preload: string;
}

export function createMainWindow({ page, preload }: MainWindowOptions): BrowserWindow {
  // Written out here, not built elsewhere, so a reader and electronegativity both see every flag.
  const window = new BrowserWindow({
    title: 'Portwatch',
    width: 1280,
    height: 800,
    minWidth: 720,
    minHeight: 440,
    show: false,
    backgroundColor: backgroundColor(),
    webPreferences: {
      // Reviewed: the preload exposes the API contract's named functions, nothing else.
      preload, // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      // Middle-click on a link asks for a new window, which the window-open handler denies; this
      // also turns Blink's auxclick off where that flag still exists (electronegativity asks for it).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  secureWebContents(window.webContents, page);
  window.once('ready-to-show', () => window.show());

  const followTheme = () => {
    if (!window.isDestroyed()) window.setBackgroundColor(backgroundColor());
  };
  nativeTheme.on('updated', followTheme);
  window.once('closed', () => nativeTheme.off('updated', followTheme));

  const loading = page.file !== null ? window.loadFile(page.file) : window.loadURL(page.url);
  loading.catch((e: unknown) => console.error(`portwatch: could not load ${page.url}: ${e instanceof Error ? e.message : String(e)}`));
  return window;
}

const secured = new WeakSet<WebContents>();
const securedSessions = new WeakSet<Session>();

/**
 * Holds a web contents to our page: no new windows (http/https links go to the system browser), no
 * navigation or redirect elsewhere, no <webview>, no permissions. Calling it twice does nothing more.
 */
export function secureWebContents(webContents: WebContents, page: RendererPage): void {
  if (secured.has(webContents)) return;
  secured.add(webContents);

  webContents.setWindowOpenHandler(({ url }) => {
    openInBrowser(url);
    return { action: 'deny' };
  });
  webContents.on('will-navigate', (event) => {
    if (isOurPage(event.url, page.url)) return;
    event.preventDefault();
    // A plain link click in the page: show it where the user can judge it, not in our window.
    openInBrowser(event.url);
  });
  webContents.on('will-frame-navigate', (event) => {
    if (!isOurPage(event.url, page.url)) event.preventDefault();
  });
  webContents.on('will-redirect', (event) => {
    if (!isOurPage(event.url, page.url)) event.preventDefault();
  });
  webContents.on('will-attach-webview', (event) => event.preventDefault());

  secureSession(webContents.session, page);
}

/** The one way out to the system: http(s) links, in the user's browser. Anything else is dropped. */
function openInBrowser(url: string): void {
  if (!isExternalLink(url)) return;
  // Reviewed: only http(s) URLs with a host get here (isExternalLink).
  const opening = shell.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK
  opening.catch((e: unknown) => console.error(`portwatch: could not open ${url}: ${e instanceof Error ? e.message : String(e)}`));
}

/** Session-wide rules: every permission denied, and the CSP header on our page. */
export function secureSession(session: Session, page: RendererPage): void {
  if (securedSessions.has(session)) return;
  securedSessions.add(session);

  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);

  // The meta tag in index.html is what a file:// page can rely on; the header is a second line for
  // Electron versions whose webRequest sees file:// responses. Both come from shared/csp.ts.
  session.webRequest.onHeadersReceived({ urls: ['file://*/*'], types: ['mainFrame'] }, (details, callback) => {
    if (!isOurPage(details.url, page.url)) {
      callback({});
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(details.responseHeaders ?? {}).filter(([name]) => name.toLowerCase() !== 'content-security-policy'),
    );
    callback({
      responseHeaders: {
        ...headers,
        'Content-Security-Policy': [ELECTRON_PAGE_CSP],
      },
    });
  });
}
