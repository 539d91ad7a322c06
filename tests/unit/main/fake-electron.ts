// Small stand-ins for the parts of `electron` that src/main and src/preload touch. The Electron
// runtime cannot be installed here, so `electron` is the one module tests mock; everything else
// (monitor, source, service) is real. Use with:
//   vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { vi } from 'vitest';

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
  focused = 0;
  minimized = false;
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
    return Promise.resolve();
  }
  loadURL(url: string) {
    this.loaded = { url };
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  show() {
    this.shown++;
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
  /** Closing the window: like Electron, the object is destroyed when 'closed' fires. */
  close() {
    this.destroyed = true;
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
  private isReadyNow = false;
  private resolveReady!: () => void;
  private readyPromise = new Promise<void>((resolve) => (this.resolveReady = resolve));

  enableSandbox() {
    if (this.isReadyNow) this.readyBeforeSandbox = true;
    this.sandboxEnabled = true;
  }
  requestSingleInstanceLock() {
    return this.gotLock;
  }
  whenReady() {
    return this.readyPromise;
  }
  isReady() {
    return this.isReadyNow;
  }
  quit() {
    this.quitCalls++;
    this.emit('will-quit', fakeEvent({}));
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

export const electronModule = {
  app,
  BrowserWindow: FakeBrowserWindow,
  contextBridge,
  ipcMain,
  ipcRenderer,
  nativeTheme,
  session: { defaultSession },
  shell,
};
