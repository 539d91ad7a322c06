// The one API the renderer talks to, whichever transport carries it (Electron IPC or the browser
// mode's WebSocket). Requests are calls with zod-checked arguments; events are pushed streams.
import { z } from 'zod';
import type { Delta, Snapshot } from './model.js';
import type { MonitorStatus } from './status.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from './status.js';
import type { EventName, RequestName } from './channels.js';

export { channel, EVENT_NAMES, REQUEST_NAMES, type EventName, type RequestName } from './channels.js';

/** The full state a view starts from; deltas with seq > state.seq apply on top of it. */
export interface FullState {
  seq: number;
  snapshot: Snapshot;
  status: MonitorStatus;
}

export type Unsubscribe = () => void;

export interface PortwatchApi {
  getState(): Promise<FullState>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  setInterval(ms: number): Promise<void>;
  /** Every delta, in seq order. A view that sees a gap calls getState() again. */
  onDelta(listener: (delta: Delta) => void): Unsubscribe;
  onStatus(listener: (status: MonitorStatus) => void): Unsubscribe;
}

/** Argument schemas, one per request: checked on the host side of both transports. */
export const requestSchemas = {
  getState: z.tuple([]),
  pause: z.tuple([]),
  resume: z.tuple([]),
  setInterval: z.tuple([z.number().int().min(MIN_INTERVAL_MS).max(MAX_INTERVAL_MS)]),
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
