import type { Socket } from '../../shared/model.js';
import type { PollWarnings } from '../../shared/status.js';

/** What one read of the OS socket tables found. */
export interface Sample {
  takenAt: number;
  /** firstSeen is set to takenAt here; the monitor carries the real value forward. */
  sockets: Socket[];
  /** Things the source could not do this time, said plainly (lines skipped, processes not inspectable). */
  warnings: SourceWarnings;
}

/**
 * skippedLines: malformed or truncated table lines; unattributed: sockets whose owner could not be
 * found or may not be inspected (pid stays null); deniedProcesses: processes we may not read.
 */
export type SourceWarnings = PollWarnings;

/** One file per OS source under core/sources; the monitor only knows this interface. */
export interface SocketSource {
  readonly name: string;
  sample(): Promise<Sample>;
  /** Drops what the source learned between polls, so the next sample is a cold one. */
  reset?(): void;
}

export function emptyWarnings(): SourceWarnings {
  return { skippedLines: 0, unattributed: 0, deniedProcesses: 0 };
}
