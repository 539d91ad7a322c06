// The engine's status as hosts and views see it.
import type { Access } from './access.js';
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
  /** Which engine this is and with what rights (describeEngine says it); absent from a status a host makes up. */
  engine?: EngineIdentity | null;
}

/** Which engine a view is attached to, with which rights, and what the view may ask of it. */
export interface EngineIdentity {
  /** app: the desktop app's own engine process; serve, watch: that command's; agent: `portwatch agent`. */
  host: 'app' | 'serve' | 'watch' | 'agent';
  pid: number;
  /** The engine's user name, and uid (null where the OS has none). */
  user: string | null;
  uid: number | null;
  /**
   * How it sees the owners of other users' sockets: as root, through capabilities (Linux:
   * CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH), not at all (user), or unknown (no such notion here).
   */
  rights: 'root' | 'capabilities' | 'user' | 'unknown';
  /** What the view may do: everything, or only watch (an agent's read-only clients; see access.ts). */
  access: Access;
}

const HOST_WORDS: Record<EngineIdentity['host'], string> = { app: "this app's engine", serve: 'serve', watch: 'watch', agent: 'agent' };

/** One line for the status bar: "agent as root: every process visible · watch only". */
export function describeEngine(e: EngineIdentity): string {
  const who = e.user ?? (e.uid === null ? 'an unknown user' : `uid ${e.uid}`);
  let sees: string;
  if (e.rights === 'root' || e.rights === 'capabilities') sees = 'every process visible';
  else if (e.rights === 'user') sees = `other users' processes not named`;
  else sees = 'processes as the OS shows them';
  const how = e.rights === 'capabilities' ? `${who} with capabilities` : who;
  return `${HOST_WORDS[e.host]} as ${how}: ${sees}${e.access === 'read-only' ? ' · watch only' : ''}`;
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
