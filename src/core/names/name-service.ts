// The engine's names for remote addresses: reverse DNS and the offline owner databases, kept per
// address (many sockets share a peer), computed off the poll path and told to views as compact
// 'names' updates. The poll path only counts which addresses are in use (a Map operation per added
// or removed socket); lookups start on a timer after the delta has gone out, and answers are
// batched into one update at most every batchMs.
import { addressRange } from '../../shared/address.js';
import type { Socket } from '../../shared/model.js';
import type { AddressNames, NamesState, NamesUpdate } from '../../shared/names.js';
import { hasRemote, namesKey, NO_ADDRESS_NAMES } from '../../shared/names.js';
import type { Monitor } from '../monitor.js';
import { asksDns, LOOPBACK_NAME, offlineNames } from './address-names.js';
import { AddressOwners } from './address-owners.js';
import { ReverseDns, type ReverseDnsOptions } from './reverse-dns.js';

export interface NameServiceOptions {
  /** Ask DNS for PTR names, shown only when forward-confirmed (default true). The owner databases are offline and always used. */
  reverseDns?: boolean;
  dns?: ReverseDnsOptions;
  /** Default: the databases shipped with Portwatch. */
  owners?: AddressOwners;
  /** Updates are sent at most this often (default 250 ms). */
  batchMs?: number;
}

export type NamesListener = (update: NamesUpdate) => void;

export class NameService {
  private readonly dns: ReverseDns;
  private readonly owners: AddressOwners;
  private reverseDns: boolean;
  private readonly batchMs: number;
  /** Socket id → the address key it counts toward. */
  private readonly socketKeys = new Map<string, string>();
  /** Address key → sockets using it. */
  private readonly uses = new Map<string, number>();
  private readonly names = new Map<string, AddressNames>();
  /** Keys that appeared and are not yet looked up. */
  private readonly fresh = new Set<string>();
  private readonly changed = new Set<string>();
  private readonly forgotten = new Set<string>();
  private readonly listeners = new Set<NamesListener>();
  private version = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly offMonitor: () => void;
  private closed = false;
  private switchMoved = false;

  constructor(monitor: Monitor, options: NameServiceOptions = {}) {
    this.dns = new ReverseDns(options.dns);
    this.owners = options.owners ?? new AddressOwners();
    this.reverseDns = options.reverseDns ?? true;
    this.batchMs = options.batchMs ?? 250;
    // The owner databases (a few MB) load off the event loop; fresh addresses wait for them.
    void this.owners.ready().then(() => this.schedule());
    for (const s of monitor.getState().snapshot.sockets) this.track(s);
    this.offMonitor = monitor.subscribe((e) => {
      if (e.type !== 'delta') return;
      for (const id of e.delta.removed) this.untrack(id);
      for (const s of e.delta.changed) {
        this.untrack(s.id);
        this.track(s);
      }
      for (const s of e.delta.added) this.track(s);
      if (this.fresh.size > 0 || this.forgotten.size > 0) this.schedule();
    });
    if (this.fresh.size > 0) this.schedule();
  }

  get reverseDnsEnabled(): boolean {
    return this.reverseDns;
  }

  /** The names known now (for a view that starts). */
  state(): NamesState {
    return { version: this.version, reverseDns: this.reverseDns, addresses: Object.fromEntries(this.names) };
  }

  /** The names of one address in use, or undefined when no socket uses it (or nothing is known yet). */
  lookup(key: string): AddressNames | undefined {
    return this.names.get(key);
  }

  subscribe(listener: NamesListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Turns reverse DNS on (every address in use is asked) or off (names already learned are dropped from views). */
  setReverseDns(on: boolean): void {
    if (on === this.reverseDns) return;
    this.reverseDns = on;
    for (const [key, names] of this.names) {
      if (on) this.fresh.add(key);
      else if (names.host !== null && names.host !== LOOPBACK_NAME) {
        this.names.set(key, { ...names, host: null });
        this.changed.add(key);
      }
    }
    // Views show the switch: an update goes out even when no name changed.
    this.switchMoved = true;
    this.schedule();
  }

  /** DNS lookups queued or in flight (a PTR query and its forward confirmation count as one). */
  get lookupsPending(): number {
    return this.dns.pending;
  }

  /** Problems opening the offline databases, for the user. */
  get problems(): readonly string[] {
    return this.owners.problems;
  }

  close(): void {
    this.closed = true;
    this.offMonitor();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.dns.close();
    this.listeners.clear();
  }

  private track(s: Socket): void {
    if (!hasRemote(s)) return;
    const key = namesKey(s.remoteAddress);
    this.socketKeys.set(s.id, key);
    const n = this.uses.get(key) ?? 0;
    this.uses.set(key, n + 1);
    if (n === 0) {
      if (this.forgotten.delete(key)) return; // gone and back within one batch: nothing to tell
      if (!this.names.has(key)) this.fresh.add(key);
    }
  }

  private untrack(id: string): void {
    const key = this.socketKeys.get(id);
    if (key === undefined) return;
    this.socketKeys.delete(id);
    const n = (this.uses.get(key) ?? 1) - 1;
    if (n > 0) {
      this.uses.set(key, n);
      return;
    }
    this.uses.delete(key);
    this.fresh.delete(key);
    if (this.names.has(key)) this.forgotten.add(key);
  }

  private schedule(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, this.batchMs);
    this.timer.unref();
  }

  /** Looks up fresh addresses (owners now, DNS started) and sends what changed as one update. */
  private flush(): void {
    if (this.closed) return;
    if (this.owners.loaded) {
      for (const key of this.fresh) this.resolve(key);
      this.fresh.clear();
    }
    for (const key of this.forgotten) {
      this.names.delete(key);
      this.changed.delete(key);
    }
    if (this.changed.size === 0 && this.forgotten.size === 0 && !this.switchMoved) return;
    const set: Record<string, AddressNames> = {};
    for (const key of this.changed) {
      const names = this.names.get(key);
      if (names !== undefined) set[key] = names;
    }
    const update: NamesUpdate = { version: ++this.version, reverseDns: this.reverseDns, set, forgotten: [...this.forgotten] };
    this.changed.clear();
    this.forgotten.clear();
    this.switchMoved = false;
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch {
        // One faulty listener must not keep the others from hearing it.
      }
    }
  }

  private resolve(key: string): void {
    const range = addressRange(key);
    const offline = offlineNames(key, this.owners, range);
    const names: AddressNames = { ...offline, host: offline.host ?? (this.names.get(key) ?? NO_ADDRESS_NAMES).host };
    this.names.set(key, names);
    this.changed.add(key);
    if (!this.reverseDns || !asksDns(range)) return;
    const cached = this.dns.cached(key);
    if (cached !== undefined) {
      this.names.set(key, { ...names, host: cached });
      return;
    }
    void this.dns.lookup(key).then((host) => {
      const now = this.names.get(key);
      // Gone meanwhile, or the switch turned off: nothing to tell.
      if (this.closed || now === undefined || !this.reverseDns || host === now.host) return;
      this.names.set(key, { ...now, host });
      this.changed.add(key);
      this.schedule();
    });
  }
}
