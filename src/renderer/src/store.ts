// The live list behind every view. It starts from getState(), applies each delta in seq order, and
// asks for the full state again on a gap (or after the browser mode reconnects). Work per delta is
// in proportion to the delta, not to the table: rows live in a Map by id, a row object is replaced
// only when its socket or its highlight changes (so memoised rows skip unchanged ones), and the
// counts the header shows are kept up to date by the same changes.
//
// As TCPView does, a new socket is flagged "new" for a few seconds, a closed one stays as "closing"
// before it leaves, and a changed one is briefly marked "changed".
import type { FullState, PortwatchApi, Unsubscribe } from '../../shared/api.js';
import type { Delta, Socket } from '../../shared/model.js';
import { sameSocket } from '../../shared/model.js';
import type { MonitorStatus } from '../../shared/status.js';
import type { ConnectionState, Transport } from './api/types.js';
import { createAlertsStore, type AlertsStore } from './alerts-store.js';
import { createTrafficStore, type TrafficStore } from './traffic-store.js';

export type RowFlag = 'new' | 'closing' | 'changed' | null;

export interface Row {
  readonly id: string;
  readonly socket: Socket;
  readonly flag: RowFlag;
  /** When the flag lapses (epoch ms); 0 when there is none. */
  readonly flagUntil: number;
}

/** The four bands the header counts; every live socket is in exactly one. */
export type Band = 'established' | 'listening' | 'timeWait' | 'other';
export const BANDS: readonly Band[] = ['established', 'listening', 'timeWait', 'other'];

export function bandOf(s: Socket): Band {
  if (s.listening) return 'listening';
  if (s.state === 'ESTABLISHED') return 'established';
  if (s.state === 'TIME_WAIT') return 'timeWait';
  return 'other';
}

export interface Counts {
  /** Live sockets (closing rows are already gone from these). */
  sockets: number;
  established: number;
  listening: number;
  timeWait: number;
  other: number;
  /** Distinct owning processes. */
  processes: number;
  /** Sockets with an inode but no owner: the OS would not tell us whose they are. */
  unattributed: number;
  byState: Readonly<Record<string, number>>;
}

export interface StoreSnapshot {
  phase: 'loading' | 'ready';
  connection: ConnectionState;
  status: MonitorStatus | null;
  /** A failure to read the state, said plainly; null when the last read worked. */
  error: string | null;
  seq: number;
  /** Bumped on every change the store makes. */
  version: number;
  /** Bumped only when rows change: derived lists key on this, not on status updates. */
  rowsVersion: number;
  /**
   * Bumped when a socket appears or changes (not when a highlight lapses or a closing row leaves):
   * only then can a sorted order change.
   */
  socketsVersion: number;
  /** Live and closing rows by id. The Map is updated in place; rowsVersion says when. */
  rows: ReadonlyMap<string, Row>;
  counts: Counts;
  /**
   * When Portwatch's first poll was taken, as far as the page can tell: the earliest firstSeen in the
   * last full state. A socket first seen then was already open before it (its age is a lower bound).
   * null until the state is read.
   */
  watchStart: number | null;
}

export interface StoreOptions {
  newMs?: number;
  closingMs?: number;
  changedMs?: number;
  now?: () => number;
}

export interface Store {
  /** The contract itself, for requests that are not about the live list (port tools). */
  readonly api: PortwatchApi;
  /** The alerts, kept apart from the socket rows: an alert event re-renders neither table. */
  readonly alerts: AlertsStore;
  /** Bytes and rates, kept apart from the rows too: counters that move change no row. */
  readonly traffic: TrafficStore;
  getSnapshot(): StoreSnapshot;
  subscribe(listener: () => void): Unsubscribe;
  pause(): Promise<void>;
  resume(): Promise<void>;
  setInterval(ms: number): Promise<void>;
  /** Asks for the full state again now (a gap does this by itself). */
  refetch(): void;
  dispose(): void;
}

const MAX_BUFFERED_DELTAS = 2000;

class Tally {
  readonly bands: Record<Band, number> = { established: 0, listening: 0, timeWait: 0, other: 0 };
  readonly byState = new Map<string, number>();
  readonly pids = new Map<number, number>();
  sockets = 0;
  unattributed = 0;

  add(s: Socket, sign: 1 | -1): void {
    this.sockets += sign;
    this.bands[bandOf(s)] += sign;
    const n = (this.byState.get(s.state) ?? 0) + sign;
    if (n === 0) this.byState.delete(s.state);
    else this.byState.set(s.state, n);
    if (s.pid !== null) {
      const p = (this.pids.get(s.pid) ?? 0) + sign;
      if (p === 0) this.pids.delete(s.pid);
      else this.pids.set(s.pid, p);
    } else if (s.inode !== null && s.inode !== 0) {
      this.unattributed += sign;
    }
  }

  clear(): void {
    for (const b of BANDS) this.bands[b] = 0;
    this.byState.clear();
    this.pids.clear();
    this.sockets = 0;
    this.unattributed = 0;
  }

  snapshot(): Counts {
    return {
      sockets: this.sockets,
      ...this.bands,
      processes: this.pids.size,
      unattributed: this.unattributed,
      byState: Object.fromEntries(this.byState),
    };
  }
}

interface Expiry {
  id: string;
  at: number;
}

export function createStore(transport: Pick<Transport, 'api' | 'onConnection'>, options: StoreOptions = {}): Store {
  const api: PortwatchApi = transport.api;
  const newMs = options.newMs ?? 3000;
  const closingMs = options.closingMs ?? 3000;
  const changedMs = options.changedMs ?? 1500;
  const now = options.now ?? (() => Date.now());

  const rows = new Map<string, Row>();
  const tally = new Tally();
  const listeners = new Set<() => void>();
  // One queue per flag kind: each is filled in time order, so its head is always the next to lapse.
  const queues: Record<'new' | 'closing' | 'changed', Expiry[]> = { new: [], closing: [], changed: [] };
  let timer: ReturnType<typeof setTimeout> | null = null;
  let timerAt = Infinity;
  let buffer: Delta[] = [];
  let fetching = false;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let retryDelay = 500;
  let disposed = false;

  let snap: StoreSnapshot = {
    phase: 'loading',
    connection: 'connecting',
    status: null,
    error: null,
    seq: 0,
    version: 0,
    rowsVersion: 0,
    socketsVersion: 0,
    rows,
    counts: tally.snapshot(),
    watchStart: null,
  };

  function commit(patch: Partial<StoreSnapshot>, rowsChanged: boolean, socketsChanged = rowsChanged): void {
    snap = {
      ...snap,
      ...patch,
      version: snap.version + 1,
      rowsVersion: rowsChanged ? snap.rowsVersion + 1 : snap.rowsVersion,
      socketsVersion: socketsChanged ? snap.socketsVersion + 1 : snap.socketsVersion,
      counts: rowsChanged ? tally.snapshot() : snap.counts,
    };
    for (const l of [...listeners]) l();
  }

  // ---- highlights that lapse ----

  function flagRow(id: string, socket: Socket, flag: Exclude<RowFlag, null>): Row {
    const ms = flag === 'new' ? newMs : flag === 'closing' ? closingMs : changedMs;
    const at = now() + ms;
    const row: Row = { id, socket, flag, flagUntil: at };
    rows.set(id, row);
    queues[flag].push({ id, at });
    armTimer(at);
    return row;
  }

  function armTimer(at: number): void {
    if (disposed || at >= timerAt) return;
    if (timer !== null) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(expire, Math.max(0, at - now()));
  }

  function expire(): void {
    timer = null;
    timerAt = Infinity;
    const t = now();
    let changed = false;
    let next = Infinity;
    for (const kind of ['new', 'closing', 'changed'] as const) {
      const q = queues[kind];
      let i = 0;
      for (; i < q.length; i++) {
        const e = q[i]!;
        if (e.at > t) {
          next = Math.min(next, e.at);
          break;
        }
        const row = rows.get(e.id);
        // A row flagged again since (closed and reopened, changed again) carries a later time.
        if (!row || row.flag !== kind || row.flagUntil !== e.at) continue;
        if (kind === 'closing') rows.delete(e.id);
        else rows.set(e.id, { id: e.id, socket: row.socket, flag: null, flagUntil: 0 });
        changed = true;
      }
      if (i > 0) q.splice(0, i);
    }
    if (next !== Infinity) armTimer(next);
    // Rows lost a highlight or left: no socket is new or different, so no order can change.
    if (changed) commit({}, true, false);
  }

  // ---- deltas and full states ----

  function applyOne(delta: Delta): void {
    if (delta.removed.length > 0) traffic.forget(delta.removed);
    for (const id of delta.removed) {
      const row = rows.get(id);
      if (!row || row.flag === 'closing') continue;
      tally.add(row.socket, -1);
      flagRow(id, row.socket, 'closing');
    }
    for (const s of delta.changed) {
      const row = rows.get(s.id);
      if (!row || row.flag === 'closing') {
        tally.add(s, 1);
        flagRow(s.id, s, row ? 'changed' : 'new');
        continue;
      }
      tally.add(row.socket, -1);
      tally.add(s, 1);
      if (row.flag === 'new') rows.set(s.id, { ...row, socket: s });
      else flagRow(s.id, s, 'changed');
    }
    for (const s of delta.added) {
      const row = rows.get(s.id);
      if (row && row.flag !== 'closing') tally.add(row.socket, -1);
      tally.add(s, 1);
      flagRow(s.id, s, 'new');
    }
  }

  /** Applies buffered deltas that follow on from the current seq; true if a gap remains. */
  function drain(): boolean {
    if (buffer.length === 0) return false;
    buffer.sort((a, b) => a.seq - b.seq);
    let seq = snap.seq;
    let applied = false;
    let gap = false;
    for (const d of buffer) {
      if (d.seq <= seq) continue;
      if (d.seq !== seq + 1) {
        gap = true;
        break;
      }
      applyOne(d);
      seq = d.seq;
      applied = true;
    }
    buffer = gap ? buffer.filter((d) => d.seq > seq) : [];
    if (applied) commit({ seq }, true);
    return gap;
  }

  function loadState(state: FullState): void {
    const reconcile = snap.phase === 'ready';
    if (!reconcile) {
      rows.clear();
      tally.clear();
      for (const s of state.snapshot.sockets) {
        rows.set(s.id, { id: s.id, socket: s, flag: null, flagUntil: 0 });
        tally.add(s, 1);
      }
    } else {
      // After a gap or a reconnect: what appeared is new, what went away is closing, the rest keeps
      // its row object (and so does not re-render) unless it really changed.
      const seen = new Set<string>();
      const previous = new Map(rows);
      rows.clear();
      tally.clear();
      for (const s of state.snapshot.sockets) {
        seen.add(s.id);
        tally.add(s, 1);
        const old = previous.get(s.id);
        if (!old || old.flag === 'closing') flagRow(s.id, s, 'new');
        else if (sameSocket(old.socket, s)) rows.set(s.id, old);
        else flagRow(s.id, s, old.flag === 'new' ? 'new' : 'changed');
      }
      for (const [id, old] of previous) {
        if (seen.has(id)) continue;
        if (old.flag === 'closing') rows.set(id, old);
        else flagRow(id, old.socket, 'closing');
      }
    }
    let watchStart = state.snapshot.takenAt;
    for (const s of state.snapshot.sockets) if (s.firstSeen < watchStart) watchStart = s.firstSeen;
    commit({ phase: 'ready', seq: state.seq, status: state.status, error: null, watchStart }, true);
    traffic.load(state.traffic ?? null);
  }

  function refetch(): void {
    if (fetching || disposed) return;
    if (retryTimer !== null) {
      clearTimeout(retryTimer);
      retryTimer = null;
    }
    fetching = true;
    api.getState().then(
      (state) => {
        fetching = false;
        if (disposed) return;
        retryDelay = 500;
        loadState(state);
        if (drain()) refetch();
      },
      (e: unknown) => {
        fetching = false;
        if (disposed) return;
        // While the browser mode is reconnecting the failure is expected: 'open' fetches again.
        if (snap.connection !== 'open') return;
        const message = e instanceof Error ? e.message : String(e);
        commit({ error: `Could not read the state from Portwatch: ${message}` }, false);
        retryTimer = setTimeout(() => {
          retryTimer = null;
          refetch();
        }, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 10_000);
      },
    );
  }

  function onDelta(delta: Delta): void {
    if (disposed) return;
    if (fetching || snap.phase === 'loading') {
      if (buffer.length >= MAX_BUFFERED_DELTAS) buffer.shift();
      buffer.push(delta);
      return;
    }
    if (delta.seq <= snap.seq) return;
    if (delta.seq !== snap.seq + 1) {
      buffer.push(delta);
      refetch();
      return;
    }
    applyOne(delta);
    commit({ seq: delta.seq }, true);
  }

  function onStatus(status: MonitorStatus): void {
    if (!disposed) commit({ status }, false);
  }

  // Subscribed now, before React mounts: an "open this alert" from the host is kept until the view reads it.
  const alerts = createAlertsStore(api, (l) => transport.onConnection(l));
  // Traffic updates wait while a state is on its way: they apply on top of it.
  const traffic = createTrafficStore(api, { loading: () => fetching || snap.phase === 'loading', refetch: () => refetch() });

  const unsubs: Unsubscribe[] = [
    api.onDelta(onDelta),
    api.onStatus(onStatus),
    transport.onConnection((connection) => {
      if (disposed) return;
      const wasOpen = snap.connection === 'open';
      if (connection !== snap.connection) commit({ connection }, false);
      if (connection === 'open' && !wasOpen) refetch();
    }),
  ];

  async function control(call: () => Promise<void>, state?: MonitorStatus['state']): Promise<void> {
    await call();
    // The engine reports the new state too; saying it now keeps the button from lagging behind it.
    if (state && snap.status && snap.status.state !== state) commit({ status: { ...snap.status, state } }, false);
  }

  return {
    api,
    alerts,
    traffic,
    getSnapshot: () => snap,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    pause: () => control(() => api.pause(), 'paused'),
    resume: () => control(() => api.resume(), 'running'),
    setInterval: (ms) => control(() => api.setInterval(ms)),
    refetch,
    dispose() {
      disposed = true;
      alerts.dispose();
      traffic.dispose();
      for (const u of unsubs) u();
      if (timer !== null) clearTimeout(timer);
      if (retryTimer !== null) clearTimeout(retryTimer);
      listeners.clear();
    },
  };
}
