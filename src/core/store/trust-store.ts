// What the user has said is normal (trust rules, "watch closely") and what Portwatch saw while it was
// learning (the baseline), in one versioned JSON file under the data directory.
//
// Executables are keys: the absolute path of the binary (anyone can name a binary "sshd"), or
// "name:<comm>" for a process whose path Portwatch may not read. Every change is written atomically
// (atomic-file.ts), writes are serialised and coalesced, and each runs under the folder's lock on
// trust.json (file-lock.ts), across processes: it first checks whether another Portwatch sharing the
// folder replaced the file since, and if so takes its content and applies this process's unsaved
// changes on top, so neither loses the other's rules.
import { join } from 'node:path';
import { z } from 'zod';
import { normaliseHost } from '../../shared/address.js';
import type { Baseline, BaselineDestination, BaselineInbound, TrustRule, TrustState } from '../../shared/alerts.js';
import { MAX_LEARN_SECONDS } from '../../shared/alerts.js';
import type { Protocol } from '../../shared/model.js';
import { inHostRange, parseHostRange, sameRule, type HostRange, type TrustView } from '../../shared/trust-rules.js';
import type { Seen } from '../analysis/alert-candidates.js';
import { ensureDataDir } from './data-dir.js';
import { checkTrustRule, storedTrustRuleSchema } from './schemas.js';
import { fileStamp, loadJsonFile, removeStaleTemps, writeFileAtomic, type LoadOptions } from './atomic-file.js';
import { withFileLock } from './file-lock.js';

export const TRUST_FILE = 'trust.json';
export const TRUST_FORMAT = 1;
export const DEFAULT_LEARN_SECONDS = 60;
/** A browser reaches thousands of hosts; past this many per executable the baseline stops growing for it. */
export const MAX_DESTINATIONS_PER_EXE = 2000;
export const MAX_INBOUND_PER_EXE = 2000;

const protocol = z.enum(['tcp', 'udp']);
const port = z.number().int().min(0).max(65535);
const text = z.string().min(1).max(4096);

const trustFileSchema = z.object({
  version: z.literal(TRUST_FORMAT),
  createdAt: z.number(),
  learningUntil: z.number().nullable(),
  rules: z.array(storedTrustRuleSchema),
  watchClosely: z.array(text),
  baseline: z.object({
    processes: z.array(text),
    listeners: z.array(z.object({ exe: text, protocol, port, address: z.string() })),
    destinations: z.array(z.object({ exe: text, host: z.string(), port })),
    inbound: z.array(z.object({ exe: text, protocol, port, host: z.string() })).default([]),
  }),
});

export interface TrustFile {
  version: typeof TRUST_FORMAT;
  createdAt: number;
  learningUntil: number | null;
  rules: TrustRule[];
  watchClosely: string[];
  baseline: Baseline;
}

export interface TrustStoreOptions {
  /** How long a fresh (or reset) store learns; default 60 s, 0 for no learning. */
  learnSeconds?: number;
  now?: number;
}

export interface OpenedTrustStore {
  store: TrustStore;
  /** For the user: a store kept aside as a backup, a store that cannot be saved. */
  warnings: string[];
  /**
   * No store existed: it starts empty, learning. A store that could not be read, or is from a newer
   * Portwatch, is not fresh: it starts empty with alerts on, since what runs during a learning period
   * would be trusted, and a damaged (or tampered) file must not buy that.
   */
  fresh: boolean;
}

/** A change to the file; baseline changes keep the index's baseline sets current as they go. */
type Op = (file: TrustFile, index: TrustIndex) => boolean;

const WILDCARDS = new Set(['0.0.0.0', '::']);

function emptyFile(now: number, learnSeconds: number): TrustFile {
  return {
    version: TRUST_FORMAT,
    createdAt: now,
    learningUntil: learnSeconds > 0 ? now + learnSeconds * 1000 : null,
    rules: [],
    watchClosely: [],
    baseline: { processes: [], listeners: [], destinations: [], inbound: [] },
  };
}

export class TrustStore implements TrustView {
  readonly path: string;
  private file: TrustFile;
  private writable: boolean;
  /** Changes applied in memory and not yet on disk, replayed onto the file if another process replaced it. */
  private unsaved: Op[] = [];
  private stamp: string | null = null;
  private chain: Promise<void> = Promise.resolve();
  private pending: Promise<void> | null = null;

  private index: TrustIndex;

  private constructor(path: string, file: TrustFile, writable: boolean) {
    this.path = path;
    this.file = file;
    this.writable = writable;
    this.index = TrustIndex.build(file);
  }

  /** Opens (or creates) the store in dir. A fresh store starts empty and learning; an unreadable one empty, alerting. */
  static async open(dir: string, options: TrustStoreOptions = {}): Promise<OpenedTrustStore> {
    const now = options.now ?? Date.now();
    const learnSeconds = options.learnSeconds ?? DEFAULT_LEARN_SECONDS;
    if (!Number.isFinite(learnSeconds) || learnSeconds < 0) throw new RangeError(`learning time must be 0 or more seconds, got ${learnSeconds}`);
    await ensureDataDir(dir);
    const path = join(dir, TRUST_FILE);
    // Under the lock: another process must not be between moving a damaged file aside and writing anew.
    return withFileLock(path, async () => {
      await removeStaleTemps(path);
      const loaded = await loadJsonFile(path, trustFileSchema, loadOptions(() => emptyFile(now, learnSeconds)));
      const fresh = !loaded.existed;
      const file = loaded.value as TrustFile;
      if (!fresh && (loaded.backup !== null || !loaded.writable)) file.learningUntil = null;
      const store = new TrustStore(path, file, loaded.writable);
      const warnings = loaded.warning === null ? [] : [loaded.warning];
      if (loaded.writable) store.stamp = await fileStamp(path);
      if ((fresh || loaded.backup !== null) && loaded.writable) {
        // Written now, so the next start knows this folder is no longer fresh (nor learns again).
        try {
          await store.writeLocked();
        } catch (e) {
          warnings.push(`Portwatch cannot save its trust store (${path}): ${e instanceof Error ? e.message : String(e)}. Rules will last only until it quits.`);
        }
      }
      return { store, warnings, fresh };
    });
  }

  /** Adds a rule; resolves once it is on disk. False when the same rule was already there. */
  async trust(rule: TrustRule): Promise<boolean> {
    const parsed = checkTrustRule(rule);
    return this.change((f) => {
      if (f.rules.some((r) => sameRule(r, parsed))) return false;
      f.rules.push(parsed);
      return true;
    }, true);
  }

  /**
   * Removes a rule, and forgets what the baseline learned that the rule covers (an untrusted executable
   * is no longer known, so it alerts again). False when nothing matched.
   */
  async untrust(rule: TrustRule): Promise<boolean> {
    const parsed = checkTrustRule(rule);
    return this.change((f) => {
      const before = f.rules.length + f.baseline.processes.length + f.baseline.listeners.length + f.baseline.destinations.length + f.baseline.inbound.length;
      f.rules = f.rules.filter((r) => !sameRule(r, parsed));
      const b = f.baseline;
      if (parsed.kind === 'executable') {
        b.processes = b.processes.filter((p) => p !== parsed.exe);
      } else if (parsed.kind === 'listener') {
        const hit = (x: { exe: string; protocol: Protocol; port: number }) => x.exe === parsed.exe && x.protocol === parsed.protocol && x.port === parsed.port;
        b.listeners = b.listeners.filter((l) => !hit(l));
        b.inbound = b.inbound.filter((i) => !hit(i));
      } else {
        const range = parseHostRange(parsed.host);
        const hit = (x: { exe: string; host: string; port: number }) =>
          x.exe === parsed.exe && range !== null && inHostRange(range, x.host) && (parsed.port === null || parsed.port === x.port);
        b.destinations = b.destinations.filter((d) => !hit(d));
        b.inbound = b.inbound.filter((i) => !hit(i));
      }
      const after = f.rules.length + b.processes.length + b.listeners.length + b.destinations.length + b.inbound.length;
      return after !== before;
    }, true);
  }

  async setWatchClosely(exe: string, on: boolean): Promise<boolean> {
    if (!text.safeParse(exe).success) throw new RangeError('an executable must be a path (or name:<comm>) of 1 to 4096 characters');
    return this.change((f) => {
      const has = f.watchClosely.includes(exe);
      if (has === on) return false;
      f.watchClosely = on ? [...f.watchClosely, exe] : f.watchClosely.filter((e) => e !== exe);
      return true;
    }, true);
  }

  /** Learns for `seconds` from now (0 stops learning). Resolves to the new learningUntil, once saved. */
  async startLearning(seconds: number, now = Date.now()): Promise<number | null> {
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_LEARN_SECONDS) {
      throw new RangeError(`learning time must be between 0 and ${MAX_LEARN_SECONDS} seconds, got ${seconds}`);
    }
    const until = seconds > 0 ? now + Math.round(seconds * 1000) : null;
    await this.change((f) => {
      if (f.learningUntil === until) return false;
      f.learningUntil = until;
      return true;
    }, false);
    return until;
  }

  isLearning(now = Date.now()): boolean {
    return this.file.learningUntil !== null && now < this.file.learningUntil;
  }

  /** When learning ends, or null when not learning. */
  learningUntil(now = Date.now()): number | null {
    return this.isLearning(now) ? this.file.learningUntil : null;
  }

  /** Adds what was seen to the baseline; resolves once saved (at once when nothing was new). */
  learn(seen: Seen): Promise<void> {
    // Checked against the indexes first: a poll that saw nothing new costs no write.
    const fresh: Seen = { processes: [], listeners: [], destinations: [], inbound: [] };
    const x = this.index;
    for (const p of seen.processes) if (!x.baseProcesses.has(p)) fresh.processes.push(p);
    for (const l of seen.listeners) if (!x.baseListeners.get(listenerKey(l.exe, l.protocol, l.port))?.has(normaliseHost(l.address))) fresh.listeners.push(l);
    for (const d of seen.destinations) if (!x.baseDestinations.get(d.exe)?.has(destinationKey(d))) fresh.destinations.push(d);
    for (const i of seen.inbound) if (!x.baseInbound.get(i.exe)?.has(inboundKey(i))) fresh.inbound.push(i);
    if (fresh.processes.length + fresh.listeners.length + fresh.destinations.length + fresh.inbound.length === 0) return Promise.resolve();
    return this.change((f, index) => addToBaseline(f, index, fresh), false).then(() => undefined);
  }

  knowsProcess(exe: string): boolean {
    return this.index.executables.has(exe) || this.index.baseProcesses.has(exe);
  }

  knowsListener(exe: string, protocol: Protocol, port: number, address: string): boolean {
    const key = listenerKey(exe, protocol, port);
    if (this.index.executables.has(exe) || this.index.listenerRules.has(key)) return true;
    const seen = this.index.baseListeners.get(key);
    if (seen === undefined) return false;
    const host = normaliseHost(address);
    if (seen.has(host)) return true;
    for (const s of seen) if (WILDCARDS.has(s) || (isLoopback(s) && isLoopback(host))) return true;
    return false;
  }

  knowsDestination(exe: string, host: string, port: number): boolean {
    if (this.index.baseDestinations.get(exe)?.has(destinationKey({ host, port }))) return true;
    return this.destinationRuleCovers(exe, host, port);
  }

  knowsInbound(exe: string, protocol: Protocol, port: number, host: string): boolean {
    if (this.index.executables.has(exe) || this.index.listenerRules.has(listenerKey(exe, protocol, port))) return true;
    if (this.index.baseInbound.get(exe)?.has(inboundKey({ protocol, port, host }))) return true;
    return this.destinationRuleCovers(exe, host, port);
  }

  isWatchedClosely(exe: string): boolean {
    return this.index.watch.has(exe);
  }

  trustsExecutable(exe: string): boolean {
    return this.index.executables.has(exe);
  }

  state(now = Date.now()): TrustState {
    const b = this.file.baseline;
    return {
      rules: this.file.rules.map((r) => ({ ...r })),
      watchClosely: [...this.file.watchClosely],
      learningUntil: this.learningUntil(now),
      createdAt: this.file.createdAt,
      baselineSize: { processes: b.processes.length, listeners: b.listeners.length, destinations: b.destinations.length, inbound: b.inbound.length },
    };
  }

  /** Resolves when every change made so far is on disk (or rejects with the write's error). */
  async flush(): Promise<void> {
    await (this.pending ?? this.chain);
  }

  /** A copy of the whole file, for tests and export. */
  snapshot(): TrustFile {
    return structuredClone(this.file);
  }

  /** A destination rule of exe whose range holds host and whose port is any or this one. */
  private destinationRuleCovers(exe: string, host: string, port: number): boolean {
    const rules = this.index.destinationRules.get(exe);
    if (rules === undefined) return false;
    const h = normaliseHost(host);
    for (const r of rules) if ((r.port === null || r.port === port) && inHostRange(r.range, h)) return true;
    return false;
  }

  /**
   * Applies a change in memory now (so the next poll sees it) and saves. `rules` says whether the rule
   * indexes must be rebuilt; baseline changes keep them current themselves.
   */
  private change(op: Op, rules: boolean): Promise<boolean> {
    const changed = op(this.file, this.index);
    if (!changed) return Promise.resolve(false);
    this.unsaved.push(op);
    if (rules) this.index = TrustIndex.build(this.file);
    return this.save().then(() => true);
  }

  /** Serialised and coalesced: a save asked for while one waits to start rides along with it. */
  private save(): Promise<void> {
    if (this.pending !== null) return this.pending;
    const run = this.chain.then(() => {
      this.pending = null;
      return this.write();
    });
    this.pending = run;
    this.chain = run.catch(() => {});
    return run;
  }

  private write(): Promise<void> {
    if (!this.writable) {
      return Promise.reject(new Error(`Portwatch will not overwrite the trust store ${this.path}: it could not be read nor moved aside, or a newer Portwatch wrote it`));
    }
    return withFileLock(this.path, () => this.writeLocked());
  }

  /** Read-merge-write; the caller holds the lock. */
  private async writeLocked(): Promise<void> {
    const stamp = await fileStamp(this.path);
    if (stamp !== null && stamp !== this.stamp) {
      // Another Portwatch sharing this folder saved since we last did (or created it since we found
      // none): start from its file.
      const theirs = await loadJsonFile(this.path, trustFileSchema, {
        ...loadOptions(() => this.file),
        consequence: 'Portwatch keeps the rules it has in memory and saves them in a new one.',
      });
      if (theirs.newer) {
        this.writable = false;
        throw new Error(`a newer Portwatch rewrote the trust store ${this.path}; this one will not downgrade it`);
      }
      if (theirs.backup === null && theirs.writable && theirs.existed) {
        const file = structuredClone(theirs.value as TrustFile);
        const index = TrustIndex.build(file);
        for (const op of this.unsaved) op(file, index);
        this.file = file;
        this.index = TrustIndex.build(file);
      }
    }
    const ops = this.unsaved;
    this.unsaved = [];
    const data = JSON.stringify(this.file, null, 1) + '\n';
    try {
      await writeFileAtomic(this.path, data);
    } catch (e) {
      this.unsaved = [...ops, ...this.unsaved];
      throw e;
    }
    this.stamp = await fileStamp(this.path);
  }
}

function loadOptions(defaults: () => TrustFile): LoadOptions<TrustFile> {
  return {
    what: 'trust store',
    defaults,
    version: TRUST_FORMAT,
    consequence: 'Portwatch started with an empty trust store and alerts on (no learning period); rules you trust again are saved in a new one.',
    newerConsequence: 'Portwatch runs with no rules and alerts on; rules trusted now last only until it quits.',
  };
}

function listenerKey(exe: string, protocol: Protocol, port: number): string {
  return `${exe}|${protocol}|${port}`;
}

function inboundKey(i: Pick<BaselineInbound, 'protocol' | 'port' | 'host'>): string {
  return `${i.protocol}|${i.port}|${normaliseHost(i.host)}`;
}

function destinationKey(d: Pick<BaselineDestination, 'host' | 'port'>): string {
  return `${normaliseHost(d.host)}|${d.port}`;
}

/** The file's rules and baseline as sets, so every question the analysis asks is a lookup. */
class TrustIndex {
  executables = new Set<string>();
  listenerRules = new Set<string>();
  destinationRules = new Map<string, Array<{ range: HostRange; port: number | null }>>();
  watch = new Set<string>();
  baseProcesses = new Set<string>();
  baseListeners = new Map<string, Set<string>>();
  baseDestinations = new Map<string, Set<string>>();
  baseInbound = new Map<string, Set<string>>();

  static build(file: TrustFile): TrustIndex {
    const x = new TrustIndex();
    for (const r of file.rules) {
      if (r.kind === 'executable') x.executables.add(r.exe);
      else if (r.kind === 'listener') x.listenerRules.add(listenerKey(r.exe, r.protocol, r.port));
      else {
        const range = parseHostRange(r.host);
        if (range !== null) setDefault(x.destinationRules, r.exe, () => []).push({ range, port: r.port });
      }
    }
    x.watch = new Set(file.watchClosely);
    const b = file.baseline;
    x.baseProcesses = new Set(b.processes);
    for (const l of b.listeners) setDefault(x.baseListeners, listenerKey(l.exe, l.protocol, l.port), () => new Set()).add(normaliseHost(l.address));
    for (const d of b.destinations) setDefault(x.baseDestinations, d.exe, () => new Set()).add(destinationKey(d));
    for (const i of b.inbound) setDefault(x.baseInbound, i.exe, () => new Set()).add(inboundKey(i));
    return x;
  }
}

function setDefault<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

/** Adds what is not there yet (capped per executable); the index's baseline sets follow. */
function addToBaseline(f: TrustFile, x: TrustIndex, seen: Seen): boolean {
  let changed = false;
  const b = f.baseline;
  for (const p of seen.processes) {
    if (x.baseProcesses.has(p)) continue;
    x.baseProcesses.add(p);
    b.processes.push(p);
    changed = true;
  }
  for (const l of seen.listeners) {
    const set = setDefault(x.baseListeners, listenerKey(l.exe, l.protocol, l.port), () => new Set<string>());
    const address = normaliseHost(l.address);
    if (set.has(address)) continue;
    set.add(address);
    b.listeners.push({ exe: l.exe, protocol: l.protocol, port: l.port, address });
    changed = true;
  }
  for (const d of seen.destinations) {
    const set = setDefault(x.baseDestinations, d.exe, () => new Set<string>());
    const key = destinationKey(d);
    if (set.has(key) || set.size >= MAX_DESTINATIONS_PER_EXE) continue;
    set.add(key);
    b.destinations.push({ exe: d.exe, host: normaliseHost(d.host), port: d.port });
    changed = true;
  }
  for (const i of seen.inbound) {
    const set = setDefault(x.baseInbound, i.exe, () => new Set<string>());
    const key = inboundKey(i);
    if (set.has(key) || set.size >= MAX_INBOUND_PER_EXE) continue;
    set.add(key);
    b.inbound.push({ exe: i.exe, protocol: i.protocol, port: i.port, host: normaliseHost(i.host) });
    changed = true;
  }
  return changed;
}

function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.');
}
