// Sockets and a scriptable transport for the renderer's unit tests.
import type { Conflict, EndProcessRequest, EndProcessResult, FullState, PortLookup, PortwatchApi } from '../../../src/shared/api.js';
import type { Delta, ProcessInfo, Socket } from '../../../src/shared/model.js';
import { socketId } from '../../../src/shared/model.js';
import type { MonitorStatus } from '../../../src/shared/status.js';
import type { ConnectionListener, ConnectionState, Transport } from '../../../src/renderer/src/api/transport.js';

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
    inode: 5000,
    firstSeen: 1_700_000_000_000,
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
    ...overrides,
  };
}

export function fullState(sockets: Socket[], seq = 1): FullState {
  return { seq, snapshot: { takenAt: 1_700_000_000_000, sockets }, status: status({ seq, sockets: sockets.length }) };
}

export function delta(seq: number, changes: Partial<Omit<Delta, 'seq'>> = {}): Delta {
  return { seq, takenAt: 1_700_000_000_000 + seq * 1000, added: [], removed: [], changed: [], ...changes };
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
}

export function emptyLookup(port: number): PortLookup {
  return { port, holders: [], clients: [], verdicts: [], processes: [] };
}

export function fakeTransport(state: FullState, initial: ConnectionState = 'open'): FakeTransport {
  const deltas = new Set<(d: Delta) => void>();
  const statuses = new Set<(s: MonitorStatus) => void>();
  const connections = new Set<ConnectionListener>();
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
  };
  return t;
}

/** Lets pending promise callbacks run (getState answers) without moving fake clocks. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
