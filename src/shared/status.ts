// The engine's status as hosts and views see it.

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
}
