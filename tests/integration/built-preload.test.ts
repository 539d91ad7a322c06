// The BUILT preload (out/preload/index.cjs) run as a sandboxed preload runs: one CommonJS script in a
// context of its own, whose require answers 'electron' and nothing else (no fs, no process, no Node).
// What the page gets is exactly the contract: named functions on window.portwatch that invoke one
// channel each, listeners that get the payload only, and an unsubscribe each.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { channel, REQUEST_NAMES } from '../../src/shared/api.js';
import { ensureBuilt, OUT } from '../helpers/built-app.js';

interface Loaded {
  exposed: Map<string, Record<string, (...args: unknown[]) => unknown>>;
  invoked: Array<[string, unknown[]]>;
  required: string[];
  listeners: Map<string, Set<(...args: unknown[]) => void>>;
  /** Main pushing an event to the page. */
  push(channel: string, payload: unknown): void;
}

function loadPreload(): Loaded {
  const source = readFileSync(join(OUT, 'preload', 'index.cjs'), 'utf8');
  const exposed = new Map<string, Record<string, (...args: unknown[]) => unknown>>();
  const invoked: Array<[string, unknown[]]> = [];
  const required: string[] = [];
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const electron = {
    contextBridge: {
      exposeInMainWorld(key: string, api: Record<string, (...args: unknown[]) => unknown>) {
        if (exposed.has(key)) throw new Error(`${key} exposed twice`);
        exposed.set(key, api);
      },
    },
    ipcRenderer: {
      invoke(ch: string, ...args: unknown[]) {
        invoked.push([ch, args]);
        return Promise.resolve({ answered: ch });
      },
      on(ch: string, listener: (...args: unknown[]) => void) {
        if (!listeners.has(ch)) listeners.set(ch, new Set());
        listeners.get(ch)!.add(listener);
      },
      removeListener(ch: string, listener: (...args: unknown[]) => void) {
        listeners.get(ch)?.delete(listener);
      },
    },
  };
  const require = (name: string) => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`module not found: ${name}`);
  };
  // A context with nothing of Node in it: no process, no Buffer, no global require.
  const context = vm.createContext({ console });
  const wrapper = vm.runInContext(`(function (require, module, exports) {${source}\n})`, context, { filename: 'index.cjs' }) as (r: unknown, m: unknown, e: unknown) => void;
  const module = { exports: {} };
  wrapper(require, module, module.exports);
  return {
    exposed,
    invoked,
    required,
    listeners,
    push: (ch, payload) => {
      for (const l of listeners.get(ch) ?? []) l({ sender: 'ipc', senderId: 0 }, payload);
    },
  };
}

let loaded: Loaded;
beforeAll(() => {
  ensureBuilt();
  loaded = loadPreload();
});

describe('the built preload', () => {
  it('needs nothing but electron, and exposes one thing: window.portwatch', () => {
    expect(loaded.required).toEqual(['electron']);
    expect([...loaded.exposed.keys()]).toEqual(['portwatch']);
  });

  it('exposes exactly the contract: every request, the seven event listeners, all functions', () => {
    const api = loaded.exposed.get('portwatch')!;
    const listenersNames = ['onAlert', 'onDelta', 'onNames', 'onOpenAlert', 'onStatus', 'onTraffic', 'onWatchedPort'];
    expect(Object.keys(api).sort()).toEqual([...REQUEST_NAMES, ...listenersNames].sort());
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
  });

  it('each request invokes its own channel with the arguments as given (main checks them)', async () => {
    const api = loaded.exposed.get('portwatch')!;
    await expect(api['getState']!()).resolves.toEqual({ answered: channel.request('getState') });
    await api['lookupPort']!(8080);
    await api['snoozeAlert']!('a1', 60_000);
    await api['setInterval']!('not a number');
    await api['listAlerts']!();
    expect(loaded.invoked.slice(-4)).toEqual([
      [channel.request('lookupPort'), [8080]],
      [channel.request('snoozeAlert'), ['a1', 60_000]],
      [channel.request('setInterval'), ['not a number']],
      [channel.request('listAlerts'), []],
    ]);
  });

  it('listeners get the payload only (never the Electron event), and unsubscribe', () => {
    const api = loaded.exposed.get('portwatch')!;
    const got: unknown[][] = [];
    const off = api['onDelta']!((...args: unknown[]) => got.push(args)) as () => void;
    loaded.push(channel.event('delta'), { seq: 1 });
    off();
    loaded.push(channel.event('delta'), { seq: 2 });
    expect(got).toEqual([[{ seq: 1 }]]);
    expect(loaded.listeners.get(channel.event('delta'))?.size).toBe(0);
    expect(() => api['onAlert']!('not a function')).toThrow(new TypeError('onAlert needs a function'));
  });

  it('onTraffic hears the traffic channel only, with the update as main sent it', () => {
    const api = loaded.exposed.get('portwatch')!;
    const got: unknown[][] = [];
    const off = api['onTraffic']!((...args: unknown[]) => got.push(args)) as () => void;
    const update = { seq: 9, takenAt: 1, intervalMs: 1000, sockets: [['s', 1, 2, null, 1, 2]], processes: [], processesGone: [], interfaces: [], unattributed: null };
    loaded.push(channel.event('delta'), { seq: 9 });
    loaded.push(channel.event('traffic'), update);
    off();
    loaded.push(channel.event('traffic'), update);
    expect(got).toEqual([[update]]);
    expect(loaded.listeners.get(channel.event('traffic'))?.size).toBe(0);
  });
});
