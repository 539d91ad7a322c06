// A stand-in for the `electron` module under plain Node, for booting the BUILT main bundle
// (out/main/index.js) where the Electron runtime cannot be installed. hooks.mjs resolves 'electron'
// here. It does what the app asks of Electron in the simplest real way — utilityProcess.fork really
// forks the built engine entry (utility-process.mjs) — and reports what a user would see (the window's
// preferences and page, what is sent to it, the tray, notifications, error dialogs) to the test that
// started this process, over Node's IPC channel. The test drives it back: IPC invokes from "the page",
// tray menu clicks, quitting.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { standInUtilityProcess } from './utility-process.mjs';

/** To the test (the parent process); dropped when run without one. */
function report(message) {
  if (process.connected) process.send(message);
}

let nextId = 1;

function event(params = {}) {
  const e = { ...params, defaultPrevented: false, preventDefault: () => void (e.defaultPrevented = true) };
  return e;
}

class Session {
  constructor() {
    this.headersReceived = null;
    this.webRequest = { onHeadersReceived: (filter, listener) => void (this.headersReceived = { filter, listener }) };
  }
  setPermissionRequestHandler(handler) {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler) {
    this.permissionCheckHandler = handler;
  }
  setDevicePermissionHandler(handler) {
    this.devicePermissionHandler = handler;
  }
}

const defaultSession = new Session();
export const session = { defaultSession };

class WebContents extends EventEmitter {
  constructor(window) {
    super();
    this.id = nextId++;
    this.session = defaultSession;
    this.window = window;
    this.mainFrame = { url: 'about:blank', parent: null, processId: 1, routingId: nextId++ };
    this.loading = true;
    this.destroyed = false;
  }
  setWindowOpenHandler(handler) {
    this.windowOpenHandler = handler;
  }
  send(channel, payload) {
    if (this.destroyed) throw new Error('Object has been destroyed');
    report({ type: 'send', window: this.window.id, channel, payload });
  }
  isDestroyed() {
    return this.destroyed;
  }
  isLoading() {
    return this.loading;
  }
}

export class BrowserWindow extends EventEmitter {
  static all = [];
  constructor(options = {}) {
    super();
    this.id = nextId++;
    this.options = options;
    this.webContents = new WebContents(this);
    this.visible = false;
    this.destroyed = false;
    BrowserWindow.all.push(this);
    app.emit('web-contents-created', event(), this.webContents);
  }
  load(url, file) {
    this.webContents.mainFrame.url = url;
    report({ type: 'window', window: this.id, webPreferences: this.options.webPreferences, url, file, show: this.options.show ?? true });
    setImmediate(() => {
      this.webContents.loading = false;
      this.webContents.emit('did-finish-load');
      this.emit('ready-to-show');
    });
    return Promise.resolve();
  }
  loadFile(file) {
    return this.load(pathToFileURL(file).href, file);
  }
  loadURL(url) {
    return this.load(url, null);
  }
  show() {
    this.visible = true;
    report({ type: 'window-shown', window: this.id });
  }
  hide() {
    this.visible = false;
    report({ type: 'window-hidden', window: this.id });
  }
  isVisible() {
    return this.visible;
  }
  focus() {}
  isMinimized() {
    return false;
  }
  restore() {}
  setBackgroundColor(color) {
    this.background = color;
  }
  isDestroyed() {
    return this.destroyed;
  }
  /** As the user closes it: 'close' may be prevented; else the window is destroyed. */
  close() {
    if (this.destroyed) return true;
    const e = event();
    this.emit('close', e);
    if (e.defaultPrevented) return false;
    this.destroy();
    return true;
  }
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    BrowserWindow.all = BrowserWindow.all.filter((w) => w !== this);
    report({ type: 'window-closed', window: this.id });
    this.emit('closed');
    if (BrowserWindow.all.length === 0) app.emit('window-all-closed');
  }
}

class IpcMain {
  constructor() {
    this.handlers = new Map();
  }
  handle(channel, handler) {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel) {
    this.handlers.delete(channel);
  }
}
export const ipcMain = new IpcMain();

export const shell = {
  openExternal(url) {
    report({ type: 'open-external', url });
    return Promise.resolve();
  },
};

export const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: true });

class NativeImage {
  constructor(buffer, scaleFactor = 1) {
    this.representations = buffer ? [{ scaleFactor, bytes: buffer.length }] : [];
    /** The first representation's bytes, hashed: a test tells which icon this is. */
    this.sha256 = buffer ? createHash('sha256').update(buffer).digest('hex') : null;
  }
  addRepresentation({ scaleFactor = 1, buffer }) {
    if (buffer) this.representations.push({ scaleFactor, bytes: buffer.length });
  }
  isEmpty() {
    return this.representations.length === 0;
  }
}
export const nativeImage = {
  createFromBuffer: (buffer, options = {}) => new NativeImage(buffer, options.scaleFactor),
  createEmpty: () => new NativeImage(null),
};

export class Menu {
  constructor(template) {
    this.template = template;
  }
  static buildFromTemplate(template) {
    return new Menu(template);
  }
}

/** A menu as data: ids, labels, types, checked, and submenus. */
function menuData(items) {
  return items.map((i) => ({ id: i.id, label: i.label, type: i.type, checked: i.checked, enabled: i.enabled, submenu: i.submenu ? menuData(i.submenu) : undefined }));
}

function findItem(items, id) {
  for (const i of items) {
    if (i.id === id) return i;
    const inner = i.submenu ? findItem(i.submenu, id) : null;
    if (inner) return inner;
  }
  return null;
}

export class Tray extends EventEmitter {
  static current = null;
  constructor(image) {
    super();
    this.image = image;
    this.tooltip = '';
    this.menu = null;
    this.destroyed = false;
    Tray.current = this;
    this.report();
  }
  report() {
    report({ type: 'tray', tooltip: this.tooltip, image: this.image?.sha256 ?? null, menu: this.menu ? menuData(this.menu.template) : null, destroyed: this.destroyed });
  }
  setImage(image) {
    this.image = image;
    this.report();
  }
  setToolTip(tooltip) {
    this.tooltip = tooltip;
    this.report();
  }
  setContextMenu(menu) {
    this.menu = menu;
    this.report();
  }
  destroy() {
    this.destroyed = true;
    this.report();
  }
  isDestroyed() {
    return this.destroyed;
  }
  /** A click on a menu item, as the test asks for it (a checkbox flips first, as in Electron). */
  click(id) {
    const item = this.menu ? findItem(this.menu.template, id) : null;
    if (!item) throw new Error(`no tray menu item ${id}`);
    if (item.type === 'checkbox') item.checked = !item.checked;
    item.click?.(item, undefined, {});
  }
}

export class Notification extends EventEmitter {
  static all = [];
  static isSupported() {
    return true;
  }
  constructor(options = {}) {
    super();
    this.options = options;
    this.id = nextId++;
    Notification.all.push(this);
  }
  show() {
    const { title, body, urgency } = this.options;
    report({ type: 'notification', id: this.id, title, body, urgency, icon: this.options.icon !== undefined });
  }
  close() {
    this.emit('close', event());
  }
}

export const dialog = {
  showErrorBox(title, content) {
    console.error(`[error box] ${title}: ${content}`);
    report({ type: 'error-box', title, content });
  },
};

export const utilityProcess = (() => {
  const fork = standInUtilityProcess();
  return {
    fork(modulePath, args, options) {
      const child = fork.fork(modulePath, args, options);
      child.once('spawn', () => report({ type: 'utility-process', pid: child.pid, modulePath, serviceName: options?.serviceName ?? null }));
      return child;
    },
  };
})();

class App extends EventEmitter {
  constructor() {
    super();
    this.name = 'portwatch';
    this.paths = new Map([['userData', `${process.env.HOME ?? '/root'}/.config/portwatch`]]);
    this.ready = false;
    this.isPackaged = false;
    this.sandbox = false;
    this.readyPromise = new Promise((resolve) => (this.resolveReady = resolve));
  }
  setName(name) {
    this.name = name;
  }
  getName() {
    return this.name;
  }
  getPath(name) {
    const path = this.paths.get(name);
    if (path === undefined) throw new Error(`Failed to get '${name}' path`);
    return path;
  }
  setPath(name, path) {
    this.paths.set(name, path);
    report({ type: 'set-path', name, path });
  }
  getAppPath() {
    return process.cwd();
  }
  setAppUserModelId(id) {
    report({ type: 'app-user-model-id', id });
  }
  enableSandbox() {
    this.sandbox = true;
    report({ type: 'sandbox', beforeReady: !this.ready });
  }
  requestSingleInstanceLock() {
    report({ type: 'lock', name: this.name, userData: this.paths.get('userData') });
    return true;
  }
  whenReady() {
    return this.readyPromise;
  }
  isReady() {
    return this.ready;
  }
  getLoginItemSettings() {
    return { openAtLogin: false };
  }
  setLoginItemSettings() {}
  /** Like Electron: before-quit, every window asked to close (one that refuses cancels), will-quit, then the process ends. */
  quit() {
    const before = event();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    for (const w of [...BrowserWindow.all]) if (!w.close()) return;
    const willQuit = event();
    this.emit('will-quit', willQuit);
    if (willQuit.defaultPrevented) return;
    this.exit(0);
  }
  exit(code = 0) {
    report({ type: 'exit', code });
    // Let the report reach the test before the process goes.
    setImmediate(() => process.exit(code));
  }
  becomeReady() {
    if (this.ready) return;
    this.ready = true;
    this.emit('ready', event());
    this.resolveReady();
  }
}
export const app = new App();

// Electron emits 'ready' once the main script has run.
setTimeout(() => app.becomeReady(), 0);

// The test's side: invoke a handler as the page of a window would, click the tray, quit.
process.on('message', async (message) => {
  if (message === null || typeof message !== 'object') return;
  switch (message.type) {
    case 'invoke': {
      const window = BrowserWindow.all.find((w) => w.id === message.window) ?? BrowserWindow.all[0];
      const handler = ipcMain.handlers.get(message.channel);
      try {
        if (!handler) throw new Error(`No handler registered for '${message.channel}'`);
        if (!window) throw new Error('no window');
        const value = await handler({ sender: window.webContents, senderFrame: window.webContents.mainFrame }, ...message.args);
        report({ type: 'invoked', id: message.id, ok: true, value });
      } catch (e) {
        report({ type: 'invoked', id: message.id, ok: false, error: e instanceof Error ? e.message : String(e) });
      }
      return;
    }
    case 'headers': {
      // What the session's header hook makes of a response for this URL.
      const hook = defaultSession.headersReceived;
      if (!hook) return report({ type: 'headers', id: message.id, headers: null });
      hook.listener({ url: message.url, responseHeaders: message.responseHeaders ?? {} }, (result) => report({ type: 'headers', id: message.id, headers: result.responseHeaders ?? null, filter: hook.filter }));
      return;
    }
    case 'tray-click':
      try {
        Tray.current?.click(message.item);
      } catch (e) {
        report({ type: 'harness-error', message: String(e) });
      }
      return;
    case 'notification-click':
      Notification.all.find((n) => n.id === message.id)?.emit('click', event());
      return;
    case 'close-window':
      BrowserWindow.all.find((w) => w.id === message.window)?.close();
      return;
    case 'second-instance':
      app.emit('second-instance', event(), [], process.cwd());
      return;
  }
});

export const contextBridge = {
  exposeInMainWorld() {
    throw new Error('contextBridge belongs to the preload, not the main process');
  },
};
export const ipcRenderer = {};

export default {
  app,
  BrowserWindow,
  contextBridge,
  dialog,
  ipcMain,
  ipcRenderer,
  Menu,
  nativeImage,
  nativeTheme,
  Notification,
  session,
  shell,
  Tray,
  utilityProcess,
};
