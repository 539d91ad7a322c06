// The one API the renderer talks to, whichever transport carries it (Electron IPC or the browser
// mode's WebSocket). Requests are calls with zod-checked arguments; events are pushed streams.
import { z } from 'zod';
import type { Conflict } from './conflicts.js';
import type { Delta, Snapshot } from './model.js';
import type { EndProcessRequest, EndProcessResult, PortLookup } from './ports.js';
import type { MonitorStatus } from './status.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from './status.js';
import type { EventName, RequestName } from './channels.js';

export { channel, EVENT_NAMES, REQUEST_NAMES, type EventName, type RequestName } from './channels.js';
export type { Conflict, ConflictKind, ConflictSeverity, LocalhostTarget } from './conflicts.js';
export type { BindHolder, BindVerdict, EndProcessOutcome, EndProcessRequest, EndProcessResult, PortLookup, PortProcess } from './ports.js';

/** The full state a view starts from; deltas with seq > state.seq apply on top of it. */
export interface FullState {
  seq: number;
  snapshot: Snapshot;
  status: MonitorStatus;
}

export type Unsubscribe = () => void;

/** Everything a view can ask of Portwatch: the live state and its controls, and the port tools. */
export interface PortwatchApi extends PortToolsApi {
  getState(): Promise<FullState>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  setInterval(ms: number): Promise<void>;
  /** Every delta, in seq order. A view that sees a gap calls getState() again. */
  onDelta(listener: (delta: Delta) => void): Unsubscribe;
  onStatus(listener: (status: MonitorStatus) => void): Unsubscribe;
}

/** Port conflicts, port lookup and ending a port's holder: answered by every host (ApiService). */
export interface PortToolsApi {
  /** Every port conflict in the current state (see shared/conflicts.ts). */
  getConflicts(): Promise<Conflict[]>;
  /** Who is on a port: holders, clients, a verdict per bind address, the processes with their cwd. */
  lookupPort(port: number): Promise<PortLookup>;
  /**
   * Ends a process that owns a socket Portwatch shows: SIGTERM, then SIGKILL after graceMs. Refused
   * for pid 1, Portwatch and its parents, and a pid whose start time is not startedAt (reused).
   */
  endProcess(request: EndProcessRequest): Promise<EndProcessResult>;
}

/** Argument schemas, one per request: checked on the host side of both transports. */
export const requestSchemas = {
  getState: z.tuple([]),
  pause: z.tuple([]),
  resume: z.tuple([]),
  setInterval: z.tuple([z.number().int().min(MIN_INTERVAL_MS).max(MAX_INTERVAL_MS)]),
  getConflicts: z.tuple([]),
  lookupPort: z.tuple([z.number().int().min(0).max(65535)]),
  endProcess: z.tuple([
    z
      .object({
        // pid 1 is init; 0 and negatives would signal whole process groups.
        pid: z.number().int().min(2).max(2 ** 31 - 1),
        startedAt: z.number().nonnegative(),
        graceMs: z.number().int().min(0).max(60_000).optional(),
      })
      .strict(),
  ]),
} as const satisfies Record<RequestName, z.ZodType>;

export interface EventPayloads {
  delta: Delta;
  status: MonitorStatus;
}

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.hasOwn(requestSchemas, name);
}

/** The WebSocket framing of the browser mode. */
export const wsClientMessage = z.object({
  id: z.number().int().nonnegative(),
  method: z.string().max(64),
  args: z.array(z.unknown()).max(8),
});
export type WsClientMessage = z.infer<typeof wsClientMessage>;

export type WsServerMessage =
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: string }
  | { type: 'event'; event: EventName; payload: unknown };
