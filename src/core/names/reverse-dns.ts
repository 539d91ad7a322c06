// Reverse DNS (PTR) for remote addresses: asynchronous, a bounded number of queries in flight, a
// bounded queue, answers cached for a while and failures (NXDOMAIN, SERVFAIL, a timeout) cached
// negatively so a peer with no name is not asked about every poll.
//
// A PTR record says whatever the owner of the address's reverse zone wants: anyone with an address
// block can name it www.google.com. A name is shown only when it is forward-confirmed (FCrDNS, as
// sshd's UseDNS, Postfix and spam filters check): its own A or AAAA records include the address.
// An unconfirmed name is not shown at all — a name marked "unconfirmed" still plants the lie beside
// the connection — and the address, country and network owner (offline, not from the peer) remain. The resolver is Node's c-ares
// one (dns.promises.Resolver), never getnameinfo: it runs off the libuv thread pool, so a slow DNS
// server cannot starve file reads, and it can be pointed at any server (tests use their own).
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { normaliseAddress } from '../../shared/address.js';

export interface ReverseDnsOptions {
  /** DNS servers as "HOST" or "HOST:PORT" ("[::1]:53" for IPv6); default: the system's. */
  servers?: readonly string[];
  /**
   * Lookups in flight at once (default 8), each one query at a time: its PTR, then the forward
   * confirmation. 8 keeps the rate names arrive at in a burst what 4 PTR-only lookups gave.
   */
  concurrency?: number;
  /** Addresses waiting for a free slot; past this the oldest wait is dropped, unanswered (default 1000). */
  maxQueue?: number;
  /** How long a name is kept (default 1 h: Node's reverse() does not give the record's TTL). */
  ttlMs?: number;
  /** How long "no name" is kept (default 10 min). */
  negativeTtlMs?: number;
  /** One query's time-out (default 2 s), tried twice. */
  timeoutMs?: number;
  /**
   * Show a PTR name only when its forward lookup (A/AAAA) includes the address (default true; the
   * off switch exists to measure what confirming costs).
   */
  forwardConfirm?: boolean;
  /** Cached answers kept at most (default 10,000; the oldest go first). */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  name: string | null;
  /** The PTR name that did not resolve back, when name is null for that reason. */
  claimed: string | null;
  expires: number;
}

/** PTR names tried for a forward confirmation at most (an address rarely has more than one). */
const MAX_CONFIRM = 2;

// A PTR record is whatever the peer's network owner says it is: accept only a host name's
// characters, so no terminal control or markup ever travels on as a "name".
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*$/;

/** A PTR answer as a host name to show, or null when it is not a plausible one. */
export function cleanHostName(name: string): string | null {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  return HOSTNAME.test(trimmed) ? trimmed.toLowerCase() : null;
}

/** "HOST:PORT", "HOST", "[V6]:PORT" or a bare IPv6 address → the form Resolver.setServers takes; null when malformed. */
export function parseDnsServer(text: string): string | null {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  let host: string;
  let port: string | undefined;
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2];
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(text);
    if (!m) return null;
    host = m[1]!;
    port = m[2];
  }
  if (isIP(host) === 0) return null;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return null;
  if (port === undefined) return host;
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export class ReverseDns {
  private readonly resolver: InstanceType<typeof dns.Resolver>;
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string | null>>();
  private readonly queue: Array<(go: boolean) => void> = [];
  private running = 0;
  private closed = false;
  private readonly concurrency: number;
  private readonly maxQueue: number;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly forwardConfirm: boolean;
  /** Queries sent, PTR and forward (for tests and the status line). */
  queries = 0;
  /** PTR names refused because their forward lookup did not include the address. */
  unconfirmed = 0;

  constructor(options: ReverseDnsOptions = {}) {
    const timeout = options.timeoutMs ?? 2000;
    this.resolver = new dns.Resolver({ timeout, tries: 2 });
    if (options.servers !== undefined) this.resolver.setServers([...options.servers]);
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.maxQueue = Math.max(1, options.maxQueue ?? 1000);
    this.ttlMs = options.ttlMs ?? 3600_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 600_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
    this.forwardConfirm = options.forwardConfirm ?? true;
  }

  /** The cached answer: a name, null for "none", undefined when not known (never asked, or expired). */
  cached(address: string): string | null | undefined {
    return this.entry(address)?.name;
  }

  /**
   * The PTR name an address claimed that its forward lookup refuted, while the verdict is cached;
   * null when there is none. For `portwatch ip` to say why an address has no host: never shown as one.
   */
  unconfirmedName(address: string): string | null {
    return this.entry(address)?.claimed ?? null;
  }

  private entry(address: string): Entry | undefined {
    const entry = this.cache.get(address);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.now()) {
      this.cache.delete(address);
      return undefined;
    }
    return entry;
  }

  /** The address's forward-confirmed name (null for none), from the cache or one lookup; concurrent asks share it. */
  lookup(address: string): Promise<string | null> {
    const known = this.cached(address);
    if (known !== undefined) return Promise.resolve(known);
    const pending = this.inFlight.get(address);
    if (pending) return pending;
    if (this.closed || isIP(address) === 0) return Promise.resolve(null);
    const run = this.slot().then(async (go) => {
      if (!go) return null; // dropped from a full queue, or closed: not cached, asked again later
      try {
        this.queries++;
        const { name, claimed } = await this.confirmed(address, await this.resolver.reverse(address));
        this.remember(address, name, name === null ? this.negativeTtlMs : this.ttlMs, claimed);
        return name;
      } catch {
        // NXDOMAIN, SERVFAIL, refused, timed out: all mean "no name now".
        if (!this.closed) this.remember(address, null, this.negativeTtlMs);
        return null;
      } finally {
        this.release();
      }
    });
    this.inFlight.set(address, run);
    void run.finally(() => this.inFlight.delete(address));
    return run;
  }

  /**
   * The first of the PTR names whose own addresses include this one, or null. Runs in the PTR
   * query's slot, so forward queries count toward the same bound.
   */
  private async confirmed(address: string, ptrNames: readonly string[]): Promise<{ name: string | null; claimed: string | null }> {
    const names = [...new Set(ptrNames.map(cleanHostName).filter((n): n is string => n !== null))];
    if (!this.forwardConfirm) return { name: names[0] ?? null, claimed: null };
    const family = isIP(address);
    const wanted = normaliseAddress(address);
    for (const name of names.slice(0, MAX_CONFIRM)) {
      if (this.closed) return { name: null, claimed: null };
      this.queries++;
      let addresses: string[];
      try {
        addresses = family === 4 ? await this.resolver.resolve4(name) : await this.resolver.resolve6(name);
      } catch {
        continue; // NXDOMAIN, no record of this family, timed out: not confirmed by this name
      }
      if (addresses.some((a) => normaliseAddress(a) === wanted)) return { name, claimed: null };
    }
    if (names.length > 0) this.unconfirmed++;
    return { name: null, claimed: names[0] ?? null };
  }

  /** Lookups queued or in flight. */
  get pending(): number {
    return this.inFlight.size;
  }

  /** Cancels what is in flight (they answer null) and refuses new lookups. */
  close(): void {
    this.closed = true;
    this.resolver.cancel();
    for (const wake of this.queue.splice(0)) wake(false);
  }

  private remember(address: string, name: string | null, ttl: number, claimed: string | null = null): void {
    this.cache.delete(address);
    this.cache.set(address, { name, claimed, expires: this.now() + ttl });
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  /** Resolves true when a query may start, false when it was dropped (queue full, or closed). */
  private slot(): Promise<boolean> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      this.queue.push(resolve);
      // The oldest wait gives up its place: it answers null now and is asked again later.
      if (this.queue.length > this.maxQueue) this.queue.shift()!(false);
    });
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next(true); // the slot passes straight on
    else this.running--;
  }
}
