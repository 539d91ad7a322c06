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
    expect(Object.keys(api).sort()).toEqual([
      'acknowledgeAlert',
      'acknowledgeAllAlerts',
      'closeConnection',
      'endProcess',
      'explainAlert',
      'getAlertStatus',
      'getConflicts',
      'getHistoryRetention',
      'getNames',
      'getState',
      'getTrustState',
      'getWatchedPorts',
      'listAlerts',
      'lookupPort',
      'onAlert',
      'onDelta',
      'onNames',
      'onOpenAlert',
      'onStatus',
      'onTraffic',
      'onWatchedPort',
      'pause',
      'queryHistory',
      'resume',
      'setHistoryRetention',
      'setInterval',
      'setReverseDns',
      'setWatchClosely',
      'setWatchedPorts',
      'snoozeAlert',
      'startLearning',
      'trust',
      'untrust',
    ]);
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

  it('invokes one channel per alert request, carrying only the arguments', async () => {
    const rule = { kind: 'listener', exe: '/usr/bin/nc', port: 4444, protocol: 'tcp' } as const;
    await api.listAlerts();
    await api.listAlerts({ unacknowledged: true, limit: 5 });
    await api.getAlertStatus();
    await api.explainAlert('a1');
    await api.acknowledgeAlert('a1');
    await api.acknowledgeAllAlerts();
    await api.snoozeAlert('a1', 3_600_000);
    await api.trust(rule);
    await api.untrust(rule);
    await api.setWatchClosely('/usr/bin/curl', true);
    await api.getTrustState();
    await api.startLearning(0);
    await api.getWatchedPorts();
    await api.setWatchedPorts([3000, 8080]);
    await api.getNames();
    await api.setReverseDns(false);
    await api.queryHistory();
    await api.queryHistory({ since: 1, filter: 'port:22', limit: 10 });
    await api.closeConnection({ local: '127.0.0.1:5000', remote: '127.0.0.1:41234' });
    await api.getHistoryRetention();
    await api.setHistoryRetention({ maxAgeDays: 7, maxMegabytes: 50 });
    expect(ipcRenderer.invoke.mock.calls).toEqual([
      // No filter is no argument (not an undefined one).
      ['portwatch:listAlerts'],
      ['portwatch:listAlerts', { unacknowledged: true, limit: 5 }],
      ['portwatch:getAlertStatus'],
      ['portwatch:explainAlert', 'a1'],
      ['portwatch:acknowledgeAlert', 'a1'],
      ['portwatch:acknowledgeAllAlerts'],
      ['portwatch:snoozeAlert', 'a1', 3_600_000],
      ['portwatch:trust', rule],
      ['portwatch:untrust', rule],
      ['portwatch:setWatchClosely', '/usr/bin/curl', true],
      ['portwatch:getTrustState'],
      ['portwatch:startLearning', 0],
      ['portwatch:getWatchedPorts'],
      ['portwatch:setWatchedPorts', [3000, 8080]],
      ['portwatch:getNames'],
      ['portwatch:setReverseDns', false],
      ['portwatch:queryHistory'],
      ['portwatch:queryHistory', { since: 1, filter: 'port:22', limit: 10 }],
      ['portwatch:closeConnection', { local: '127.0.0.1:5000', remote: '127.0.0.1:41234' }],
      ['portwatch:getHistoryRetention'],
      ['portwatch:setHistoryRetention', { maxAgeDays: 7, maxMegabytes: 50 }],
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

  it('onAlert and onOpenAlert get the payload only, each from its own channel, until unsubscribed', () => {
    const alerts: unknown[][] = [];
    const opens: unknown[][] = [];
    const offAlert = api.onAlert((...args: unknown[]) => alerts.push(args));
    const offOpen = api.onOpenAlert((...args: unknown[]) => opens.push(args));
    const event = { type: 'status', status: { learning: false, learningUntil: null, counts: { low: 0, medium: 0, high: 0 }, unacknowledged: 0, total: 0, warnings: [] } };
    ipcRenderer.push('portwatch:event:alert', event);
    ipcRenderer.push('portwatch:event:open-alert', 'a1');
    ipcRenderer.push('portwatch:event:open-alert', null);
    expect(alerts).toEqual([[event]]);
    expect(opens).toEqual([['a1'], [null]]);
    offAlert();
    offOpen();
    expect(ipcRenderer.listenerCount('portwatch:event:alert')).toBe(0);
    expect(ipcRenderer.listenerCount('portwatch:event:open-alert')).toBe(0);
    ipcRenderer.push('portwatch:event:open-alert', 'a2');
    expect(opens).toHaveLength(2);
  });

  it('onWatchedPort gets the event only, from its own channel, until unsubscribed', () => {
    const got: unknown[][] = [];
    const off = api.onWatchedPort((...args: unknown[]) => got.push(args));
    const event = { port: 3000, protocol: 'tcp', change: 'taken', address: '127.0.0.1', pid: 12, process: null };
    ipcRenderer.push('portwatch:event:watched-port', event);
    expect(got).toEqual([[event]]);
    off();
    expect(ipcRenderer.listenerCount('portwatch:event:watched-port')).toBe(0);
    expect(() => api.onWatchedPort(null as never)).toThrow(/^onWatchedPort needs a function$/);
  });

  it('onTraffic gets the update only, from its own channel, until unsubscribed', () => {
    const got: unknown[][] = [];
    const deltas: unknown[] = [];
    const off = api.onTraffic((...args: unknown[]) => got.push(args));
    const offDelta = api.onDelta((d) => deltas.push(d));
    const update = { seq: 4, takenAt: 1, intervalMs: 1000, sockets: [['s1', 10, 20, 0.1, 10, 20]], processes: [], processesGone: [], interfaces: [], unattributed: null };
    ipcRenderer.push('portwatch:event:traffic', update);
    expect(got).toEqual([[update]]);
    expect(deltas).toEqual([]);
    off();
    offDelta();
    expect(ipcRenderer.listenerCount('portwatch:event:traffic')).toBe(0);
    ipcRenderer.push('portwatch:event:traffic', update);
    expect(got).toHaveLength(1);
    expect(() => api.onTraffic(42 as never)).toThrow(/^onTraffic needs a function$/);
  });

  it('refuses a listener that is not a function, naming the function', () => {
    expect(() => api.onDelta('nope' as never)).toThrow(TypeError);
    expect(ipcRenderer.listenerCount('portwatch:event:delta')).toBe(0);
    expect(() => api.onOpenAlert(null as never)).toThrow(/^onOpenAlert needs a function$/);
    expect(() => api.onAlert(undefined as never)).toThrow(/^onAlert needs a function$/);
  });
});
