// Follows a Monitor's deltas and says when a listener takes or frees a watched port (the user's list,
// kept in settings.json). Listening sockets are indexed by port, so each delta costs work in
// proportion to what it holds: only the ports it touches are compared, with watchedPortEvents'
// semantics. The sockets of the first poll are the starting point, never events: only changes after
// start are told.
import type { Delta, Socket } from '../shared/model.js';
import type { WatchedPortEvent } from '../shared/ports.js';
import { watchedPortsSchema } from '../shared/api.js';
import { DEFAULT_WATCHED_PORTS, watchedPortEvents } from './analysis/watched-ports.js';
import type { Monitor } from './monitor.js';
import { resolveDataDir } from './store/data-dir.js';
import { SettingsStore } from './store/settings.js';

export type WatchedPortsEvent = { type: 'watched-port'; event: WatchedPortEvent };
export type WatchedPortsListener = (event: WatchedPortsEvent) => void;

export interface WatchedPortsWatcherOptions {
  /** The data directory; default resolveDataDir(). */
  dataDir?: string | null;
}

/** Where the list lives: settings.json (SettingsStore), or memory for a host without a data folder. */
export interface WatchedPortsStore {
  readonly path: string | null;
  readonly watchedPorts: number[];
  setWatchedPorts(ports: readonly number[]): Promise<number[]>;
  flush(): Promise<void>;
}

/** The list for this run only: what a host without a usable data folder follows (the defaults first). */
class MemoryStore implements WatchedPortsStore {
  readonly path = null;
  private ports: number[];
  constructor(ports: readonly number[]) {
    this.ports = [...ports];
  }
  get watchedPorts(): number[] {
    return [...this.ports];
  }
  setWatchedPorts(ports: readonly number[]): Promise<number[]> {
    // The same rule settings.json holds the list to.
    const parsed = watchedPortsSchema.safeParse([...ports]);
    if (!parsed.success) return Promise.reject(new RangeError(`bad watched ports: ${parsed.error.issues[0]?.message ?? 'invalid'}`));
    this.ports = parsed.data;
    return Promise.resolve(this.watchedPorts);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
}

export class WatchedPortsWatcher {
  /** Listening sockets by port (port → id → socket). */
  private readonly byPort = new Map<number, Map<string, Socket>>();
  private ports: Set<number>;
  private primed = false;
  private readonly listeners = new Set<WatchedPortsListener>();
  private unsubscribe: (() => void) | null = null;

  private constructor(
    private readonly monitor: Monitor | null,
    private readonly settings: WatchedPortsStore,
    readonly warnings: readonly string[],
  ) {
    this.ports = new Set(settings.watchedPorts);
  }

  /** Opens settings.json in the data folder and follows the monitor. Warnings (a file kept aside) are for the user. */
  static async open(monitor: Monitor | null, options: WatchedPortsWatcherOptions = {}): Promise<WatchedPortsWatcher> {
    const { store, warnings } = await SettingsStore.open(resolveDataDir(options.dataDir));
    const watcher = new WatchedPortsWatcher(monitor, store, warnings);
    watcher.attach();
    return watcher;
  }

  /** Follows the monitor with the list in a settings store the caller opened (and shares with other settings). */
  static over(monitor: Monitor | null, store: WatchedPortsStore, warnings: readonly string[] = []): WatchedPortsWatcher {
    const watcher = new WatchedPortsWatcher(monitor, store, warnings);
    watcher.attach();
    return watcher;
  }

  /** Follows the monitor with a list kept in memory (default: the usual dev ports); nothing is read or written. */
  static inMemory(monitor: Monitor | null, ports: readonly number[] = DEFAULT_WATCHED_PORTS): WatchedPortsWatcher {
    const watcher = new WatchedPortsWatcher(monitor, new MemoryStore(ports), []);
    watcher.attach();
    return watcher;
  }

  /** settings.json, or null when the list lives in memory only. */
  get settingsPath(): string | null {
    return this.settings.path;
  }

  getWatchedPorts(): number[] {
    return this.settings.watchedPorts;
  }

  /**
   * Replaces the list (RangeError for a bad one) and resolves with it once saved. A port added now is
   * followed from its current state: its present listener is not an event.
   */
  async setWatchedPorts(ports: readonly number[]): Promise<number[]> {
    const saved = await this.settings.setWatchedPorts(ports);
    this.ports = new Set(saved);
    return saved;
  }

  subscribe(listener: WatchedPortsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.settings.flush().catch(() => {});
  }

  private attach(): void {
    if (this.monitor === null) return;
    const { seq, snapshot } = this.monitor.getState();
    if (seq > 0) {
      for (const s of snapshot.sockets) this.index(s);
      this.primed = true;
    }
    this.unsubscribe = this.monitor.subscribe((e) => {
      if (e.type === 'delta') this.onDelta(e.delta, e.previous);
    });
  }

  /** `previous`: the monitor's sockets before this delta, where removed and changed ones are looked up. */
  private onDelta(delta: Delta, previous: ReadonlyMap<string, Socket>): void {
    if (!this.primed) {
      this.primed = true;
      this.apply(delta, previous);
      return;
    }
    // The watched ports this delta touches: a listener that comes, goes or changes on one.
    const touched = new Set<number>();
    for (const id of delta.removed) {
      const s = previous.get(id);
      if (s !== undefined && s.listening && this.ports.has(s.localPort)) touched.add(s.localPort);
    }
    for (const s of delta.changed) {
      const before = previous.get(s.id);
      if (before !== undefined && before.listening && this.ports.has(before.localPort)) touched.add(before.localPort);
      if (s.listening && this.ports.has(s.localPort)) touched.add(s.localPort);
    }
    for (const s of delta.added) if (s.listening && this.ports.has(s.localPort)) touched.add(s.localPort);
    const before = touched.size === 0 ? [] : this.on(touched);
    this.apply(delta, previous);
    if (touched.size === 0) return;
    const events = watchedPortEvents(before, this.on(touched), touched);
    for (const event of events) this.emit({ type: 'watched-port', event });
  }

  private on(ports: Iterable<number>): Socket[] {
    const out: Socket[] = [];
    for (const port of ports) for (const s of this.byPort.get(port)?.values() ?? []) out.push(s);
    return out;
  }

  private apply(delta: Delta, previous: ReadonlyMap<string, Socket>): void {
    for (const id of delta.removed) this.unindex(previous.get(id));
    for (const s of delta.changed) {
      this.unindex(previous.get(s.id));
      this.index(s);
    }
    for (const s of delta.added) this.index(s);
  }

  private index(s: Socket): void {
    if (!s.listening) return;
    let on = this.byPort.get(s.localPort);
    if (on === undefined) this.byPort.set(s.localPort, (on = new Map()));
    on.set(s.id, s);
  }

  private unindex(s: Socket | undefined): void {
    if (s === undefined || !s.listening) return;
    const on = this.byPort.get(s.localPort);
    on?.delete(s.id);
    if (on?.size === 0) this.byPort.delete(s.localPort);
  }

  private emit(event: WatchedPortsEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A faulty subscriber must not stop the others.
      }
    }
  }
}
