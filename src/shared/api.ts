// The one API the renderer talks to, whichever transport carries it (Electron IPC or the browser
// mode's WebSocket). Requests are calls with zod-checked arguments; events are pushed streams.
import { z } from 'zod';
import type { ApiErrorCode } from './api-errors.js';
import type { Alert, AlertEvent, AlertExplanation, AlertFilter, AlertStatus, TrustRule, TrustState } from './alerts.js';
import { ALERT_KINDS, MAX_ALERT_LIMIT, MAX_LEARN_SECONDS, SEVERITIES } from './alerts.js';
import type { CloseConnectionRequest, CloseConnectionResult } from './close-connection.js';
import { parseEndpoint } from './close-connection.js';
import type { Conflict } from './conflicts.js';
import type { HistoryQuery, HistoryResult, HistoryRetention } from './history.js';
import { historyQuerySchema, historyRetentionSchema } from './history.js';
import type { Delta, Snapshot } from './model.js';
import type { NamesState, NamesUpdate } from './names.js';
import type { EndProcessRequest, EndProcessResult, PortLookup, WatchedPortEvent } from './ports.js';
import { MAX_WATCHED_PORTS } from './ports.js';
import type { MonitorStatus } from './status.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from './status.js';
import type { TrafficState, TrafficUpdate } from './traffic.js';
import type { EventName, RequestName } from './channels.js';
import { isProgramKey, parseHostRange } from './trust-rules.js';

export { channel, EVENT_NAMES, REQUEST_NAMES, type EventName, type RequestName } from './channels.js';
export type { Conflict, ConflictKind, ConflictSeverity, LocalhostTarget } from './conflicts.js';
export type { BindHolder, BindVerdict, EndProcessOutcome, EndProcessRequest, EndProcessResult, PortLookup, PortProcess, WatchedPortEvent } from './ports.js';
export { MAX_WATCHED_PORTS } from './ports.js';
export type { CloseConnectionRequest, CloseConnectionResult } from './close-connection.js';
export type { HistoryEntry, HistoryQuery, HistoryResult, HistoryRetention } from './history.js';
export type { InterfaceTraffic, ProcessTraffic, SocketTraffic, TrafficAvailability, TrafficState, TrafficUpdate, UnattributedTraffic } from './traffic.js';

/**
 * The full state a view starts from; deltas and traffic updates with seq > state.seq apply on top of
 * it. traffic (see shared/traffic.ts for how to follow it) is measured while a host carries the
 * events to a view; null before that, and where the engine measures none.
 */
export interface FullState {
  seq: number;
  snapshot: Snapshot;
  status: MonitorStatus;
  traffic: TrafficState | null;
}

export type Unsubscribe = () => void;

/** Everything a view can ask of Portwatch: the live state and its controls, the port tools, alerts. */
export interface PortwatchApi extends PortToolsApi, AlertsApi, WatchedPortsApi, NamesApi, TrafficApi, HistoryApi {
  getState(): Promise<FullState>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  setInterval(ms: number): Promise<void>;
  /** Every delta, in seq order. A view that sees a gap calls getState() again. */
  onDelta(listener: (delta: Delta) => void): Unsubscribe;
  onStatus(listener: (status: MonitorStatus) => void): Unsubscribe;
}

/**
 * Bytes and rates per TCP connection, per process and per interface (shared/traffic.ts). Each update
 * follows the delta of its seq; a view starts from FullState.traffic. A host measures traffic while it
 * carries events to a view, so there is nothing to ask for: a host whose engine measures none sends
 * no updates, and FullState.traffic is null there.
 */
export interface TrafficApi {
  onTraffic(listener: (update: TrafficUpdate) => void): Unsubscribe;
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

/**
 * History (shared/history.ts): connections that closed and listeners that went while an engine ran,
 * kept in the data folder. A host without a data folder answers with an error saying so.
 */
export interface HistoryApi {
  /** Newest first, with totals over every match. */
  queryHistory(query?: HistoryQuery): Promise<HistoryResult>;
  /**
   * Closes one TCP connection the current state shows, without ending its process (SOCK_DESTROY;
   * needs CAP_NET_ADMIN). Refused for what whyNotClosable() refuses; otherwise resolves with the
   * outcome and one line for the user, also when the kernel would not.
   */
  closeConnection(request: CloseConnectionRequest): Promise<CloseConnectionResult>;
  /** How much history is kept (days, megabytes): the user's setting, DEFAULT_HISTORY_RETENTION until set. */
  getHistoryRetention(): Promise<HistoryRetention>;
  /** Saves it in settings.json and applies it at once (what it no longer keeps is removed); resolves with it. */
  setHistoryRetention(retention: HistoryRetention): Promise<HistoryRetention>;
}

/**
 * Watched ports: a user list (saved in settings.json in the data folder) of ports whose listeners are
 * followed; a 'watched-port' event says when one is taken or freed, naming the process. A host without
 * a watcher answers the requests with an error saying so.
 */
export interface WatchedPortsApi {
  getWatchedPorts(): Promise<number[]>;
  /** Replaces the list (1–65535, at most 64, no duplicates); resolves with the saved list once on disk. */
  setWatchedPorts(ports: number[]): Promise<number[]>;
  onWatchedPort(listener: (event: WatchedPortEvent) => void): Unsubscribe;
}

/**
 * Looked-up names of remote addresses (reverse DNS, offline country and owner; shared/names.ts). A
 * view starts from getNames() and applies each 'names' update whose version is the next one; on a
 * gap it asks getNames() again. A host without names answers an empty state with reverseDns false.
 */
export interface NamesApi {
  getNames(): Promise<NamesState>;
  /** Turns reverse-DNS lookups on or off (privacy: the DNS server learns whom this machine talks to). */
  setReverseDns(on: boolean): Promise<NamesState>;
  onNames(listener: (update: NamesUpdate) => void): Unsubscribe;
}

/**
 * Alerts and trust (see shared/alerts.ts). A host without an alert engine answers these with an
 * error saying so.
 */
export interface AlertsApi {
  /** Newest first. */
  listAlerts(filter?: AlertFilter): Promise<Alert[]>;
  getAlertStatus(): Promise<AlertStatus>;
  /** The alert with its process's parent chain (self first, up to pid 1; null where gone). */
  explainAlert(id: string): Promise<AlertExplanation | null>;
  acknowledgeAlert(id: string): Promise<Alert>;
  acknowledgeAllAlerts(): Promise<number>;
  snoozeAlert(id: string, ms: number): Promise<Alert>;
  /** Trusts what the rule covers and acknowledges every alert it silences. */
  trust(rule: TrustRule): Promise<{ added: boolean; acknowledged: string[] }>;
  untrust(rule: TrustRule): Promise<boolean>;
  setWatchClosely(exe: string, on: boolean): Promise<void>;
  getTrustState(): Promise<TrustState>;
  /** Everything seen for this many seconds becomes the baseline (0 stops learning). */
  startLearning(seconds: number): Promise<number | null>;
  /** New, updated (acknowledged, snoozed) alerts and the alert status. */
  onAlert(listener: (event: AlertEvent) => void): Unsubscribe;
  /** The Electron host asks the page to open an alert (id) or the Alerts view (null). */
  onOpenAlert(listener: (id: string | null) => void): Unsubscribe;
}

const anyExeText = z.string().min(1).max(4096);
/** An executable as a new rule names it: an absolute path, or name:<comm> (shared/trust-rules.ts). */
const exeText = anyExeText.refine(isProgramKey, 'not a full path (or name:COMM where the path is hidden)');
const portNumber = z.number().int().min(0).max(65535);
const alertId = z.string().min(1).max(64);
const endpointText = z
  .string()
  .max(64)
  .refine((t) => parseEndpoint(t) !== null, 'not ADDRESS:PORT');
export const MAX_SNOOZE_MS = 30 * 24 * 3600_000;

function trustRuleSchemaWith(exeText: z.ZodType<string>) {
  return z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('executable'), exe: exeText }).strict(),
    z.object({ kind: z.literal('listener'), exe: exeText, port: portNumber, protocol: z.enum(['tcp', 'udp']) }).strict(),
    z
      .object({
        kind: z.literal('destination'),
        exe: exeText,
        host: z
          .string()
          .min(1)
          .max(64)
          .refine((h) => parseHostRange(h) !== null, 'not an IP address or CIDR range'),
        port: portNumber.nullable(),
      })
      .strict(),
  ]);
}

/** A trust rule from the user (hosts check it before the engine sees it). */
export const trustRuleSchema = trustRuleSchemaWith(exeText);
/** A rule as a trust store on disk may hold it: one saved before exe paths were checked still loads. */
export const storedTrustRuleSchema = trustRuleSchemaWith(anyExeText);

export const alertFilterSchema = z
  .object({
    limit: z.number().int().min(1).max(MAX_ALERT_LIMIT).optional(),
    kinds: z.array(z.enum(ALERT_KINDS)).max(ALERT_KINDS.length).optional(),
    severities: z.array(z.enum(SEVERITIES)).max(SEVERITIES.length).optional(),
    unacknowledged: z.boolean().optional(),
  })
  .strict();

/** A watched-port list from the user: whole ports 1–65535, at most MAX_WATCHED_PORTS, each once. */
export const watchedPortsSchema = z
  .array(z.number().int().min(1).max(65535))
  .max(MAX_WATCHED_PORTS)
  .refine((ports) => new Set(ports).size === ports.length, 'a port is listed more than once');

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
  listAlerts: z.tuple([alertFilterSchema.optional()]),
  getAlertStatus: z.tuple([]),
  explainAlert: z.tuple([alertId]),
  acknowledgeAlert: z.tuple([alertId]),
  acknowledgeAllAlerts: z.tuple([]),
  snoozeAlert: z.tuple([alertId, z.number().int().min(1).max(MAX_SNOOZE_MS)]),
  trust: z.tuple([trustRuleSchema]),
  untrust: z.tuple([trustRuleSchema]),
  setWatchClosely: z.tuple([exeText, z.boolean()]),
  getTrustState: z.tuple([]),
  startLearning: z.tuple([z.number().min(0).max(MAX_LEARN_SECONDS)]),
  getWatchedPorts: z.tuple([]),
  setWatchedPorts: z.tuple([watchedPortsSchema]),
  getNames: z.tuple([]),
  setReverseDns: z.tuple([z.boolean()]),
  queryHistory: z.tuple([historyQuerySchema.optional()]),
  closeConnection: z.tuple([z.object({ local: endpointText, remote: endpointText }).strict()]),
  getHistoryRetention: z.tuple([]),
  setHistoryRetention: z.tuple([historyRetentionSchema]),
} as const satisfies Record<RequestName, z.ZodType>;

/**
 * Requests that cannot be undone, limited in rate per client (core/rate-limit.ts): ending a process,
 * closing a connection (a request the connections work adds), trusting, restarting learning.
 */
export const RATE_LIMITED_REQUESTS: ReadonlySet<string> = new Set(['endProcess', 'closeConnection', 'trust', 'untrust', 'startLearning']);

export interface EventPayloads {
  delta: Delta;
  traffic: TrafficUpdate;
  status: MonitorStatus;
  alert: AlertEvent;
  'open-alert': string | null;
  'watched-port': WatchedPortEvent;
  names: NamesUpdate;
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
  /** error: the words for the user; code: what the page branches on (shared/api-errors.ts). */
  | { type: 'result'; id: number; ok: false; error: string; code: ApiErrorCode }
  | { type: 'event'; event: EventName; payload: unknown };
