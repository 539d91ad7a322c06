// "Who is on port N", and ending the process that holds it: the shapes hosts and views exchange.
import type { Family, ProcessInfo, Protocol, Socket } from './model.js';

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
  pid: number | null;
  process: ProcessInfo | null;
}
