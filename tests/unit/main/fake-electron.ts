// Small stand-ins for the parts of `electron` that src/main and src/preload touch. The Electron
// runtime cannot be installed here, so `electron` is the one module tests mock; everything else
// (monitor, source, service) is real. Use with:
//   vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);
import { EventEmitter } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { vi } from 'vitest';
import { standInUtilityProcess } from '../../helpers/electron-stand-in/utility-process.mjs';

type Handler = (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

let nextId = 1;

export class FakeFrame {
  readonly routingId = nextId++;
  constructor(
    public url: string,
    public readonly parent: FakeFrame | null = null,
    public readonly processId = 1,
  ) {}
}

/** An event whose preventDefault is observable, shaped like Electron's Event<Params>. */
export function fakeEvent<P extends object>(params: P): P & { preventDefault: () => void; readonly defaultPrevented: boolean } {
  const event = { ...params, defaultPrevented: false, preventDefault: () => void (event.defaultPrevented = true) };
  return event;
}

export class FakeSession {
  permissionRequestHandler: Handler | null = null;
  permissionCheckHandler: Handler | null = null;
  devicePermissionHandler: Handler | null = null;
  headersReceived: { filter: unknown; listener: Handler } | null = null;
  readonly webRequest = {
    onHeadersReceived: (filter: unknown, listener: Handler) => {
      this.headersReceived = { filter, listener };
    },
  };
  setPermissionRequestHandler(handler: Handler | null) {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: Handler | null) {
    this.permissionCheckHandler = handler;
  }
  setDevicePermissionHandler(handler: Handler | null) {
    this.devicePermissionHandler = handler;
  }
}

export const defaultSession = new FakeSession();

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly mainFrame: FakeFrame;
  readonly session: FakeSession;
  windowOpenHandler: Handler | null = null;
  readonly sent: Array<[string, unknown]> = [];
  loading = true;
  private destroyed = false;

  constructor({ url = 'about:blank', session = defaultSession }: { url?: string; session?: FakeSession } = {}) {
    super();
    this.mainFrame = new FakeFrame(url);
    this.session = session;
  }

  setWindowOpenHandler(handler: Handler) {
    this.windowOpenHandler = handler;
  }
  send(channel: string, payload: unknown) {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push([channel, payload]);
  }
  isDestroyed() {
    return this.destroyed;
  }
  isLoading() {
    return this.loading;
  }
  /** Test control (loadFile/loadURL do it a microtask later): the page finished loading. */
  finishLoad() {
    if (this.destroyed || !this.loading) return;
    this.loading = false;
    this.emit('did-finish-load');
  }
  destroy() {
    this.destroyed = true;
    this.emit('destroyed');
  }
  /** Emits a navigation-style event the way Electron does and says whether it was prevented. */
  navigate(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', url: string): boolean {
    const e = fakeEvent({ url, isMainFrame: true, isSameDocument: false, frame: this.mainFrame });
    this.emit(event, e, url);
    return e.defaultPrevented;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static created: FakeBrowserWindow[] = [];
  readonly webContents: FakeWebContents;
  loaded: { file?: string; url?: string } | null = null;
  shown = 0;
  hidden = 0;
  focused = 0;
  minimized = false;
  visible = false;
  background: string;
  private destroyed = false;

  constructor(readonly options: Record<string, any> = {}) { // eslint-disable-line @typescript-eslint/no-explicit-any
    super();
    this.webContents = new FakeWebContents();
    this.background = String(options['backgroundColor'] ?? '');
    FakeBrowserWindow.created.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }

  loadFile(file: string) {
    this.loaded = { file };
    this.webContents.mainFrame.url = pathToFileURL(file).href;
    queueMicrotask(() => this.webContents.finishLoad());
    return Promise.resolve();
  }
  loadURL(url: string) {
    this.loaded = { url };
    this.webContents.mainFrame.url = url;
    queueMicrotask(() => this.webContents.finishLoad());
    return Promise.resolve();
  }
  show() {
    this.shown++;
    this.visible = true;
  }
  hide() {
    this.hidden++;
    this.visible = false;
  }
  isVisible() {
    return this.visible;
  }
  focus() {
    this.focused++;
  }
  isMinimized() {
    return this.minimized;
  }
  restore() {
    this.minimized = false;
  }
  setBackgroundColor(color: string) {
    this.background = color;
  }
  isDestroyed() {
    return this.destroyed;
  }
  /**
   * Closing the window, as the user or app.quit does it: 'close' may be prevented (then nothing
   * happens and this returns false); otherwise, like Electron, the object is destroyed when 'closed'
   * fires.
   */
  close(): boolean {
    if (this.destroyed) return true;
    const event = fakeEvent({});
    this.emit('close', event);
    if (event.defaultPrevented) return false;
    this.destroy();
    return true;
  }
  /** Closing without asking: no 'close', only 'closed'. */
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.webContents.destroy();
    this.emit('closed');
  }
}

export class FakeIpcMain {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, handler: Handler) {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke does: run the handler, and turn a throw into a rejection. */
  async invoke(channel: string, event: { sender: FakeWebContents; senderFrame: FakeFrame | null }, ...args: unknown[]) {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event, ...args);
  }
}

export const ipcMain = new FakeIpcMain();

export const shell = { openExternal: vi.fn((_url: string) => Promise.resolve()) };

export const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: true });

class FakeApp extends EventEmitter {
  isPackaged = false;
  sandboxEnabled = false;
  readyBeforeSandbox = false;
  gotLock = true;
  quitCalls = 0;
  /** Like Electron: package.json's name until setName; userData follows it if set before first use. */
  name = 'portwatch';
  /** The name when the single-instance lock (which reads userData) was asked for. */
  nameAtLock: string | null = null;
  /** True once a quit went through will-quit without being prevented: the process would end. */
  exited = false;
  loginItemSettings = { openAtLogin: false };
  /** app.exit's code, once called (the process would end there, without will-quit). */
  exitCode: number | null = null;
  appUserModelId: string | null = null;
  readonly paths = new Map<string, string>([['userData', '/home/user/.config/portwatch']]);
  /** userData when the single-instance lock (which lives there) was asked for. */
  userDataAtLock: string | null = null;
  private isReadyNow = false;
  private resolveReady!: () => void;
  private readyPromise = new Promise<void>((resolve) => (this.resolveReady = resolve));

  enableSandbox() {
    if (this.isReadyNow) this.readyBeforeSandbox = true;
    this.sandboxEnabled = true;
  }
  setName(name: string) {
    this.name = name;
  }
  getName() {
    return this.name;
  }
  requestSingleInstanceLock() {
    this.nameAtLock = this.name;
    this.userDataAtLock = this.paths.get('userData') ?? null;
    return this.gotLock;
  }
  getPath(name: string) {
    const path = this.paths.get(name);
    if (path === undefined) throw new Error(`no fake path ${name}`);
    return path;
  }
  setPath(name: string, path: string) {
    this.paths.set(name, path);
  }
  getAppPath() {
    return '/opt/portwatch';
  }
  setAppUserModelId(id: string) {
    this.appUserModelId = id;
  }
  exit(code = 0) {
    this.exitCode = code;
    this.exited = true;
  }
  whenReady() {
    return this.readyPromise;
  }
  isReady() {
    return this.isReadyNow;
  }
  /** Like Electron: 'before-quit', then every window is asked to close; one that refuses cancels the quit. */
  quit() {
    this.quitCalls++;
    const before = fakeEvent({});
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    for (const w of FakeBrowserWindow.created) {
      if (!w.close()) return;
    }
    const willQuit = fakeEvent({});
    this.emit('will-quit', willQuit);
    if (!willQuit.defaultPrevented) this.exited = true;
  }
  getLoginItemSettings() {
    return { ...this.loginItemSettings };
  }
  setLoginItemSettings(settings: { openAtLogin?: boolean }) {
    this.loginItemSettings.openAtLogin = settings.openAtLogin ?? false;
  }
  /** Test control: Electron finished starting. */
  becomeReady() {
    this.isReadyNow = true;
    this.emit('ready');
    this.resolveReady();
  }
}

export const app = new FakeApp();

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld: vi.fn((key: string, value: unknown) => {
    contextBridge.exposed.set(key, value);
  }),
};

class FakeIpcRenderer extends EventEmitter {
  readonly invoke = vi.fn((_channel: string, ..._args: unknown[]) => Promise.resolve(undefined as unknown));
  /** Test control: what the main process pushing an event looks like from the page's side. */
  push(channel: string, payload: unknown) {
    this.emit(channel, { sender: this, senderId: 0 }, payload);
  }
}

export const ipcRenderer = new FakeIpcRenderer();

/** A nativeImage: the representations it was built from, by scale factor. */
export class FakeNativeImage {
  readonly representations = new Map<number, Buffer>();
  constructor(buffer: Buffer | null, scaleFactor = 1) {
    if (buffer !== null) this.representations.set(scaleFactor, buffer);
  }
  addRepresentation({ scaleFactor = 1, buffer }: { scaleFactor?: number; buffer?: Buffer }) {
    if (buffer) this.representations.set(scaleFactor, buffer);
  }
  isEmpty() {
    return this.representations.size === 0;
  }
  getScaleFactors() {
    return [...this.representations.keys()].sort();
  }
}

export const nativeImage = {
  created: [] as FakeNativeImage[],
  createFromBuffer(buffer: Buffer, options: { scaleFactor?: number } = {}) {
    const image = new FakeNativeImage(buffer, options.scaleFactor);
    nativeImage.created.push(image);
    return image;
  },
  createEmpty() {
    return new FakeNativeImage(null);
  },
};

type MenuItemOptions = {
  id?: string;
  label?: string;
  type?: string;
  enabled?: boolean;
  checked?: boolean;
  submenu?: MenuItemOptions[];
  click?: Handler;
};

/** A built menu: the template as given, searchable by id, with clicks as Electron delivers them. */
export class FakeMenu {
  static built = 0;
  constructor(readonly items: MenuItemOptions[]) {}
  static buildFromTemplate(template: MenuItemOptions[]) {
    FakeMenu.built++;
    return new FakeMenu(template);
  }
  /** Every item, submenus included, depth first. */
  all(items = this.items): MenuItemOptions[] {
    return items.flatMap((i) => [i, ...(i.submenu ? this.all(i.submenu) : [])]);
  }
  item(id: string): MenuItemOptions | undefined {
    return this.all().find((i) => i.id === id);
  }
  /** Labels of the top level (separators as '-'), for reading a menu at a glance. */
  labels(items = this.items): string[] {
    return items.map((i) => (i.type === 'separator' ? '-' : (i.label ?? '')));
  }
  /** Clicks an item: a checkbox flips before its handler runs, as in Electron. */
  click(id: string) {
    const item = this.item(id);
    if (!item) throw new Error(`no menu item ${id}; have ${this.all().map((i) => i.id).join(', ')}`);
    if (item.enabled === false) throw new Error(`menu item ${id} is disabled`);
    if (item.type === 'checkbox') item.checked = !item.checked;
    item.click?.(item, undefined, {});
  }
}

export class FakeTray extends EventEmitter {
  static created: FakeTray[] = [];
  image: unknown;
  tooltip = '';
  menu: FakeMenu | null = null;
  readonly calls = { setImage: 0, setToolTip: 0, setContextMenu: 0 };
  private destroyed = false;
  constructor(image: unknown) {
    super();
    this.image = image;
    FakeTray.created.push(this);
  }
  setImage(image: unknown) {
    this.calls.setImage++;
    this.image = image;
  }
  setToolTip(tooltip: string) {
    this.calls.setToolTip++;
    this.tooltip = tooltip;
  }
  setContextMenu(menu: FakeMenu | null) {
    this.calls.setContextMenu++;
    this.menu = menu;
  }
  destroy() {
    this.destroyed = true;
  }
  isDestroyed() {
    return this.destroyed;
  }
}

export class FakeNotification extends EventEmitter {
  static supported = true;
  static created: FakeNotification[] = [];
  static isSupported() {
    return FakeNotification.supported;
  }
  shown = 0;
  constructor(readonly options: Record<string, any> = {}) { // eslint-disable-line @typescript-eslint/no-explicit-any
    super();
    FakeNotification.created.push(this);
  }
  show() {
    this.shown++;
  }
  close() {
    this.emit('close', fakeEvent({}));
  }
  /** Test control: the user clicked it. */
  click() {
    this.emit('click', fakeEvent({}));
  }
}

/** The engine entry as source: the app asks for out/main/engine.js beside its (made-up) main folder. */
export const ENGINE_SOURCE = fileURLToPath(new URL('../../../src/main/engine-entry.ts', import.meta.url));

/** Real processes: utilityProcess.fork runs the TypeScript engine entry under tsx, parentPort bridged. */
export const utilityProcess = standInUtilityProcess({
  resolve: (path) => (path.endsWith('/out/main/engine.js') ? ENGINE_SOURCE : path),
  execArgv: ['--import', 'tsx'],
});

export const dialog = {
  errors: [] as Array<{ title: string; content: string }>,
  showErrorBox: vi.fn((title: string, content: string) => {
    dialog.errors.push({ title, content });
  }),
};

export const electronModule = {
  app,
  dialog,
  utilityProcess,
  BrowserWindow: FakeBrowserWindow,
  contextBridge,
  ipcMain,
  ipcRenderer,
  Menu: FakeMenu,
  nativeImage,
  nativeTheme,
  Notification: FakeNotification,
  session: { defaultSession },
  shell,
  Tray: FakeTray,
};

/** A desktop user's start-up, as the app tests run it: not root, and a tray that shows. */
export const DESKTOP_USER = {
  uid: 1000,
  argv: ['electron', '.'],
  trayHost: () => Promise.resolve({ available: true, reason: 'a tray host (test)' }),
};
