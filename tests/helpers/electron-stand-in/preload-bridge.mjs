// The built preload (out/preload/index.cjs), run inside a page in Chromium the way Electron runs it:
// its require answers only 'electron'; contextBridge.exposeInMainWorld puts a frozen copy of the API on
// window (functions call across, arguments cloned); ipcRenderer.invoke goes out through a Playwright
// binding (__portwatchInvoke) to the main bundle's IPC handlers, and what main sends the window comes
// back in through __portwatchEmit. Values cross as JSON text (the contract's values are plain data),
// which Playwright carries much faster than object graphs of ten thousand sockets. Returns the script
// for page.addInitScript.
export function preloadBridge(preloadSource) {
  return `(() => {
  const listeners = new Map();
  const ipcRenderer = {
    invoke: async (channel, ...args) => {
      const text = await window.__portwatchInvoke(channel, JSON.stringify(args));
      return text === undefined ? undefined : JSON.parse(text);
    },
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel).add(listener);
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
    },
  };
  const contextBridge = {
    exposeInMainWorld(key, api) {
      const copy = {};
      for (const [name, value] of Object.entries(api)) {
        copy[name] = typeof value === 'function' ? (...args) => value(...structuredClone(args.map((a) => (typeof a === 'function' ? undefined : a))).map((a, i) => (typeof args[i] === 'function' ? args[i] : a))) : structuredClone(value);
      }
      Object.defineProperty(window, key, { value: Object.freeze(copy), enumerable: true });
    },
  };
  Object.defineProperty(window, '__portwatchEmit', {
    value(channel, text) {
      const payload = JSON.parse(text);
      for (const l of listeners.get(channel) ?? []) l({ sender: null, senderId: 0 }, payload);
    },
  });
  const require = (name) => {
    if (name === 'electron') return { contextBridge, ipcRenderer };
    throw new Error('a sandboxed preload cannot load ' + name);
  };
  const module = { exports: {} };
  (function (require, module, exports) {
${preloadSource}
  })(require, module, module.exports);
})();`;
}
