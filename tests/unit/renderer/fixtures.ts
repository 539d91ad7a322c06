// Sockets and a scriptable transport for the renderer's unit tests.
import type { Alert, AlertEvent, AlertStatus, TrustRule, TrustState } from '../../../src/shared/alerts.js';
import { sameRule } from '../../../src/shared/trust-rules.js';
import type { AlertsApi, CloseConnectionRequest, CloseConnectionResult, Conflict, EndProcessRequest, EndProcessResult, FullState, HistoryQuery, HistoryResult, HistoryRetention, PortLookup, PortwatchApi, WatchedPortEvent } from '../../../src/shared/api.js';
import type { Delta, ProcessInfo, Socket } from '../../../src/shared/model.js';
import { socketId } from '../../../src/shared/model.js';
import type { NamesState, NamesUpdate } from '../../../src/shared/names.js';
import type { MonitorStatus } from '../../../src/shared/status.js';
import type { ProcessTraffic, TrafficState, TrafficUpdate } from '../../../src/shared/traffic.js';
import type { ConnectionListener, ConnectionState, Transport } from '../../../src/renderer/src/api/transport.js';
import { createStore, type Store } from '../../../src/renderer/src/store.js';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';

export function proc(pid: number, name: string, extra: Partial<ProcessInfo> = {}): ProcessInfo {
  return { pid, name, exe: `/usr/bin/${name}`, cmdline: `${name} --serve`, user: 'ada', uid: 1000, ppid: 1, startedAt: 1_700_000_000_000, ...extra };
}

export function sock(partial: Partial<Omit<Socket, 'id'>> = {}): Socket {
  const base: Omit<Socket, 'id'> = {
    protocol: 'tcp',
    family: 4,
    localAddress: '127.0.0.1',
    localPort: 40000,
    remoteAddress: '10.0.0.1',
    remotePort: 443,
    state: 'ESTABLISHED',
    listening: false,
    pid: 100,
    process: proc(100, 'node'),
    otherHolders: [],
    inode: 5000,
    firstSeen: 1_700_000_000_000,
    bytesSent: null,
    bytesReceived: null,
    rttMs: null,
    ...partial,
  };
  return { ...base, id: socketId(base) };
}

export function listener(port: number, address = '127.0.0.1', pid = 200, name = 'nginx', protocol: 'tcp' | 'udp' = 'tcp'): Socket {
  return sock({
    protocol,
    family: address.includes(':') ? 6 : 4,
    localAddress: address,
    localPort: port,
    remoteAddress: null,
    remotePort: null,
    state: protocol === 'tcp' ? 'LISTEN' : 'UNCONN',
    listening: true,
    pid,
    process: proc(pid, name),
    inode: 9000 + port,
  });
}

/** n distinct connected sockets, ports 10000.. */
export function many(n: number, pidOf = (i: number) => 100 + (i % 50)): Socket[] {
  const out: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const pid = pidOf(i);
    out.push(
      sock({
        localPort: 10000 + (i % 50000),
        remoteAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        remotePort: 443,
        pid,
        process: proc(pid, `proc-${pid}`),
        inode: 100_000 + i,
      }),
    );
  }
  return out;
}

export function status(overrides: Partial<MonitorStatus> = {}): MonitorStatus {
  return {
    state: 'running',
    intervalMs: 1000,
    seq: 1,
    source: 'test',
    sockets: 0,
    lastPoll: { seq: 1, takenAt: 0, durationMs: 3, cpuMs: 2 },
    warnings: { skippedLines: 0, unattributed: 0, deniedProcesses: 0 },
    error: null,
    consecutiveFailures: 0,
    traffic: null,
    scope: null,
    ...overrides,
  };
}

export function fullState(sockets: Socket[], seq = 1): FullState {
  return { seq, snapshot: { takenAt: 1_700_000_000_000, sockets }, status: status({ seq, sockets: sockets.length }), traffic: null };
}

export function delta(seq: number, changes: Partial<Omit<Delta, 'seq'>> = {}): Delta {
  return { seq, takenAt: 1_700_000_000_000 + seq * 1000, added: [], removed: [], changed: [], ...changes };
}

let alertCounter = 0;

/** An alert as the engine would raise it: a new listener of python3 on 0.0.0.0:8000 unless told otherwise. */
export function alert(partial: Partial<Alert> = {}): Alert {
  const process = partial.process === undefined ? proc(4242, 'python3', { exe: '/usr/bin/python3.12', cmdline: 'python3 -m http.server 8000', ppid: 4100 }) : partial.process;
  const socket = listener(8000, '0.0.0.0', process?.pid ?? 4242, process?.name ?? 'python3');
  const base: Alert = {
    id: `a-${++alertCounter}`,
    kind: 'new-listener',
    severity: 'high',
    message: 'New listener on all interfaces: python3 listens on 0.0.0.0:8000 (TCP) — reachable from any network this machine is on',
    at: 1_700_000_090_000,
    pid: process?.pid ?? null,
    process,
    sockets: [{ ...socket, process }],
    acknowledgedAt: null,
    snoozedUntil: null,
    rule: { kind: 'listener', exe: process?.exe ?? 'unknown', port: 8000, protocol: 'tcp' },
  };
  return { ...base, ...partial, process };
}

/** The engine's summary over a list of alerts. */
export function alertStatusOf(alerts: readonly Alert[], now: number, extra: Partial<AlertStatus> = {}): AlertStatus {
  const counts = { low: 0, medium: 0, high: 0 };
  let unacknowledged = 0;
  for (const a of alerts) {
    if (a.acknowledgedAt !== null || (a.snoozedUntil !== null && a.snoozedUntil > now)) continue;
    counts[a.severity]++;
    unacknowledged++;
  }
  return { learning: false, learningUntil: null, counts, unacknowledged, total: alerts.length, warnings: [], ...extra };
}

export interface FakeTransport extends Transport {
  state: FullState;
  getStateCalls: number;
  /** When set, getState waits for this before answering. */
  gate: Promise<void> | null;
  failNext: Error | null;
  emitDelta(d: Delta): void;
  emitStatus(s: MonitorStatus): void;
  setConnection(c: ConnectionState): void;
  pauses: number;
  resumes: number;
  /** What getConflicts answers (or an error to throw). */
  conflicts: Conflict[] | Error;
  conflictCalls: number;
  /** What lookupPort answers for a port; a port not listed gets an empty lookup. */
  lookups: Map<number, PortLookup>;
  lookupCalls: number[];
  /** What endProcess answers: a result, an error (thrown), or a promise to wait on. */
  endResult: EndProcessResult | Error | Promise<EndProcessResult>;
  endCalls: EndProcessRequest[];
  /** The alert log, in the order raised (oldest first). */
  alerts: Alert[];
  /** When set, every alert request fails with it ("alerts are not enabled in this host"). */
  alertsError: Error | null;
  /** Warnings the fake engine reports in its status. */
  alertWarnings: string[];
  trustState: TrustState;
  /** explainAlert's process tree per alert id; by default [the alert's process]. */
  processTrees: Map<string, Array<ProcessInfo | null>>;
  /** Every alert request, in order. */
  alertCalls: { method: string; args: unknown[] }[];
  /** The status the fake engine would report now. */
  alertStatus(): AlertStatus;
  /** Raises an alert: appends it and sends 'alert' then 'status'. */
  raise(alert: Alert): void;
  emitAlertEvent(event: AlertEvent): void;
  emitOpenAlert(id: string | null): void;
  /** The watched-port list the fake host keeps, and each list the page saved. */
  watchedPorts: number[];
  watchedPortSaves: number[][];
  emitWatchedPort(event: WatchedPortEvent): void;
  /** The names the fake engine knows, and each reverse-DNS switch the page asked for. */
  names: NamesState;
  reverseDnsCalls: boolean[];
  emitNames(update: NamesUpdate): void;
  emitTraffic(update: TrafficUpdate): void;
  /** What queryHistory answers (or an error to throw), and each query the page made. */
  history: HistoryResult | Error;
  historyQueries: HistoryQuery[];
  /** What closeConnection answers (or an error to throw), and each request the page made. */
  closeResult: CloseConnectionResult | Error;
  closeCalls: CloseConnectionRequest[];
  /** The history's retention the fake engine keeps (or an error every retention request throws), and each one the page set. */
  retention: HistoryRetention | Error;
  retentionSaves: HistoryRetention[];
}

export function emptyLookup(port: number): PortLookup {
  return { port, holders: [], clients: [], verdicts: [], processes: [] };
}

export function fakeTransport(state: FullState, initial: ConnectionState = 'open'): FakeTransport {
  const deltas = new Set<(d: Delta) => void>();
  const statuses = new Set<(s: MonitorStatus) => void>();
  const connections = new Set<ConnectionListener>();
  const alertListeners = new Set<(e: AlertEvent) => void>();
  const openListeners = new Set<(id: string | null) => void>();
  const watchedListeners = new Set<(e: WatchedPortEvent) => void>();
  const namesListeners = new Set<(u: NamesUpdate) => void>();
  const trafficListeners = new Set<(u: TrafficUpdate) => void>();
  let connection = initial;
  const t: FakeTransport = {
    kind: 'browser',
    state,
    getStateCalls: 0,
    gate: null,
    failNext: null,
    pauses: 0,
    resumes: 0,
    conflicts: [],
    conflictCalls: 0,
    lookups: new Map(),
    lookupCalls: [],
    endResult: { pid: 0, name: null, outcome: 'terminated', signals: ['SIGTERM'], elapsedMs: 10, exited: true },
    endCalls: [],
    history: { entries: [], matched: 0, totals: { connections: 0, listeners: 0, bytesSent: 0, bytesReceived: 0 }, oldest: null, warnings: [] },
    historyQueries: [],
    closeResult: { outcome: 'not-found', message: 'No TCP connection.' },
    closeCalls: [],
    retention: { maxAgeDays: 30, maxMegabytes: 200 },
    retentionSaves: [],
    alerts: [],
    alertsError: null,
    alertWarnings: [],
    trustState: { rules: [], watchClosely: [], learningUntil: null, baselineSize: { processes: 41, listeners: 12, destinations: 300, inbound: 4 } },
    processTrees: new Map(),
    alertCalls: [],
    alertStatus() {
      const now = Date.now();
      const until = t.trustState.learningUntil;
      const learning = until !== null && until > now;
      return alertStatusOf(t.alerts, now, { learning, learningUntil: learning ? until : null, warnings: [...t.alertWarnings] });
    },
    raise(a) {
      t.alerts.push(a);
      t.emitAlertEvent({ type: 'alert', alert: a });
      t.emitAlertEvent({ type: 'status', status: t.alertStatus() });
    },
    emitAlertEvent: (e) => alertListeners.forEach((l) => l(e)),
    emitOpenAlert: (id) => openListeners.forEach((l) => l(id)),
    watchedPorts: [3000, 5173],
    watchedPortSaves: [],
    emitWatchedPort: (e) => watchedListeners.forEach((l) => l(e)),
    names: { version: 0, reverseDns: true, addresses: {} },
    reverseDnsCalls: [],
    emitNames: (u) => namesListeners.forEach((l) => l(u)),
    emitTraffic: (u) => trafficListeners.forEach((l) => l(u)),
    api: undefined as unknown as PortwatchApi,
    onConnection(l) {
      connections.add(l);
      l(connection);
      return () => connections.delete(l);
    },
    emitDelta: (d) => deltas.forEach((l) => l(d)),
    emitStatus: (s) => statuses.forEach((l) => l(s)),
    setConnection(c) {
      connection = c;
      connections.forEach((l) => l(c));
    },
  };
  t.api = {
    async getState() {
      t.getStateCalls++;
      if (t.gate) await t.gate;
      if (t.failNext) {
        const e = t.failNext;
        t.failNext = null;
        throw e;
      }
      return structuredClone(t.state);
    },
    async pause() {
      t.pauses++;
    },
    async resume() {
      t.resumes++;
    },
    async setInterval() {},
    async getConflicts() {
      t.conflictCalls++;
      if (t.conflicts instanceof Error) throw t.conflicts;
      return structuredClone(t.conflicts);
    },
    async lookupPort(port) {
      t.lookupCalls.push(port);
      return structuredClone(t.lookups.get(port) ?? emptyLookup(port));
    },
    async endProcess(request) {
      t.endCalls.push(request);
      const r = await t.endResult;
      if (r instanceof Error) throw r;
      return r;
    },
    onDelta(l) {
      deltas.add(l);
      return () => deltas.delete(l);
    },
    onStatus(l) {
      statuses.add(l);
      return () => statuses.delete(l);
    },
    ...fakeAlertEngine(t),
    onAlert(l) {
      alertListeners.add(l);
      return () => alertListeners.delete(l);
    },
    onOpenAlert(l) {
      openListeners.add(l);
      return () => openListeners.delete(l);
    },
    async getWatchedPorts() {
      return [...t.watchedPorts];
    },
    async setWatchedPorts(ports) {
      t.watchedPortSaves.push([...ports]);
      t.watchedPorts = [...ports];
      return [...ports];
    },
    onWatchedPort(l) {
      watchedListeners.add(l);
      return () => watchedListeners.delete(l);
    },
    async getNames() {
      return structuredClone(t.names);
    },
    async setReverseDns(on) {
      t.reverseDnsCalls.push(on);
      t.names = { ...t.names, reverseDns: on };
      return structuredClone(t.names);
    },
    onNames(l) {
      namesListeners.add(l);
      return () => namesListeners.delete(l);
    },
    onTraffic(l) {
      trafficListeners.add(l);
      return () => trafficListeners.delete(l);
    },
    async queryHistory(query) {
      t.historyQueries.push(query ?? {});
      if (t.history instanceof Error) throw t.history;
      return structuredClone(t.history);
    },
    async closeConnection(request) {
      t.closeCalls.push(request);
      if (t.closeResult instanceof Error) throw t.closeResult;
      return t.closeResult;
    },
    async getHistoryRetention() {
      if (t.retention instanceof Error) throw t.retention;
      return { ...t.retention };
    },
    async setHistoryRetention(retention) {
      t.retentionSaves.push({ ...retention });
      if (t.retention instanceof Error) throw t.retention;
      t.retention = { ...retention };
      return { ...retention };
    },
  };
  return t;
}

type AlertRequests = Omit<AlertsApi, 'onAlert' | 'onOpenAlert'>;

/** The alert requests, answered as the engine would over t.alerts and t.trustState. */
function fakeAlertEngine(t: FakeTransport): AlertRequests {
  const call = (method: string, args: unknown[]) => {
    t.alertCalls.push({ method, args });
    if (t.alertsError) throw t.alertsError;
  };
  const find = (id: string) => {
    const i = t.alerts.findIndex((a) => a.id === id);
    if (i < 0) throw new RangeError(`no alert "${id}"`);
    return i;
  };
  const update = (i: number, patch: Partial<Alert>) => {
    const next = { ...t.alerts[i]!, ...patch };
    t.alerts[i] = next;
    t.emitAlertEvent({ type: 'updated', alert: next });
    return next;
  };
  const status = () => t.emitAlertEvent({ type: 'status', status: t.alertStatus() });
  return {
    async listAlerts(filter = {}) {
      call('listAlerts', [filter]);
      let list = [...t.alerts].reverse();
      if (filter.unacknowledged) list = list.filter((a) => a.acknowledgedAt === null);
      return structuredClone(list.slice(0, filter.limit ?? list.length));
    },
    async getAlertStatus() {
      call('getAlertStatus', []);
      return t.alertStatus();
    },
    async explainAlert(id) {
      call('explainAlert', [id]);
      const a = t.alerts.find((x) => x.id === id);
      if (!a) return null;
      return structuredClone({ alert: a, processTree: t.processTrees.get(id) ?? (a.process ? [a.process] : []) });
    },
    async acknowledgeAlert(id) {
      call('acknowledgeAlert', [id]);
      const next = update(find(id), { acknowledgedAt: Date.now(), snoozedUntil: null });
      status();
      return next;
    },
    async acknowledgeAllAlerts() {
      call('acknowledgeAllAlerts', []);
      let n = 0;
      t.alerts.forEach((a, i) => {
        if (a.acknowledgedAt !== null) return;
        update(i, { acknowledgedAt: Date.now() });
        n++;
      });
      status();
      return n;
    },
    async snoozeAlert(id, ms) {
      call('snoozeAlert', [id, ms]);
      const next = update(find(id), { snoozedUntil: Date.now() + ms });
      status();
      return next;
    },
    async trust(rule: TrustRule) {
      call('trust', [rule]);
      const added = !t.trustState.rules.some((r) => sameRule(r, rule));
      if (added) t.trustState = { ...t.trustState, rules: [...t.trustState.rules, rule] };
      const acknowledged: string[] = [];
      t.alerts.forEach((a, i) => {
        if (a.acknowledgedAt === null && a.rule && sameRule(a.rule, rule)) {
          update(i, { acknowledgedAt: Date.now() });
          acknowledged.push(a.id);
        }
      });
      status();
      return { added, acknowledged };
    },
    async untrust(rule) {
      call('untrust', [rule]);
      const before = t.trustState.rules.length;
      t.trustState = { ...t.trustState, rules: t.trustState.rules.filter((r) => !sameRule(r, rule)) };
      return t.trustState.rules.length < before;
    },
    async setWatchClosely(exe, on) {
      call('setWatchClosely', [exe, on]);
      const rest = t.trustState.watchClosely.filter((e) => e !== exe);
      t.trustState = { ...t.trustState, watchClosely: on ? [...rest, exe] : rest };
    },
    async getTrustState() {
      call('getTrustState', []);
      return structuredClone(t.trustState);
    },
    async startLearning(seconds) {
      call('startLearning', [seconds]);
      const until = seconds > 0 ? Date.now() + seconds * 1000 : null;
      t.trustState = { ...t.trustState, learningUntil: until };
      status();
      return until;
    },
  };
}

/** Lets pending promise callbacks run (getState answers) without moving fake clocks. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/**
 * For a test file about the store: each test on fake timers at a fixed time, and every store made with
 * the returned function disposed after it.
 */
export function storesUnderTest(): (t: Transport) => Store {
  let made: Store[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_700_000_100_000);
  });
  afterEach(() => {
    for (const s of made) s.dispose();
    made = [];
    vi.useRealTimers();
  });
  return (t) => {
    const s = createStore(t);
    made.push(s);
    return s;
  };
}

/**
 * happy-dom does no layout: for the tests of one file, every element has the size of a window, so the
 * virtualised tables render rows. Call at the top of the file.
 */
export function elementsSizedLikeAWindow(): void {
  const sizes = ['clientHeight', 'offsetHeight'] as const;
  const saved = [...sizes, 'clientWidth' as const].map((k) => Object.getOwnPropertyDescriptor(HTMLElement.prototype, k));
  beforeAll(() => {
    for (const k of sizes) Object.defineProperty(HTMLElement.prototype, k, { configurable: true, get: () => 700 });
    Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1200 });
  });
  afterAll(() => {
    [...sizes, 'clientWidth' as const].forEach((k, i) => saved[i] && Object.defineProperty(HTMLElement.prototype, k, saved[i]!));
  });
}

/** A traffic state as an engine measuring on Linux gives it (empty unless told). */
export function trafficState(partial: Partial<TrafficState> = {}): TrafficState {
  return {
    seq: 1,
    takenAt: 1_700_000_000_000,
    intervalMs: 1000,
    sockets: [],
    processes: [],
    interfaces: [],
    unattributed: { bytesSent: 0, bytesReceived: 0, sendRate: 0, receiveRate: 0, closedConnections: 0 },
    availability: { connections: true, closedConnections: true, interfaces: true, notes: [] },
    ...partial,
  };
}

export function trafficUpdate(seq: number, partial: Partial<TrafficUpdate> = {}): TrafficUpdate {
  return { seq, takenAt: 1_700_000_000_000 + seq * 1000, intervalMs: 1000, sockets: [], processes: [], processesGone: [], interfaces: [], unattributed: null, ...partial };
}

export function processTraffic(pid: number, name: string, partial: Partial<ProcessTraffic> = {}): ProcessTraffic {
  return { key: `${pid}:1700000000000`, pid, name, exe: `/usr/bin/${name}`, startedAt: 1_700_000_000_000, bytesSent: 0, bytesReceived: 0, sendRate: 0, receiveRate: 0, connections: 1, closedConnections: 0, ...partial };
}
