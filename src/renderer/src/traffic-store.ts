// Traffic as the page holds it (shared/traffic.ts): the rates per socket, per process and per
// interface, kept apart from the socket rows so that counters moving on a thousand connections each
// poll never make a row "changed" nor re-render a table. The socket store hands it each full state
// (FullState.traffic, same seq as the rows) and the ids of sockets that left; it applies 'traffic'
// updates newer than what it holds (each follows the delta of its seq on the same channel, so a
// missed one means missed deltas too, and the socket store fetches the state again for those).
//
// It also keeps a few minutes of rates for the charts: the machine's total and each interface's every
// update, and each process's while it moves data (a process or an interface absent from an update kept
// its rate, as the update says).
import type { PortwatchApi, Unsubscribe } from '../../shared/api.js';
import { applyTraffic, totalRate, type ProcessTraffic, type SocketTraffic, type TotalRate, type TrafficState, type TrafficUpdate } from '../../shared/traffic.js';

/** One point of a rate chart. */
export interface RateSample {
  t: number;
  sendRate: number;
  receiveRate: number;
}

export interface TrafficSnapshot {
  /** null until a host that measures traffic has said so (and where none is measured). */
  state: TrafficState | null;
  total: TotalRate | null;
  /** Processes by key (TrafficState.processes, indexed). */
  processes: ReadonlyMap<string, ProcessTraffic>;
  /** Bumped on every change. */
  version: number;
}

export interface TrafficStore {
  getSnapshot(): TrafficSnapshot;
  /** Called after each change; cells subscribe through counters() instead. */
  subscribe(listener: () => void): Unsubscribe;
  /** The latest counters and rates of a socket (undefined: none since the state; read the Socket's). */
  counters(id: string): SocketTraffic | undefined;
  /** The machine's total rate over the last minutes, oldest first. */
  totalHistory(): readonly RateSample[];
  /** A process's rates over the last minutes (zero where it moved nothing), oldest first. */
  processHistory(key: string): RateSample[];
  /** An interface's rates over the last minutes (lo included), oldest first; empty for one not seen. */
  interfaceHistory(name: string): readonly RateSample[];
  /** From the socket store: a full state was loaded (its traffic, at its seq). */
  load(state: TrafficState | null): void;
  /** From the socket store: these sockets left. */
  forget(ids: readonly string[]): void;
  dispose(): void;
}

const MAX_BUFFERED = 50;

export interface TrafficStoreOptions {
  /** How much rate history the charts keep. */
  historyMs?: number;
  /** Whether the socket store is loading a state (updates wait for it). */
  loading: () => boolean;
  /** Asks the socket store for the full state: updates came, but the state held had no traffic yet. */
  refetch: () => void;
}

export function createTrafficStore(api: Pick<PortwatchApi, 'onTraffic'>, options: TrafficStoreOptions): TrafficStore {
  const historyMs = options.historyMs ?? 5 * 60_000;
  let state: TrafficState | null = null;
  let processes = new Map<string, ProcessTraffic>();
  const sockets = new Map<string, SocketTraffic>();
  let total: RateSample[] = [];
  const perProcess = new Map<string, RateSample[]>();
  const perInterface = new Map<string, RateSample[]>();
  let buffer: TrafficUpdate[] = [];
  let version = 0;
  let disposed = false;
  const listeners = new Set<() => void>();
  let snap: TrafficSnapshot = { state: null, total: null, processes, version };

  function commit(): void {
    version++;
    snap = { state, total: totalRate(state), processes, version };
    for (const l of [...listeners]) l();
  }

  function trim(samples: RateSample[], now: number): RateSample[] {
    let drop = 0;
    while (drop < samples.length && samples[drop]!.t < now - historyMs) drop++;
    return drop > 0 ? samples.slice(drop) : samples;
  }

  function record(update: TrafficUpdate): void {
    const t = update.takenAt;
    const sum = totalRate(state);
    // A new array each time: a chart given the history re-renders when it is not the same one.
    if (sum !== null && update.intervalMs > 0) total = [...trim(total, t), { t, sendRate: sum.sendRate, receiveRate: sum.receiveRate }];
    // Every interface each update, from the state (an update names only those that moved): a handful.
    if (update.intervalMs > 0) {
      const present = new Set<string>();
      for (const i of state?.interfaces ?? []) {
        present.add(i.name);
        perInterface.set(i.name, [...trim(perInterface.get(i.name) ?? [], t), { t, sendRate: i.sendRate, receiveRate: i.receiveRate }]);
      }
      for (const name of perInterface.keys()) if (!present.has(name)) perInterface.delete(name);
    }
    for (const p of update.processes) {
      let samples = perProcess.get(p.key);
      if (samples === undefined) {
        if (p.sendRate === 0 && p.receiveRate === 0) continue;
        perProcess.set(p.key, (samples = []));
      }
      samples.push({ t, sendRate: p.sendRate, receiveRate: p.receiveRate });
    }
    for (const [key, samples] of perProcess) {
      const kept = trim(samples, t);
      if (kept.length === 0 || !processes.has(key)) perProcess.delete(key);
      else if (kept !== samples) perProcess.set(key, kept);
    }
  }

  function apply(update: TrafficUpdate): void {
    if (state === null) return;
    state = applyTraffic(state, update);
    for (const t of update.sockets) sockets.set(t[0], t);
    if (update.processes.length > 0 || update.processesGone.length > 0) processes = new Map(state.processes.map((p) => [p.key, p]));
    record(update);
  }

  function onTraffic(update: TrafficUpdate): void {
    if (disposed) return;
    if (options.loading() || state === null) {
      if (buffer.length >= MAX_BUFFERED) buffer.shift();
      buffer.push(update);
      // The engine began measuring after the state was read (its first poll): read it again.
      if (!options.loading()) options.refetch();
      return;
    }
    if (update.seq <= state.seq) return;
    apply(update);
    commit();
  }

  const unsubscribe = api.onTraffic(onTraffic);

  return {
    getSnapshot: () => snap,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    counters: (id) => sockets.get(id),
    totalHistory: () => total,
    processHistory(key) {
      const own = perProcess.get(key);
      if (own === undefined) return total.map((s) => ({ t: s.t, sendRate: 0, receiveRate: 0 }));
      // On the machine's time axis: between two of its samples a process kept the rate it had.
      const out: RateSample[] = [];
      let i = 0;
      let current = { sendRate: 0, receiveRate: 0 };
      for (const s of total) {
        while (i < own.length && own[i]!.t <= s.t) current = own[i++]!;
        out.push({ t: s.t, sendRate: current.sendRate, receiveRate: current.receiveRate });
      }
      return out;
    },
    interfaceHistory: (name) => perInterface.get(name) ?? [],
    load(next) {
      if (disposed) return;
      state = next;
      sockets.clear();
      for (const t of next?.sockets ?? []) sockets.set(t[0], t);
      processes = new Map((next?.processes ?? []).map((p) => [p.key, p]));
      const pending = buffer.filter((u) => next !== null && u.seq > next.seq).sort((a, b) => a.seq - b.seq);
      buffer = [];
      for (const u of pending) apply(u);
      commit();
    },
    forget(ids) {
      for (const id of ids) sockets.delete(id);
    },
    dispose() {
      disposed = true;
      unsubscribe();
      listeners.clear();
    },
  };
}
