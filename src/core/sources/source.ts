import type { ProcessInfo, Socket } from '../../shared/model.js';
import type { PollWarnings, ScopeNote } from '../../shared/status.js';
import type { TrafficAvailability } from '../../shared/traffic.js';

/** What one read of the OS socket tables found. */
export interface Sample {
  takenAt: number;
  /** firstSeen is set to takenAt here; the monitor carries the real value forward. */
  sockets: Socket[];
  /** Things the source could not do this time, said plainly (lines skipped, processes not inspectable). */
  warnings: SourceWarnings;
  /** Traffic facts of this read, where the source measures any. */
  traffic?: TrafficSample | null;
}

/**
 * skippedLines: malformed or truncated table lines; unattributed: sockets whose owner could not be
 * found or may not be inspected (pid stays null); deniedProcesses: processes we may not read.
 */
export type SourceWarnings = PollWarnings;

/**
 * What changed since the source's previous poll(), by socket id: the first poll reports every socket
 * as added. Work in proportion to what changed, not to what exists: a quiet poll hands over empty lists.
 */
export interface SourceChanges {
  takenAt: number;
  added: Socket[];
  /** The new version of sockets whose state, owner or owner's details changed (counters do not count). */
  changed: Socket[];
  /** Sockets gone, as they were last reported. */
  removed: Socket[];
  /**
   * For the monitor to use instead of keeping a copy, where the source has them: the source's table
   * after this poll (id → socket; read-only, and valid until its next poll), and for every id the
   * poll touched but did not just add, the socket shown for it before (undefined: none).
   */
  table?: ReadonlyMap<string, Socket>;
  before?: ReadonlyMap<string, Socket | undefined>;
  warnings: SourceWarnings;
  /** Counters that moved in this poll; null when the source measures no traffic. */
  traffic: TrafficSample | null;
  /** What the socket table leaves out (other network namespaces); null when nothing is known to be. */
  scope: ScopeNote | null;
}

/**
 * A socket whose counters moved in this poll: the Socket object holds the new ones (its owner is the
 * one credited), these are the ones before.
 */
export interface CounterMove {
  socket: Socket;
  sentBefore: number;
  receivedBefore: number;
}

/** A connection the kernel destroyed since the previous poll, with its final counters. */
export interface ClosedConnection {
  /** The socket as last seen by a dump, when one saw it; null for a connection shorter than a poll. */
  socket: Socket | null;
  /** The process credited: the socket's owner, or a listener's owner for an accepted connection. */
  owner: ProcessInfo | null;
  pid: number | null;
  /** Bytes not yet counted: the final counters less what the last dump saw. */
  sent: number;
  received: number;
  /**
   * For a connection shorter than a poll (socket null): its ends and final counters as the kernel
   * told them, so history can keep it.
   */
  connection?: Pick<Socket, 'protocol' | 'family' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort' | 'bytesSent' | 'bytesReceived'>;
}

/** Per-interface byte counters as the OS keeps them (since the interface came up). */
export interface InterfaceCounters {
  name: string;
  bytesSent: number;
  bytesReceived: number;
}

/** One poll's traffic facts, for core/traffic.ts. */
export interface TrafficSample {
  availability: TrafficAvailability;
  /**
   * TCP sockets whose counters moved (changed and added ones included, with their counters before:
   * 0 for a socket new in a warm poll, its own counters on the first poll, when nothing is measured yet).
   */
  moves: CounterMove[];
  closed: ClosedConnection[];
  /** null where the OS gives none. */
  interfaces: InterfaceCounters[] | null;
}

/** One file per OS source under core/sources; the monitor only knows this interface. */
export interface SocketSource {
  readonly name: string;
  sample(): Promise<Sample>;
  /**
   * The incremental read, where the source has one: what changed since its previous poll(). A source
   * without it is sampled whole and diffed by the monitor.
   */
  poll?(): Promise<SourceChanges>;
  /** Drops what the source learned between polls, so the next sample is a cold one. */
  reset?(): void;
  /** Releases OS resources (netlink sockets); the source may be used again after. */
  close?(): void;
  /**
   * Turns traffic measuring on or off (the monitor does, as views ask for it): counters cost the
   * kernel a tcp_info per connection on every poll, which a host that shows no traffic need not pay.
   */
  measureTraffic?(on: boolean): void;
}

export function emptyWarnings(): SourceWarnings {
  return { skippedLines: 0, unattributed: 0, deniedProcesses: 0 };
}
