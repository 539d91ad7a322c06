// The engine's status as hosts and views see it.
import type { TrafficAvailability } from './traffic.js';

export const MIN_INTERVAL_MS = 250;
export const MAX_INTERVAL_MS = 60_000;

export interface PollCost {
  seq: number;
  takenAt: number;
  /** Wall time of the poll. */
  durationMs: number;
  /** CPU time (user + system) the poll cost this process. */
  cpuMs: number;
}

export interface PollWarnings {
  skippedLines: number;
  unattributed: number;
  deniedProcesses: number;
}

export interface MonitorStatus {
  state: 'running' | 'paused' | 'stopped' | 'backing-off';
  intervalMs: number;
  seq: number;
  source: string;
  sockets: number;
  lastPoll: PollCost | null;
  warnings: PollWarnings | null;
  /** The last poll's failure, said plainly; null when it succeeded. */
  error: string | null;
  consecutiveFailures: number;
  /**
   * What traffic measuring works here (see shared/traffic.ts); null while it is not measured (no view
   * attached) or where the source measures none. Absent from a status a host makes up itself (the
   * desktop app's, while its engine process is down).
   */
  traffic?: TrafficAvailability | null;
  /** What the socket table leaves out, e.g. other network namespaces; null (or absent) when nothing is known to be. */
  scope?: ScopeNote | null;
}

/**
 * Sockets Portwatch cannot show. Linux: sockets live in network namespaces (containers, sandboxes);
 * the engine reads its own namespace only.
 */
export interface ScopeNote {
  /** Other network namespaces that processes visible to Portwatch are in (a lower bound without root). */
  otherNetworkNamespaces: number;
  /** One line for the user, e.g. "2 other network namespaces (containers) are not shown". */
  note: string;
}
