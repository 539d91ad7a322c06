// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotConnectedError, WsClient, type SocketLike } from '../../../src/renderer/src/api/ws-client.js';
import { NoTransportError, pickTransport, tokenFromAddress, webSocketUrl } from '../../../src/renderer/src/api/transport.js';
import { errorText } from '../../../src/renderer/src/errors.js';
import { errorCode } from '../../../src/shared/api-errors.js';
import { delta, fullState, status } from './fixtures.js';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  constructor(public url: string) {}
  send(text: string) {
    this.sent.push(text);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: '' });
  }
  receive(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

let sockets: FakeSocket[] = [];
let client: WsClient | null = null;
beforeEach(() => {
  vi.useFakeTimers();
  sockets = [];
});
afterEach(() => {
  client?.close();
  client = null;
  vi.useRealTimers();
});

function connect() {
  client = new WsClient({ url: 'ws://127.0.0.1:1/ws?token=t', createSocket: (url) => sockets[sockets.push(new FakeSocket(url)) - 1]!, minBackoffMs: 100, maxBackoffMs: 1000 });
  return client;
}

describe('WebSocket transport', () => {
  it('sends {id, method, args} and resolves with the matching result', async () => {
    const c = connect();
    sockets[0]!.open();
    const state = c.api.getState();
    const interval = c.api.setInterval(2000);
    const [first, second] = sockets[0]!.sent.map((t) => JSON.parse(t));
    expect(first).toEqual({ id: 1, method: 'getState', args: [] });
    expect(second).toEqual({ id: 2, method: 'setInterval', args: [2000] });
    sockets[0]!.receive({ type: 'result', id: 2, ok: false, error: 'the interval must be between 250 and 60000 ms' });
    sockets[0]!.receive({ type: 'result', id: 1, ok: true, value: fullState([]) });
    await expect(state).resolves.toEqual(fullState([]));
    await expect(interval).rejects.toThrow('the interval must be between');
  });

  it('carries the port tools: getConflicts, lookupPort(port), endProcess(request), with the engine\'s errors as they are', async () => {
    const c = connect();
    sockets[0]!.open();
    const conflicts = c.api.getConflicts();
    const lookup = c.api.lookupPort(3000);
    const end = c.api.endProcess({ pid: 1234, startedAt: 1_700_000_000_000, graceMs: 3000 });
    expect(sockets[0]!.sent.map((t) => JSON.parse(t))).toEqual([
      { id: 1, method: 'getConflicts', args: [] },
      { id: 2, method: 'lookupPort', args: [3000] },
      { id: 3, method: 'endProcess', args: [{ pid: 1234, startedAt: 1_700_000_000_000, graceMs: 3000 }] },
    ]);
    sockets[0]!.receive({ type: 'result', id: 1, ok: true, value: [] });
    sockets[0]!.receive({ type: 'result', id: 2, ok: true, value: { port: 3000, holders: [], clients: [], verdicts: [], processes: [] } });
    sockets[0]!.receive({ type: 'result', id: 3, ok: false, error: 'not permitted to end pid 1234 (node); run Portwatch with more rights' });
    await expect(conflicts).resolves.toEqual([]);
    await expect(lookup).resolves.toMatchObject({ port: 3000 });
    await expect(end).rejects.toThrow('not permitted to end pid 1234 (node); run Portwatch with more rights');
  });

  it('carries every alert request by its contract name, and the engine\'s "not enabled" as it is', async () => {
    const c = connect();
    sockets[0]!.open();
    const rule = { kind: 'listener' as const, exe: '/usr/bin/python3', port: 8000, protocol: 'tcp' as const };
    const calls = [
      c.api.listAlerts({ limit: 500 }),
      c.api.listAlerts(),
      c.api.getAlertStatus(),
      c.api.explainAlert('a1'),
      c.api.acknowledgeAlert('a1'),
      c.api.acknowledgeAllAlerts(),
      c.api.snoozeAlert('a1', 900_000),
      c.api.trust(rule),
      c.api.untrust(rule),
      c.api.setWatchClosely('/usr/bin/curl', true),
      c.api.getTrustState(),
      c.api.startLearning(0),
    ];
    expect(sockets[0]!.sent.map((t) => JSON.parse(t))).toEqual([
      { id: 1, method: 'listAlerts', args: [{ limit: 500 }] },
      { id: 2, method: 'listAlerts', args: [] },
      { id: 3, method: 'getAlertStatus', args: [] },
      { id: 4, method: 'explainAlert', args: ['a1'] },
      { id: 5, method: 'acknowledgeAlert', args: ['a1'] },
      { id: 6, method: 'acknowledgeAllAlerts', args: [] },
      { id: 7, method: 'snoozeAlert', args: ['a1', 900_000] },
      { id: 8, method: 'trust', args: [rule] },
      { id: 9, method: 'untrust', args: [rule] },
      { id: 10, method: 'setWatchClosely', args: ['/usr/bin/curl', true] },
      { id: 11, method: 'getTrustState', args: [] },
      { id: 12, method: 'startLearning', args: [0] },
    ]);
    for (let id = 1; id <= 12; id++) sockets[0]!.receive({ type: 'result', id, ok: id !== 1, ...(id === 1 ? { error: 'alerts are not enabled in this host' } : { value: id }) });
    await expect(calls[0]).rejects.toThrow('alerts are not enabled in this host');
    await expect(calls[11]).resolves.toBe(12);
    await Promise.allSettled(calls);
  });

  it('rejects with the result’s code, so the page branches on it, and "failed" where a server sent none', async () => {
    const c = connect();
    sockets[0]!.open();
    const disabled = c.api.listAlerts();
    const old = c.api.getAlertStatus();
    sockets[0]!.receive({ type: 'result', id: 1, ok: false, error: 'alerts are not enabled in this host', code: 'alerts-disabled' });
    sockets[0]!.receive({ type: 'result', id: 2, ok: false, error: 'alerts are not enabled in this host' });
    const e1 = await disabled.catch((e: unknown) => e);
    const e2 = await old.catch((e: unknown) => e);
    expect([errorCode(e1), errorText(e1)]).toEqual(['alerts-disabled', 'alerts are not enabled in this host']);
    expect([errorCode(e2), errorText(e2)]).toEqual(['failed', 'alerts are not enabled in this host']);
  });

  it('hands alert events to onAlert; onOpenAlert is the Electron host\'s and never fires here', () => {
    const c = connect();
    sockets[0]!.open();
    const events = vi.fn();
    const opens = vi.fn();
    const off = c.api.onAlert(events);
    c.api.onOpenAlert(opens)();
    const event = { type: 'status', status: { learning: false, learningUntil: null, counts: { low: 0, medium: 0, high: 0 }, unacknowledged: 0, total: 0, warnings: [] } };
    sockets[0]!.receive({ type: 'event', event: 'alert', payload: event });
    sockets[0]!.receive({ type: 'event', event: 'open-alert', payload: 'a1' });
    off();
    sockets[0]!.receive({ type: 'event', event: 'alert', payload: event });
    expect(events).toHaveBeenCalledTimes(1);
    expect(events).toHaveBeenCalledWith(event);
    expect(opens).not.toHaveBeenCalled();
  });

  it('gives endProcess the grace period and more before it times out', async () => {
    client = new WsClient({ url: 'ws://x/ws?token=t', createSocket: (url) => sockets[sockets.push(new FakeSocket(url)) - 1]!, requestTimeoutMs: 1000 });
    sockets[0]!.open();
    const state = client.api.getState();
    const end = client.api.endProcess({ pid: 1234, startedAt: 1, graceMs: 20_000 });
    let ended = false;
    end.then(() => (ended = true), () => (ended = true));
    vi.advanceTimersByTime(1000);
    await expect(state).rejects.toThrow('did not answer getState within 1 s');
    vi.advanceTimersByTime(25_000);
    await Promise.resolve();
    expect(ended).toBe(false);
    vi.advanceTimersByTime(10_000);
    await expect(end).rejects.toThrow('did not answer endProcess');
  });

  it('hands pushed events to their listeners', () => {
    const c = connect();
    sockets[0]!.open();
    const deltas = vi.fn();
    const statuses = vi.fn();
    c.api.onDelta(deltas);
    const off = c.api.onStatus(statuses);
    sockets[0]!.receive({ type: 'event', event: 'delta', payload: delta(2) });
    sockets[0]!.receive({ type: 'event', event: 'status', payload: status() });
    off();
    sockets[0]!.receive({ type: 'event', event: 'status', payload: status() });
    sockets[0]!.onmessage?.({ data: 'not json' });
    expect(deltas).toHaveBeenCalledWith(delta(2));
    expect(statuses).toHaveBeenCalledTimes(1);
  });

  it('hands traffic updates to onTraffic only, until unsubscribed', () => {
    const c = connect();
    sockets[0]!.open();
    const traffic = vi.fn();
    const deltas = vi.fn();
    c.api.onDelta(deltas);
    const off = c.api.onTraffic(traffic);
    const update = { seq: 2, takenAt: 1, intervalMs: 1000, sockets: [['a', 5, 6, 0.2, 5, 6]], processes: [], processesGone: [], interfaces: [], unattributed: null };
    sockets[0]!.receive({ type: 'event', event: 'traffic', payload: update });
    off();
    sockets[0]!.receive({ type: 'event', event: 'traffic', payload: update });
    expect(traffic).toHaveBeenCalledTimes(1);
    expect(traffic).toHaveBeenCalledWith(update);
    expect(deltas).not.toHaveBeenCalled();
  });

  it('fails requests at once while disconnected, and pending ones when the connection drops', async () => {
    const c = connect();
    await expect(c.api.pause()).rejects.toBeInstanceOf(NotConnectedError);
    sockets[0]!.open();
    const pending = c.api.getState();
    sockets[0]!.drop();
    await expect(pending).rejects.toBeInstanceOf(NotConnectedError);
  });

  it('reports lost and open, and reconnects with growing, capped backoff', () => {
    const c = connect();
    const states: string[] = [];
    c.onConnection((s) => states.push(s));
    sockets[0]!.open();
    sockets[0]!.drop();
    expect(states).toEqual(['connecting', 'open', 'lost']);
    // Retries: at most 100, 200, 400, 800, 1000, 1000 ms apart while the server stays away.
    for (const max of [100, 200, 400, 800, 1000, 1000]) {
      const before = sockets.length;
      vi.advanceTimersByTime(max);
      expect(sockets.length).toBe(before + 1);
      sockets[sockets.length - 1]!.drop();
    }
    const last = sockets.length;
    vi.advanceTimersByTime(1000);
    sockets[last]!.open();
    expect(states.at(-1)).toBe('open');
  });

  it('builds the WebSocket address from the page address and its token', () => {
    expect(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:7437' }, 'abc_DEF-123')).toBe('ws://127.0.0.1:7437/ws?token=abc_DEF-123');
    expect(() => webSocketUrl({ protocol: 'http:', host: '127.0.0.1:7437' }, '')).toThrow(NoTransportError);
  });

  it('takes the token out of the address bar and history, and finds it again after a reload of the tab', () => {
    window.sessionStorage.clear();
    window.history.replaceState(null, '', '/?token=abc_DEF-123#alerts');
    expect(tokenFromAddress(window)).toBe('abc_DEF-123');
    expect(window.location.href).not.toContain('abc_DEF');
    expect(window.location.hash).toBe('#alerts');
    // A reload (same tab) has no token in its address any more: the tab's own storage has it.
    expect(tokenFromAddress(window)).toBe('abc_DEF-123');
    // A fresh tab has neither.
    window.sessionStorage.clear();
    expect(tokenFromAddress(window)).toBe('');
  });

  it('uses window.portwatch when the preload put it there', () => {
    const api = { getState: vi.fn() } as never;
    const t = pickTransport({ portwatch: api, location: window.location, history: window.history, sessionStorage: window.sessionStorage });
    expect(t.kind).toBe('electron');
    expect(t.api).toBe(api);
    const seen: string[] = [];
    t.onConnection((s) => seen.push(s));
    expect(seen).toEqual(['open']);
  });
});
