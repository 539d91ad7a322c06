// The preload with electron faked: what the page gets as window.portwatch, and what it does not get.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PortwatchApi } from '../../../src/shared/api.js';
import { contextBridge, ipcRenderer } from '../main/fake-electron.js';

vi.mock('electron', async () => (await import('../main/fake-electron.js')).electronModule);

let api: PortwatchApi;

beforeAll(async () => {
  await import('../../../src/preload/index.js');
  api = contextBridge.exposed.get('portwatch') as PortwatchApi;
});

beforeEach(() => {
  ipcRenderer.invoke.mockClear();
  ipcRenderer.removeAllListeners();
});

describe('window.portwatch', () => {
  it('is exposed once, under portwatch, with exactly the named functions of the contract', () => {
    expect(contextBridge.exposeInMainWorld).toHaveBeenCalledOnce();
    expect([...contextBridge.exposed.keys()]).toEqual(['portwatch']);
    expect(Object.keys(api).sort()).toEqual(['endProcess', 'getConflicts', 'getState', 'lookupPort', 'onDelta', 'onStatus', 'pause', 'resume', 'setInterval']);
    for (const [name, value] of Object.entries(api)) {
      expect(typeof value, name).toBe('function');
      expect(value.name, name).toBe(name);
    }
  });

  it('does not leak ipcRenderer or any of its methods', () => {
    const reachable = new Set<unknown>(Object.values(api));
    for (const leak of [ipcRenderer, ipcRenderer.invoke, ipcRenderer.on, ipcRenderer.removeListener, ipcRenderer.emit]) {
      expect(reachable.has(leak)).toBe(false);
    }
    expect(Object.getPrototypeOf(api)).toBe(Object.prototype);
  });

  it('invokes one channel per request, carrying only the arguments', async () => {
    ipcRenderer.invoke.mockResolvedValueOnce({ seq: 3 });
    await expect(api.getState()).resolves.toEqual({ seq: 3 });
    await api.pause();
    await api.resume();
    await api.setInterval(2000);
    await api.getConflicts();
    await api.lookupPort(3000);
    await api.endProcess({ pid: 1234, startedAt: 1_700_000_000_000, graceMs: 5000 });
    expect(ipcRenderer.invoke.mock.calls).toEqual([
      ['portwatch:getState'],
      ['portwatch:pause'],
      ['portwatch:resume'],
      ['portwatch:setInterval', 2000],
      ['portwatch:getConflicts'],
      ['portwatch:lookupPort', 3000],
      ['portwatch:endProcess', { pid: 1234, startedAt: 1_700_000_000_000, graceMs: 5000 }],
    ]);
  });

  it('every request of the contract has its function, and each answers with what the main process returned', async () => {
    const { REQUEST_NAMES } = await import('../../../src/shared/channels.js');
    for (const name of REQUEST_NAMES) expect(typeof api[name], name).toBe('function');
    const lookup = { port: 3000, holders: [], clients: [], verdicts: [], processes: [] };
    ipcRenderer.invoke.mockResolvedValueOnce(lookup);
    await expect(api.lookupPort(3000)).resolves.toEqual(lookup);
    ipcRenderer.invoke.mockRejectedValueOnce(new Error('not permitted to end pid 1234 (node); run Portwatch with more rights'));
    await expect(api.endProcess({ pid: 1234, startedAt: 1 })).rejects.toThrow('run Portwatch with more rights');
  });

  it('passes a refusal from the main process through as a rejection', async () => {
    ipcRenderer.invoke.mockRejectedValueOnce(new Error('bad arguments for setInterval: 0: Too small'));
    await expect(api.setInterval(10)).rejects.toThrow(/bad arguments for setInterval/);
  });

  it('calls listeners with the payload only, and unsubscribe removes the listener', () => {
    const deltas: unknown[][] = [];
    const unsubscribe = api.onDelta((...args: unknown[]) => deltas.push(args));
    expect(ipcRenderer.listenerCount('portwatch:event:delta')).toBe(1);
    const delta = { seq: 7, takenAt: 1, added: [], removed: ['x'], changed: [] };
    ipcRenderer.push('portwatch:event:delta', delta);
    expect(deltas).toEqual([[delta]]);

    unsubscribe();
    expect(ipcRenderer.listenerCount('portwatch:event:delta')).toBe(0);
    ipcRenderer.push('portwatch:event:delta', delta);
    expect(deltas).toHaveLength(1);
    unsubscribe();
  });

  it('keeps each listener to its own channel', () => {
    const statuses: unknown[][] = [];
    const deltas: unknown[] = [];
    const offStatus = api.onStatus((...args: unknown[]) => statuses.push(args));
    const offDelta = api.onDelta((d) => deltas.push(d));
    ipcRenderer.push('portwatch:event:status', { state: 'paused' });
    expect(statuses).toEqual([[{ state: 'paused' }]]);
    expect(deltas).toEqual([]);
    offStatus();
    expect(ipcRenderer.listenerCount('portwatch:event:delta')).toBe(1);
    offDelta();
  });

  it('refuses a listener that is not a function', () => {
    expect(() => api.onDelta('nope' as never)).toThrow(TypeError);
    expect(ipcRenderer.listenerCount('portwatch:event:delta')).toBe(0);
  });
});
