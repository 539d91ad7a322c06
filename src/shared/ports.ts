// "Who is on port N", and ending the process that holds it: the shapes hosts and views exchange.
import type { Family, ProcessInfo, Protocol, Socket } from './model.js';
import { formatEndpoint } from './model.js';

/** One process that would receive a new connection or datagram on an address, or blocks binding it. */
export interface BindHolder {
  pid: number | null;
  name: string | null;
  /** The address that process is bound to: the same address, or a wildcard that covers it. */
  boundAddress: string;
}

/** Whether a server could bind address:port now (without SO_REUSEPORT), and if not, who holds it. */
export interface BindVerdict {
  protocol: Protocol;
  family: Family;
  /** 127.0.0.1, ::1, 0.0.0.0, :: or a specific address seen on the port. */
  address: string;
  verdict: 'free' | 'taken';
  /** Empty when free. */
  takenBy: BindHolder[];
  /** Said plainly: "taken by node (pid 123)", "free", or what else is worth knowing. */
  text: string;
}

/** A process on the port, with where it runs from. */
export interface PortProcess {
  pid: number;
  name: string;
  cmdline: string;
  user: string | null;
  /** With pid, the process identity: pass it to endProcess. */
  startedAt: number | null;
  /** Working directory; null when the OS will not say (another user's process, or not Linux). */
  cwd: string | null;
  /** listener: holds a listening socket (or bound UDP); connection: only accepted/connected sockets on the port; client: a local client of the port. */
  role: 'listener' | 'connection' | 'client';
}

/** The answer to "who is on port N?". */
export interface PortLookup {
  port: number;
  /** Sockets bound to the port: listeners first, then accepted connections and lingering ones. */
  holders: Socket[];
  /** This machine's own client sockets connected to the port. */
  clients: Socket[];
  /** Per protocol and bind address: free, or taken by whom. */
  verdicts: BindVerdict[];
  /** The distinct processes among holders and clients (listeners first), with their working directory. */
  processes: PortProcess[];
}

export interface EndProcessRequest {
  pid: number;
  /** The startedAt Portwatch showed for this pid: a pid that now belongs to another process is left alone. */
  startedAt: number;
  /** How long to wait after SIGTERM before SIGKILL; default 3000 ms. */
  graceMs?: number;
}

export type EndProcessOutcome = 'terminated' | 'killed' | 'already-gone';

export interface EndProcessResult {
  pid: number;
  name: string | null;
  /** terminated: exited after the first signal; killed: needed SIGKILL; already-gone: had exited before we signalled. */
  outcome: EndProcessOutcome;
  /** Signals actually sent, in order. */
  signals: string[];
  /** From the first signal to the process being gone (or giving up waiting after SIGKILL). */
  elapsedMs: number;
  /** False only when even SIGKILL left it running (a process stuck in the kernel). */
  exited: boolean;
}

/** A listener appeared on or left a watched port. */
export interface WatchedPortEvent {
  port: number;
  protocol: Protocol;
  change: 'taken' | 'freed';
  /** The listener's bind address (127.0.0.1, ::, …): the new one when taken, the last one when freed. */
  address: string;
  pid: number | null;
  process: ProcessInfo | null;
}

/** The most ports one list may watch. */
export const MAX_WATCHED_PORTS = 64;

/**
 * A watched-port event as a notification: "Port 3000 taken" / "node (pid 123) is listening on
 * 127.0.0.1:3000", or "Port 3000 freed" / "node (pid 123) stopped listening". UDP says so.
 */
export function watchedPortText(e: WatchedPortEvent): { title: string; body: string } {
  const proto = e.protocol === 'udp' ? ' (UDP)' : '';
  const who = e.pid === null ? 'A process Portwatch cannot see' : `${e.process?.name ?? 'A process'} (pid ${e.pid})`;
  if (e.change === 'taken') return { title: `Port ${e.port}${proto} taken`, body: `${who} is listening on ${formatEndpoint(e.address, e.port)}` };
  return { title: `Port ${e.port}${proto} freed`, body: `${who} stopped listening` };
}

/**
 * Watched-port notifications are rate-limited on their own (they are not alerts): one per port and
 * change ("taken", "freed") per intervalMs (a server restarting in a loop does not flood the screen; the
 * current state shows in the Ports view), and at most max in any rolling windowMs. What the limit holds
 * back is dropped.
 */
export class PortNoticeLimit {
  private readonly lastByKey = new Map<string, number>();
  private shown: number[] = [];
  constructor(
    readonly intervalMs = 2_000,
    readonly max = 6,
    readonly windowMs = 60_000,
  ) {}

  /** True (and counted) when a notice about this port and change may show now. */
  take(port: number, change: WatchedPortEvent['change'], now: number): boolean {
    const key = `${port} ${change}`;
    const last = this.lastByKey.get(key);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.shown = this.shown.filter((t) => now - t < this.windowMs);
    if (this.shown.length >= this.max) return false;
    this.lastByKey.set(key, now);
    this.shown.push(now);
    return true;
  }
}
