// Port conflicts as hosts and views see them: which sockets share or split a port, and why it matters.
// Plain data, so a conflict crosses IPC and WebSocket as JSON unchanged.
import type { Family, Protocol, Socket } from './model.js';

export type ConflictKind =
  /** Different processes on 127.0.0.1:P and [::1]:P: "localhost:P" reaches only one of them. */
  | 'localhost-split'
  /** Different processes on 0.0.0.0:P and an IPv6-only [::]:P. */
  | 'dual-stack-split'
  /** Several processes (or users) bound to the same address and port: the kernel spreads clients. */
  | 'shared-port'
  /** One process on every address (0.0.0.0:P or [::]:P), another on one specific address:P. */
  | 'wildcard-specific'
  /** No listener, but TIME_WAIT / CLOSE_WAIT sockets still hold the port. */
  | 'still-busy';

export const CONFLICT_KINDS: readonly ConflictKind[] = [
  'localhost-split',
  'dual-stack-split',
  'shared-port',
  'wildcard-specific',
  'still-busy',
];

/** info: worth knowing; warning: some clients reach the wrong process; danger: possible port hijack. Least to most severe. */
export const CONFLICT_SEVERITIES = ['info', 'warning', 'danger'] as const;
export type ConflictSeverity = (typeof CONFLICT_SEVERITIES)[number];

/** 0 for info up to 2 for danger: compare severities by this, never by their names. */
export function conflictSeverityRank(severity: ConflictSeverity): number {
  return CONFLICT_SEVERITIES.indexOf(severity);
}

/** The worst severity among some conflicts; null when there are none. */
export function worstSeverity(conflicts: Iterable<Pick<Conflict, 'severity'>>): ConflictSeverity | null {
  let worst: ConflictSeverity | null = null;
  for (const c of conflicts) if (worst === null || conflictSeverityRank(c.severity) > conflictSeverityRank(worst)) worst = c.severity;
  return worst;
}

/** Where a client of "localhost:P" lands, by the resolver's order on this machine. */
export interface LocalhostTarget {
  family: Family;
  /** The address the client connects to: 127.0.0.1 or ::1. */
  address: string;
  /** The bound address that receives it (127.0.0.1, 0.0.0.0, ::1 or ::). */
  boundAddress: string;
  pid: number | null;
  name: string | null;
}

export interface Conflict {
  /** Stable while the same situation lasts: kind, protocol, port (and address for shared-port). */
  id: string;
  port: number;
  protocol: Protocol;
  kind: ConflictKind;
  severity: ConflictSeverity;
  /** One line for a list row. */
  summary: string;
  /** A paragraph a developer understands: what is going on, who gets the clients, what to do. */
  explanation: string;
  /** The sockets involved (listeners, bound UDP sockets, or the lingering ones for still-busy). */
  sockets: Socket[];
  /** Distinct known pids among the sockets, ascending. */
  pids: number[];
  /** localhost-split and dual-stack-split: where "localhost:P" lands; null when localhost did not resolve. */
  localhostReaches?: LocalhostTarget | null;
  /** shared-port: the sockets belong to different users. */
  possibleHijack?: boolean;
  /** still-busy: epoch ms by which every TIME_WAIT socket has gone; null when a CLOSE_WAIT waits on its process. */
  clearsBy?: number | null;
}
