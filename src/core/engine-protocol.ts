// The messages between a host and an engine that runs in a process of its own (Electron's utility
// process): the host opens the engine with a config, carries the API contract's requests to it by id,
// and gets back results, the contract's events, the engine's warnings and a small summary for the
// tray. Both sides check what they receive: the engine checks the envelope here and each request's
// arguments in ApiService; the host checks every envelope, and in full what it reads itself (status,
// summary, warnings, the alert and watched-port events behind notifications). Deltas and results go
// on to the page as they came: the host does not interpret them.
import { z } from 'zod';
import { ACCESS_LEVELS } from '../shared/access.js';
import { API_ERROR_CODES } from '../shared/api-errors.js';
import { ALERT_KINDS, MAX_LEARN_SECONDS, SEVERITIES } from '../shared/alerts.js';
import { REQUEST_NAMES, type EventName } from '../shared/channels.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../shared/status.js';

export const ENGINE_PROTOCOL_VERSION = 1;

/** What the host asks the engine process to open (see EngineOptions). */
export const engineConfigSchema = z
  .object({
    dataDir: z.string().min(1).max(4096).nullable(),
    intervalMs: z.number().int().min(MIN_INTERVAL_MS).max(MAX_INTERVAL_MS),
    paused: z.boolean(),
    seqBase: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    alerts: z.union([z.literal(false), z.object({ learnSeconds: z.number().min(0).max(MAX_LEARN_SECONDS).optional() }).strict()]),
    watchedPorts: z.boolean(),
    /** Reverse DNS as the user last set it (absent: as PORTWATCH_DNS_SERVER says). */
    reverseDns: z.boolean().optional(),
  })
  .strict();
export type EngineConfig = z.infer<typeof engineConfigSchema>;

const requestId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const hostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('open'), version: z.literal(ENGINE_PROTOCOL_VERSION), config: engineConfigSchema }).strict(),
  z.object({ type: z.literal('request'), id: requestId, method: z.enum(REQUEST_NAMES), args: z.array(z.unknown()).max(8) }).strict(),
  z.object({ type: z.literal('close') }).strict(),
]);
export type HostMessage = z.infer<typeof hostMessageSchema>;

/** The contract's events an engine pushes ('open-alert' is the Electron host's own). */
export const ENGINE_EVENTS = ['delta', 'traffic', 'status', 'alert', 'watched-port', 'names'] as const satisfies readonly EventName[];
export type EngineEventName = (typeof ENGINE_EVENTS)[number];

const count = z.number().int().min(0);
const text = (max: number) => z.string().max(max);

export const monitorStatusSchema = z
  .object({
    state: z.enum(['running', 'paused', 'stopped', 'backing-off']),
    intervalMs: count,
    seq: count,
    source: text(64),
    sockets: count,
    lastPoll: z.object({ seq: count, takenAt: z.number(), durationMs: z.number(), cpuMs: z.number() }).strict().nullable(),
    warnings: z.object({ skippedLines: count, unattributed: count, deniedProcesses: count }).strict().nullable(),
    error: text(2000).nullable(),
    consecutiveFailures: count,
    traffic: z
      .object({ connections: z.boolean(), closedConnections: z.boolean(), interfaces: z.boolean(), notes: z.array(text(2000)).max(20) })
      .strict()
      .nullable()
      .optional(),
    scope: z.object({ otherNetworkNamespaces: count, note: text(2000) }).strict().nullable().optional(),
    engine: z
      .object({
        host: z.enum(['app', 'serve', 'watch', 'agent']),
        pid: count,
        user: text(256).nullable(),
        uid: count.nullable(),
        rights: z.enum(['root', 'capabilities', 'user', 'unknown']),
        access: z.enum(ACCESS_LEVELS),
      })
      .strict()
      .nullable()
      .optional(),
  })
  .strict();

/** What the tray shows of an alert, and what a notification needs of one. */
const alertSchema = z.looseObject({
  id: text(64),
  kind: z.enum(ALERT_KINDS),
  severity: z.enum(SEVERITIES),
  message: text(4000),
  at: z.number(),
  acknowledgedAt: z.number().nullable(),
  snoozedUntil: z.number().nullable(),
});

const alertStatusSchema = z.looseObject({
  learning: z.boolean(),
  unacknowledged: count,
  warnings: z.array(text(4000)).max(1000),
});

const processSchema = z.looseObject({ name: text(4096) }).nullable();

export const eventPayloadSchemas = {
  // Checked as an envelope only: it goes to the page, which applies it by seq.
  delta: z.looseObject({ seq: count, takenAt: z.number(), added: z.array(z.unknown()), removed: z.array(z.unknown()), changed: z.array(z.unknown()) }),
  // The same: applied by the page after the delta of its seq (shared/traffic.ts).
  traffic: z.looseObject({ seq: count, takenAt: z.number(), intervalMs: z.number(), sockets: z.array(z.unknown()), processes: z.array(z.unknown()), processesGone: z.array(z.unknown()) }),
  status: monitorStatusSchema,
  alert: z.discriminatedUnion('type', [
    z.object({ type: z.literal('alert'), alert: alertSchema }).strict(),
    z.object({ type: z.literal('updated'), alert: alertSchema }).strict(),
    z.object({ type: z.literal('status'), status: alertStatusSchema }).strict(),
  ]),
  'watched-port': z.looseObject({
    port: z.number().int().min(0).max(65535),
    protocol: z.enum(['tcp', 'udp']),
    change: z.enum(['taken', 'freed']),
    address: text(64),
    pid: count.nullable(),
    process: processSchema,
  }),
  // Checked as an envelope only, as a delta is: it goes to the page, which applies it by version.
  names: z.looseObject({ version: count, reverseDns: z.boolean(), set: z.record(z.string().max(64), z.unknown()), forgotten: z.array(z.string().max(64)) }),
} as const satisfies Record<EngineEventName, z.ZodType>;

/** The tray's view of the engine, sent at most once a second and at once when the state changes. */
export const engineSummarySchema = z
  .object({
    status: monitorStatusSchema,
    counts: z.object({ connections: count, listeners: count, processes: count }).strict(),
    unacknowledged: count,
    /** The machine's total rate (shared/traffic.ts totalRate); null while none is measured. */
    traffic: z.object({ sendRate: z.number().min(0), receiveRate: z.number().min(0), basis: z.enum(['interfaces', 'connections']) }).strict().nullable(),
    /** The newest alerts not yet acknowledged, newest first. */
    latest: z.array(z.object({ id: text(64), at: z.number(), severity: z.enum(SEVERITIES), message: text(4000), acknowledgedAt: z.number().nullable() }).strict()).max(20),
  })
  .strict();
export type EngineSummary = z.infer<typeof engineSummarySchema>;

export const engineWarningSchema = z.discriminatedUnion('code', [
  z.object({ code: z.enum(['data-dir-unusable', 'alerts-unavailable', 'settings-unavailable']), dataDir: text(4096), reason: text(2000), message: text(4000) }).strict(),
  z.object({ code: z.literal('store'), message: text(4000) }).strict(),
]);

export const engineMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: count, dataDir: text(4096).nullable(), alerts: z.boolean(), watchedPorts: z.boolean() }).strict(),
  /** The engine could not open at all (not a warning: there is nothing to run). */
  z.object({ type: z.literal('failed'), message: text(4000) }).strict(),
  z.object({ type: z.literal('result'), id: requestId, value: z.unknown() }).strict(),
  /** code: the contract's (shared/api-errors.ts), which the page branches on. */
  z.object({ type: z.literal('failure'), id: requestId, message: text(4000), code: z.enum(API_ERROR_CODES) }).strict(),
  z.object({ type: z.literal('event'), event: z.enum(ENGINE_EVENTS), payload: z.unknown() }).strict(),
  z.object({ type: z.literal('warning'), warning: engineWarningSchema }).strict(),
  z.object({ type: z.literal('summary'), summary: engineSummarySchema }).strict(),
  z.object({ type: z.literal('closed') }).strict(),
]);
export type EngineMessage = z.infer<typeof engineMessageSchema>;

/** The first problem with a message, in one line, for the log. */
export function protocolProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid';
}
