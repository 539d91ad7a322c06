// The poll loop. Each poll is chained after the previous one finishes, so two never overlap however
// slow the OS is; a failing poll is reported, the loop backs off and goes on.
import { performance } from 'node:perf_hooks';
import type { Delta, Snapshot, Socket } from '../shared/model.js';
import { diffSockets } from './diff.js';
import type { SocketSource, SourceWarnings } from './sources/source.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS, type MonitorStatus, type PollCost } from '../shared/status.js';

/**
 * A delta comes with the sockets as they were before it (read-only; the monitor's own previous map),
 * so a listener can see what a removed or changed socket was without keeping a copy of the table.
 */
export type MonitorEvent =
  | { type: 'delta'; delta: Delta; previous: ReadonlyMap<string, Socket> }
  | { type: 'status'; status: MonitorStatus };
export type MonitorListener = (event: MonitorEvent) => void;

export interface MonitorOptions {
  source: SocketSource;
  intervalMs?: number;
  /**
   * The first delta's seq is seqBase + 1 (default 0). A host that restarts its engine passes a base
   * past the seqs it already forwarded, so a view sees a gap (and reloads) rather than old numbers.
   */
  seqBase?: number;
}

export function checkInterval(ms: number): number {
  if (!Number.isFinite(ms) || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw new RangeError(`interval must be between ${MIN_INTERVAL_MS} and ${MAX_INTERVAL_MS} ms, got ${ms}`);
  }
  return Math.round(ms);
}

export class Monitor {
  private readonly source: SocketSource;
  private intervalMs: number;
  private current = new Map<string, Socket>();
  private takenAt = 0;
  private seq = 0;
  private listeners = new Set<MonitorListener>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private paused = false;
  private polling: Promise<void> | null = null;
  private failures = 0;
  private lastError: string | null = null;
  private lastCost: PollCost | null = null;
  private lastWarnings: SourceWarnings | null = null;

  constructor(options: MonitorOptions) {
    this.source = options.source;
    this.intervalMs = checkInterval(options.intervalMs ?? 1000);
    this.seq = options.seqBase ?? 0;
  }

  /** Listeners get every delta in seq order, and status after each poll or control change. */
  subscribe(listener: MonitorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The state after the latest delta: applying later deltas to it gives every later state. */
  getState(): { seq: number; snapshot: Snapshot } {
    return { seq: this.seq, snapshot: { takenAt: this.takenAt, sockets: [...this.current.values()] } };
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
    let sample;
    try {
      sample = await this.source.sample();
    } catch (e) {
      this.failures++;
      this.lastError = e instanceof Error ? e.message : String(e);
      this.emitStatus();
      return;
    }
    const next = new Map<string, Socket>();
    for (let s of sample.sockets) {
      const before = this.current.get(s.id);
      if (before !== undefined && before.firstSeen !== s.firstSeen) s = { ...s, firstSeen: before.firstSeen };
      next.set(s.id, s);
    }
    const previous = this.current;
    const delta = diffSockets(previous, next, this.seq + 1, sample.takenAt);
    this.current = next;
    this.seq = delta.seq;
    this.takenAt = sample.takenAt;
    const cpu = process.cpuUsage(cpu0);
    this.lastCost = {
      seq: delta.seq,
      takenAt: sample.takenAt,
      durationMs: performance.now() - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
    this.lastWarnings = sample.warnings;
    this.failures = 0;
    this.lastError = null;
    this.emit({ type: 'delta', delta, previous });
    this.emitStatus();
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
