// The poll loop. Each poll is chained after the previous one finishes, so two never overlap however
// slow the OS is; a failing poll is reported, the loop backs off and goes on.
import { performance } from 'node:perf_hooks';
import type { Delta, Snapshot, Socket } from '../shared/model.js';
import type { TrafficState, TrafficUpdate } from '../shared/traffic.js';
import { diffSockets } from './diff.js';
import { PreviousView } from './previous-view.js';
import type { ClosedConnection, SocketSource, SourceChanges, SourceWarnings, TrafficSample } from './sources/source.js';
import { TrafficMeter } from './traffic.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS, type EngineIdentity, type MonitorStatus, type PollCost, type ScopeNote } from '../shared/status.js';

/**
 * A delta comes with the sockets as they were before it (read-only, and valid only during the
 * listener call: a view over the monitor's table), so a listener can see what a removed or changed
 * socket was without keeping a copy of the table.
 */
export type MonitorEvent =
  /** closed: connections the kernel destroyed since the previous poll (while traffic is measured). */
  | { type: 'delta'; delta: Delta; previous: ReadonlyMap<string, Socket>; closed?: readonly ClosedConnection[] }
  | { type: 'status'; status: MonitorStatus };
export type MonitorListener = (event: MonitorEvent) => void;
/** Traffic updates come through their own subscription: after the delta of the same seq, before status. */
export type TrafficListener = (update: TrafficUpdate) => void;

export interface MonitorOptions {
  source: SocketSource;
  intervalMs?: number;
  /**
   * The first delta's seq is seqBase + 1 (default 0). A host that restarts its engine passes a base
   * past the seqs it already forwarded, so a view sees a gap (and reloads) rather than old numbers.
   */
  seqBase?: number;
  /** Who runs this engine and with what rights; every status carries it. */
  engine?: EngineIdentity;
}

const EMPTY_TABLE: ReadonlyMap<string, Socket> = new Map();
const EMPTY_BEFORE: ReadonlyMap<string, Socket | undefined> = new Map();

export function checkInterval(ms: number): number {
  if (!Number.isFinite(ms) || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw new RangeError(`interval must be between ${MIN_INTERVAL_MS} and ${MAX_INTERVAL_MS} ms, got ${ms}`);
  }
  return Math.round(ms);
}

export class Monitor {
  private readonly source: SocketSource;
  private intervalMs: number;
  /** The table: the monitor's own (applySample), or the source's, shared read-only (applyChanges). */
  private current: ReadonlyMap<string, Socket> = new Map<string, Socket>();
  /** Whether `current` is the monitor's own map (false: the source's, never to be changed here). */
  private ownTable = true;
  private takenAt = 0;
  private seq = 0;
  private listeners = new Set<MonitorListener>();
  private trafficListeners = new Set<TrafficListener>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private paused = false;
  private polling: Promise<void> | null = null;
  private failures = 0;
  private lastError: string | null = null;
  private lastCost: PollCost | null = null;
  private lastWarnings: SourceWarnings | null = null;
  private lastScope: ScopeNote | null = null;
  private meter: TrafficMeter | null = null;
  /** Who wants traffic measured (traffic listeners and wantTraffic() holders). */
  private trafficWanted = 0;
  private readonly engine: EngineIdentity | null;

  constructor(options: MonitorOptions) {
    this.source = options.source;
    this.engine = options.engine ?? null;
    this.intervalMs = checkInterval(options.intervalMs ?? 1000);
    this.seq = options.seqBase ?? 0;
    // Measured while wanted: a watcher that prints no traffic does not pay for counters.
    this.source.measureTraffic?.(false);
  }

  /**
   * Keeps traffic measured until the returned function is called (ApiService holds it, so getState
   * carries traffic); subscribeTraffic() does the same for its listener. Without any, no traffic.
   */
  wantTraffic(): () => void {
    if (this.trafficWanted++ === 0) this.source.measureTraffic?.(true);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.trafficWanted === 0) {
        this.source.measureTraffic?.(false);
        this.meter = null;
      }
    };
  }

  /** Listeners get every delta in seq order, and status after each poll or control change. */
  subscribe(listener: MonitorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Each poll's traffic update (shared/traffic.ts), for sources that measure traffic. */
  subscribeTraffic(listener: TrafficListener): () => void {
    this.trafficListeners.add(listener);
    const release = this.wantTraffic();
    return () => {
      this.trafficListeners.delete(listener);
      release();
    };
  }

  /** The state after the latest delta: applying later deltas to it gives every later state. */
  getState(): { seq: number; snapshot: Snapshot } {
    return { seq: this.seq, snapshot: { takenAt: this.takenAt, sockets: [...this.current.values()] } };
  }

  /** Traffic as of the latest delta (same seq as getState()); null when the source measures none. */
  getTraffic(): TrafficState | null {
    return this.meter?.state(this.seq) ?? null;
  }

  getStatus(): MonitorStatus {
    return {
      state: !this.running ? 'stopped' : this.paused ? 'paused' : this.failures > 0 ? 'backing-off' : 'running',
      intervalMs: this.intervalMs,
      seq: this.seq,
      source: this.source.name,
      sockets: this.current.size,
      lastPoll: this.lastCost,
      warnings: this.lastWarnings,
      error: this.lastError,
      consecutiveFailures: this.failures,
      traffic: this.meter?.getAvailability() ?? null,
      scope: this.lastScope,
      engine: this.engine,
    };
  }

  /** Starts polling now; resolves after the first poll, so callers can read a full state. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.emitStatus();
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.emitStatus();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.emitStatus();
    if (this.running && this.polling === null) void this.tick();
  }

  setInterval(ms: number): void {
    this.intervalMs = checkInterval(ms);
    this.emitStatus();
    if (this.running && !this.paused && this.polling === null) {
      if (this.timer) clearTimeout(this.timer);
      this.schedule();
    }
  }

  /** One poll, for callers that drive the loop themselves (the CLI's snapshot, tests). */
  async pollOnce(): Promise<Delta | null> {
    if (this.polling) await this.polling;
    let delta: Delta | null = null;
    const unsubscribe = this.subscribe((e) => {
      if (e.type === 'delta') delta = e.delta;
    });
    try {
      await this.runPoll();
    } finally {
      unsubscribe();
    }
    return delta;
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (this.polling) await this.polling;
    if (!this.running || this.paused) return;
    await this.runPoll();
    if (this.running && !this.paused) this.schedule();
  }

  private schedule(): void {
    // Back off on repeated failure (doubling, capped) so a broken source does not spin.
    const delay = this.failures === 0 ? this.intervalMs : Math.min(this.intervalMs * 2 ** this.failures, MAX_INTERVAL_MS);
    this.timer = setTimeout(() => void this.tick(), delay);
  }

  private runPoll(): Promise<void> {
    const run = this.poll().finally(() => {
      this.polling = null;
    });
    this.polling = run;
    return run;
  }

  private async poll(): Promise<void> {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let delta: Delta;
    let previous: ReadonlyMap<string, Socket>;
    let traffic: TrafficSample | null;
    let warnings: SourceWarnings;
    try {
      if (this.source.poll !== undefined) {
        const changes = await this.source.poll();
        ({ delta, previous } = this.applyChanges(changes));
        traffic = changes.traffic;
        warnings = changes.warnings;
        this.lastScope = changes.scope;
      } else {
        const sample = await this.source.sample();
        ({ delta, previous } = this.applySample(sample.sockets, sample.takenAt));
        traffic = sample.traffic ?? null;
        warnings = sample.warnings;
      }
    } catch (e) {
      this.failures++;
      this.lastError = e instanceof Error ? e.message : String(e);
      this.emitStatus();
      return;
    }
    let update: TrafficUpdate | null = null;
    // A source that measures no traffic (or not now) sends none; one without measureTraffic always may.
    if (traffic !== null && (this.trafficWanted > 0 || this.source.measureTraffic === undefined)) {
      this.meter ??= new TrafficMeter();
      update = this.meter.apply(delta, previous, traffic);
    }
    const cpu = process.cpuUsage(cpu0);
    this.lastCost = {
      seq: delta.seq,
      takenAt: delta.takenAt,
      durationMs: performance.now() - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
    this.lastWarnings = warnings;
    this.failures = 0;
    this.lastError = null;
    this.emit({ type: 'delta', delta, previous, closed: traffic?.closed ?? [] });
    if (update !== null) {
      for (const l of this.trafficListeners) {
        try {
          l(update);
        } catch {
          // as for emit(): a faulty listener must not stop the engine
        }
      }
    }
    this.emitStatus();
  }

  /** A source's own changes, applied by id: work in proportion to what changed. */
  private applyChanges(changes: SourceChanges): { delta: Delta; previous: ReadonlyMap<string, Socket> } {
    const seq = this.seq + 1;
    const takenAt = changes.takenAt;
    this.seq = seq;
    this.takenAt = takenAt;
    if (changes.table !== undefined) {
      // The source keeps the table by id and says what each change was before: share it, no copy.
      const wasEmpty = this.current.size === 0;
      this.current = changes.table;
      this.ownTable = false;
      const delta = { seq, takenAt, added: changes.added, removed: changes.removed.map((s) => s.id), changed: changes.changed };
      return { delta, previous: wasEmpty ? EMPTY_TABLE : new PreviousView(changes.table, changes.before ?? EMPTY_BEFORE, changes.added) };
    }
    const current = this.ownTable ? (this.current as Map<string, Socket>) : new Map(this.current);
    this.current = current;
    this.ownTable = true;
    const before = new Map<string, Socket | undefined>();
    for (const s of changes.removed) {
      if (!before.has(s.id)) before.set(s.id, current.get(s.id));
      current.delete(s.id);
    }
    for (const list of [changes.changed, changes.added]) {
      for (const s of list) {
        if (!before.has(s.id)) before.set(s.id, current.get(s.id));
        current.set(s.id, s);
      }
    }
    const added: Socket[] = [];
    const changed: Socket[] = [];
    const removed: string[] = [];
    for (const [id, was] of before) {
      const now = current.get(id);
      if (was === undefined) {
        if (now !== undefined) added.push(now);
      } else if (now === undefined) removed.push(id);
      else if (now !== was) changed.push(now);
    }
    return { delta: { seq, takenAt, added, removed, changed }, previous: new PreviousView(current, before) };
  }

  /** A whole sample, diffed with the table: for sources without an incremental read. */
  private applySample(sockets: readonly Socket[], takenAt: number): { delta: Delta; previous: ReadonlyMap<string, Socket> } {
    const next = new Map<string, Socket>();
    for (let s of sockets) {
      const before = this.current.get(s.id);
      if (before !== undefined && before.firstSeen !== s.firstSeen) s = { ...s, firstSeen: before.firstSeen };
      next.set(s.id, s);
    }
    const previous = this.current;
    const delta = diffSockets(previous, next, this.seq + 1, takenAt);
    this.current = next;
    this.ownTable = true;
    this.seq = delta.seq;
    this.takenAt = takenAt;
    return { delta, previous };
  }

  private emitStatus(): void {
    this.emit({ type: 'status', status: this.getStatus() });
  }

  private emit(event: MonitorEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A faulty listener must not stop the engine or starve the others.
      }
    }
  }
}
