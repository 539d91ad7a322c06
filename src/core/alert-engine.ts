// The alert engine: follows a Monitor's deltas, learns while learning, otherwise asks the analysis which
// sockets deserve an alert, writes them to the alert log and tells its subscribers. Hosts (the app, the
// server, the CLI) call the methods below and forward the events; they never compute alerts themselves.
//
// De-duplication: an alert is raised once per subject (analysis/alert-candidates.ts names subjects, e.g.
// "new-listener|/usr/bin/python3|tcp|8000|network"). Raised subjects are replayed from the alert log at
// start and carried across rotation, so an acknowledged-but-not-trusted listener does not alert again
// on every restart; a trusted subject never alerts. untrust() forgets the subjects its rule covered,
// so they may alert again. Port scans are episodes: one alert per remote (or per kernel burst) until it
// has been quiet for a whole scan window.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Alert, AlertExplanation, AlertFilter, AlertEvent, AlertStatus, Severity, TrustRule, TrustState } from '../shared/alerts.js';
import { isActive } from '../shared/alerts.js';
import { normaliseHost } from '../shared/address.js';
import type { Delta, ProcessInfo, Protocol, Socket } from '../shared/model.js';
import { exeKey, ruleView, silencedBy } from '../shared/trust-rules.js';
import { ephemeralPortRange } from './analysis/find-conflicts.js';
import {
  analyseSockets,
  DEFAULT_ALERT_OPTIONS,
  emptyScanState,
  socketRole,
  type AlertOptions,
  type ScanState,
} from './analysis/alert-candidates.js';
import { KernelCounterReader, type KernelCounters } from './kernel-counters.js';
import type { Monitor } from './monitor.js';
import { procClock, readProcessInfo, readProcStat, UserNames, type ProcClock } from './sources/proc-process.js';
import { AlertLog, type AlertLogOptions } from './store/alert-log.js';
import { resolveDataDir } from './store/data-dir.js';
import { checkAlertFilter, checkTrustRule } from './store/schemas.js';
import { DEFAULT_LEARN_SECONDS, TrustStore } from './store/trust-store.js';

export type AlertListener = (event: AlertEvent) => void;

export interface AlertEngineOptions {
  /** The data directory; default resolveDataDir() (the per-user folder the app and the CLI share). */
  dataDir?: string | null;
  /**
   * Learn for this many seconds from now, whatever the store says (the CLI's --learn SECONDS); 0 ends
   * any learning, so alerts start with the first poll. Absent: a fresh store learns for freshLearnSeconds.
   */
  learnSeconds?: number;
  /** How long a fresh (or unreadable, hence reset) store learns; default 60 s. */
  freshLearnSeconds?: number;
  /** Thresholds of the analysis (scan window, burst size, …). */
  analysis?: Partial<AlertOptions>;
  log?: Omit<AlertLogOptions, 'onError' | 'onWarning'>;
  /** The kernel's refusal counters; default /proc/net/snmp where it exists. */
  readCounters?: () => KernelCounters | null;
  /** procfs root for explain() (tests never need another). */
  procRoot?: string;
}

/** The longest snooze: a month. */
export const MAX_SNOOZE_MS = 30 * 24 * 3600_000;

export class AlertEngine {
  readonly dataDir: string;
  private readonly monitor: Monitor | null;
  private readonly store: TrustStore;
  private readonly log: AlertLog;
  private readonly options: AlertOptions;
  private readonly readCounters: () => KernelCounters | null;
  private readonly procRoot: string;
  private readonly listeners = new Set<AlertListener>();
  private readonly warnings: string[];
  /** The monitor's state as of the last delta, and the TCP listening ports in it (port → count). */
  private readonly listening = new Map<number, number>();
  private scan: ScanState = emptyScanState();
  private wasLearning: boolean;
  /** Snoozed alerts (id → until), to say when each comes back. */
  private readonly snoozed = new Map<string, number>();
  private unsubscribe: (() => void) | null = null;
  private clock: ProcClock | null = null;
  private users: UserNames | null = null;

  private constructor(monitor: Monitor | null, dataDir: string, store: TrustStore, log: AlertLog, warnings: string[], options: AlertEngineOptions) {
    this.monitor = monitor;
    this.dataDir = dataDir;
    this.store = store;
    this.log = log;
    this.warnings = warnings;
    this.options = { ...DEFAULT_ALERT_OPTIONS, ephemeralPorts: ephemeralPortRange(), ...options.analysis };
    if (options.readCounters !== undefined) this.readCounters = options.readCounters;
    else {
      const counters = new KernelCounterReader();
      this.readCounters = () => counters.read();
    }
    this.procRoot = options.procRoot ?? '/proc';
    this.wasLearning = store.isLearning();
    const now = Date.now();
    for (const a of log.all()) if (a.acknowledgedAt === null && a.snoozedUntil !== null && a.snoozedUntil > now) this.snoozed.set(a.id, a.snoozedUntil);
  }

  /**
   * Opens the trust store and the alert log in the data directory and starts following the monitor
   * (sockets it already holds are looked at at once). Warnings (a store kept aside, a torn log line)
   * are in status().warnings: show them to the user. With no monitor it manages alerts and trust only
   * (CLI commands such as "trust" and "alerts").
   */
  static async open(monitor: Monitor | null, options: AlertEngineOptions = {}): Promise<AlertEngine> {
    const dataDir = resolveDataDir(options.dataDir);
    const warnings: string[] = [];
    const opened = await TrustStore.open(dataDir, { learnSeconds: options.freshLearnSeconds ?? DEFAULT_LEARN_SECONDS });
    warnings.push(...opened.warnings);
    let engine: AlertEngine | null = null;
    const { log, warnings: logWarnings } = await AlertLog.open(dataDir, {
      ...options.log,
      onError: (e) => engine?.warn(`Portwatch could not write its alert log: ${e.message}; it will try again with the next alert.`),
      onWarning: (message) => engine?.warn(message),
    });
    warnings.push(...logWarnings);
    if (options.learnSeconds !== undefined) await opened.store.startLearning(options.learnSeconds);
    engine = new AlertEngine(monitor, dataDir, opened.store, log, warnings, options);
    engine.attach();
    return engine;
  }

  /** Events: 'alert' for each new alert, 'updated' when one is acknowledged/snoozed/back, 'status' when counts or learning change. */
  subscribe(listener: AlertListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Newest first. */
  list(filter: AlertFilter = {}): Alert[] {
    return this.log.list(checkAlertFilter(filter));
  }

  get(id: string): Alert | null {
    return this.log.get(id);
  }

  /** Marks an alert as seen; resolves once that is on disk. Throws for an unknown id. */
  async acknowledge(id: string): Promise<Alert> {
    const alert = this.log.acknowledge(id, Date.now());
    if (alert === null) throw new RangeError(`no alert ${JSON.stringify(id)}`);
    this.snoozed.delete(id);
    this.emit({ type: 'updated', alert });
    this.emitStatus();
    await this.log.flush();
    return alert;
  }

  /** Acknowledges every active alert; returns how many. */
  async acknowledgeAll(): Promise<number> {
    const now = Date.now();
    const ids = [...this.log.all()].filter((a) => a.acknowledgedAt === null).map((a) => a.id);
    for (const id of ids) {
      const alert = this.log.acknowledge(id, now);
      this.snoozed.delete(id);
      if (alert !== null) this.emit({ type: 'updated', alert });
    }
    if (ids.length > 0) this.emitStatus();
    await this.log.flush();
    return ids.length;
  }

  /** Hides an alert from the active count for ms (at most a month); it comes back as active after. */
  async snooze(id: string, ms: number): Promise<Alert> {
    if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_SNOOZE_MS) throw new RangeError(`snooze must be between 1 ms and ${MAX_SNOOZE_MS} ms, got ${ms}`);
    const until = Date.now() + Math.round(ms);
    const alert = this.log.snooze(id, until);
    if (alert === null) throw new RangeError(`no alert ${JSON.stringify(id)}`);
    if (alert.acknowledgedAt === null) this.snoozed.set(id, until);
    this.emit({ type: 'updated', alert });
    this.emitStatus();
    await this.log.flush();
    return alert;
  }

  /**
   * Trusts something (alert.rule is the rule that silences an alert) and acknowledges every active alert
   * the rule covers. Resolves once the rule is on disk.
   */
  async trust(rule: TrustRule): Promise<{ added: boolean; acknowledged: string[] }> {
    const parsed = checkTrustRule(rule);
    const added = await this.store.trust(parsed);
    const view = ruleView(parsed);
    const now = Date.now();
    const acknowledged: string[] = [];
    for (const a of [...this.log.all()]) {
      if (a.acknowledgedAt !== null || !silencedBy(a, view)) continue;
      const next = this.log.acknowledge(a.id, now);
      this.snoozed.delete(a.id);
      if (next !== null) {
        acknowledged.push(a.id);
        this.emit({ type: 'updated', alert: next });
      }
    }
    this.emitStatus();
    await this.log.flush();
    return { added, acknowledged };
  }

  /** Removes a rule (and what the baseline learned that it covers); the subjects it covered may alert again. */
  async untrust(rule: TrustRule): Promise<boolean> {
    const parsed = checkTrustRule(rule);
    const removed = await this.store.untrust(parsed);
    const view = ruleView(parsed);
    const subjects: string[] = [];
    for (const a of this.log.all()) if (a.subject !== undefined && silencedBy(a, view)) subjects.push(a.subject);
    this.log.forget(subjects);
    this.emitStatus();
    await this.log.flush();
    return removed;
  }

  /**
   * Watching an executable closely alerts when it reaches a destination it was not known to use. The
   * destinations it has open right now count as known, so only new ones alert.
   */
  async setWatchClosely(exe: string, on: boolean): Promise<void> {
    if (on) {
      const destinations = [];
      for (const s of this.monitor?.getState().snapshot.sockets ?? []) {
        if (s.process === null || exeKey(s.process) !== exe || socketRole(s, this.isListening) !== 'outbound') continue;
        destinations.push({ exe, host: normaliseHost(s.remoteAddress!), port: s.remotePort! });
      }
      await this.store.learn({ processes: [], listeners: [], destinations, inbound: [] });
    }
    await this.store.setWatchClosely(exe, on);
    this.emitStatus();
  }

  /** Everything seen for the next `seconds` becomes the baseline, with no alerts; 0 stops learning. */
  async startLearning(seconds: number): Promise<number | null> {
    const until = await this.store.startLearning(seconds);
    this.wasLearning = this.store.isLearning();
    this.emitStatus();
    return until;
  }

  stopLearning(): Promise<number | null> {
    return this.startLearning(0);
  }

  status(now = Date.now()): AlertStatus {
    const counts: Record<Severity, number> = { low: 0, medium: 0, high: 0 };
    let unacknowledged = 0;
    for (const a of this.log.all()) {
      if (!isActive(a, now)) continue;
      counts[a.severity]++;
      unacknowledged++;
    }
    return {
      learning: this.store.isLearning(now),
      learningUntil: this.store.learningUntil(now),
      counts,
      unacknowledged,
      total: this.log.count,
      warnings: [...this.warnings],
    };
  }

  /** The rules, the watched executables, learning, and how much the baseline holds. */
  trustState(): TrustState {
    return this.store.state();
  }

  /** The alert and its process's parent chain (itself first, up to pid 1); null entries where a process is gone. */
  explain(id: string): AlertExplanation | null {
    const alert = this.log.get(id);
    if (alert === null) return null;
    return { alert, processTree: this.processTree(alert.process) };
  }

  /** Resolves once everything so far is on disk (alert log and trust store). */
  async flush(): Promise<void> {
    await this.log.flush();
    await this.store.flush();
  }

  /** Stops following the monitor and writes what is pending. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.flush().catch(() => {});
  }

  private attach(): void {
    if (this.monitor === null) return;
    const { seq, snapshot } = this.monitor.getState();
    if (snapshot.sockets.length > 0) {
      this.onDelta({ seq, takenAt: snapshot.takenAt, added: snapshot.sockets, removed: [], changed: [] }, new Map());
    }
    this.unsubscribe = this.monitor.subscribe((e) => {
      if (e.type !== 'delta') return;
      try {
        this.onDelta(e.delta, e.previous);
      } catch (error) {
        // The monitor swallows listener errors; say it where the user looks instead of going quiet.
        this.warn(`Portwatch could not check poll ${e.delta.seq} for alerts: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }

  private readonly isListening = (protocol: Protocol, port: number): boolean => protocol === 'tcp' && this.listening.has(port);

  /** `previous`: the sockets before this delta, as the monitor hands them over (no copy kept here). */
  private onDelta(delta: Delta, previous: ReadonlyMap<string, Socket>): void {
    const now = delta.takenAt;
    // Connections that ended (not a TIME_WAIT running out): their resets are no scan's (see alert-candidates.ts).
    let ended = 0;
    for (const id of delta.removed) {
      const s = previous.get(id);
      if (s === undefined) continue;
      this.unindex(s);
      if (s.protocol === 'tcp' && !s.listening && s.remoteAddress !== null && s.state !== 'TIME_WAIT') ended++;
    }
    const batch = delta.changed.length === 0 ? delta.added : [...delta.added, ...delta.changed];
    for (const s of batch) {
      const before = previous.get(s.id);
      if (before !== undefined) this.unindex(before);
      this.index(s);
    }

    const learning = this.store.isLearning(now);
    if (learning !== this.wasLearning) {
      this.wasLearning = learning;
      this.emitStatus();
    }
    const result = analyseSockets({
      sockets: batch,
      now,
      listening: this.isListening,
      trust: this.store,
      raised: (subject) => this.log.hasRaised(subject),
      scan: this.scan,
      counters: this.readCounters(),
      ended,
      options: this.options,
      learning,
      exists: existsSync,
    });
    this.scan = result.scan;
    if (learning) {
      this.store.learn(result.seen).catch((e: unknown) => this.warn(`Portwatch could not save what it learned: ${e instanceof Error ? e.message : String(e)}`));
    }
    for (const candidate of result.alerts) {
      const alert: Alert = { ...candidate, id: newAlertId(now), acknowledgedAt: null, snoozedUntil: null };
      this.log.append(alert);
      this.emit({ type: 'alert', alert });
    }
    let changed = result.alerts.length > 0;
    for (const [id, until] of this.snoozed) {
      if (until > now) continue;
      this.snoozed.delete(id);
      const alert = this.log.get(id);
      if (alert !== null) this.emit({ type: 'updated', alert });
      changed = true;
    }
    if (changed) this.emitStatus();
  }

  private index(s: Socket): void {
    if (!(s.protocol === 'tcp' && s.state === 'LISTEN')) return;
    const key = s.localPort;
    this.listening.set(key, (this.listening.get(key) ?? 0) + 1);
  }

  private unindex(s: Socket): void {
    if (!(s.protocol === 'tcp' && s.state === 'LISTEN')) return;
    const key = s.localPort;
    const n = (this.listening.get(key) ?? 0) - 1;
    if (n > 0) this.listening.set(key, n);
    else this.listening.delete(key);
  }

  private processTree(p: ProcessInfo | null): Array<ProcessInfo | null> {
    if (p === null) return [];
    this.clock ??= procClock(this.procRoot);
    this.users ??= new UserNames();
    const live = (pid: number): ProcessInfo | null => {
      const stat = readProcStat(this.procRoot, pid);
      return stat === null ? null : readProcessInfo(this.procRoot, stat, this.clock!, this.users!);
    };
    const chain: Array<ProcessInfo | null> = [];
    // The alert's process only if it is the same one (a reused pid is another process).
    const self = live(p.pid);
    const same = self !== null && (p.startedAt === null || self.startedAt === p.startedAt);
    chain.push(same ? self : null);
    let next = same ? self.ppid : p.ppid;
    while (next !== null && next > 0 && chain.length < 64 && p.pid !== 1) {
      const info = live(next);
      chain.push(info);
      if (info === null || next === 1) break;
      next = info.ppid;
    }
    return chain;
  }

  private warn(message: string): void {
    if (this.warnings.includes(message)) return;
    this.warnings.push(message);
    this.emitStatus();
  }

  private emitStatus(): void {
    this.emit({ type: 'status', status: this.status() });
  }

  private emit(event: AlertEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A faulty subscriber must not stop the engine or starve the others.
      }
    }
  }
}

let idCounter = 0;

/** Sortable by time, unique within and across runs. */
function newAlertId(now: number): string {
  idCounter = (idCounter + 1) % 0x10000;
  return `${now.toString(36)}-${idCounter.toString(36).padStart(4, '0')}-${randomBytes(3).toString('hex')}`;
}
