// How often a client may do what cannot be undone (end a process, close a connection, trust, restart
// learning): a token bucket per client, and one shared by all, so a stolen token (or a runaway page)
// cannot end processes or reshape the baseline at machine speed, nor dodge the limit by reconnecting.

export interface RateLimitOptions {
  /** Actions a client may take at once. */
  burst: number;
  /** Then one more every this many ms. */
  refillMs: number;
  /** The same for all clients together. */
  totalBurst: number;
  totalRefillMs: number;
}

/** A person clearing a list of alerts stays well inside; a script ending processes in a loop does not. */
export const DEFAULT_RATE_LIMIT: Readonly<RateLimitOptions> = { burst: 20, refillMs: 1000, totalBurst: 40, totalRefillMs: 500 };

/** Clients forgotten past this many (the least recently seen first): memory stays bounded whoever connects. */
const MAX_CLIENTS = 1024;

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly clients = new Map<string, Bucket>();
  private readonly total: Bucket;

  constructor(
    private readonly options: RateLimitOptions = DEFAULT_RATE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {
    this.total = { tokens: options.totalBurst, at: now() };
  }

  /** Takes one action for client; false (and nothing taken) when it, or everyone together, is over the limit. */
  take(client: string): boolean {
    const now = this.now();
    const mine = this.clients.get(client) ?? { tokens: this.options.burst, at: now };
    this.clients.delete(client);
    this.clients.set(client, mine); // most recently seen last
    if (this.clients.size > MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
    refill(mine, now, this.options.burst, this.options.refillMs);
    refill(this.total, now, this.options.totalBurst, this.options.totalRefillMs);
    if (mine.tokens < 1 || this.total.tokens < 1) return false;
    mine.tokens--;
    this.total.tokens--;
    return true;
  }

  /** Seconds until client may act again (for the words of a refusal). */
  waitSeconds(client: string): number {
    const mine = this.clients.get(client);
    const own = mine === undefined || mine.tokens >= 1 ? 0 : (1 - mine.tokens) * this.options.refillMs;
    const all = this.total.tokens >= 1 ? 0 : (1 - this.total.tokens) * this.options.totalRefillMs;
    return Math.max(1, Math.ceil(Math.max(own, all) / 1000));
  }
}

function refill(bucket: Bucket, now: number, burst: number, refillMs: number): void {
  bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) / refillMs);
  bucket.at = now;
}
