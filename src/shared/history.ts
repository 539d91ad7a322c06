// What happened while nobody watched: connections that closed and listeners that went, as the engine
// recorded them (core/store/history-log.ts keeps them on disk, bounded by age and size). A history
// entry is the socket as last seen, so the filter language and every socket formatter read it as is.
import { z } from 'zod';
import type { AddressNames } from './names.js';
import type { Socket } from './model.js';

export const HISTORY_KINDS = ['connection', 'listener'] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

export interface HistoryEntry extends Socket {
  /** A listener (TCP LISTEN, bound UDP) that went, or a connection that closed. */
  kind: HistoryKind;
  /** When Portwatch first saw it (its firstSeen), epoch ms; the kernel's own open time is not kept. */
  openedAt: number;
  /** When it closed (entered TIME_WAIT, or left the table), epoch ms. */
  closedAt: number;
  /** The peer's looked-up names when it closed; null when unknown. */
  remoteHost: string | null;
  remoteCountry: string | null;
  remoteAsn: number | null;
  remoteOrg: string | null;
}

/**
 * How much history is kept, as the user sets it (settings.json, the History view, `portwatch
 * retention`): whole days, and megabytes on disk; whatever is older or over the size goes, oldest first.
 */
export interface HistoryRetention {
  maxAgeDays: number;
  maxMegabytes: number;
}

/** Defaults the issue names: a month, and 200 MB on disk. */
export const DEFAULT_HISTORY_RETENTION: Readonly<HistoryRetention> = Object.freeze({ maxAgeDays: 30, maxMegabytes: 200 });
export const MAX_HISTORY_DAYS = 3650;
export const MAX_HISTORY_MEGABYTES = 100_000;

const DAY_MS = 24 * 3600_000;
const MEGABYTE = 1024 * 1024;

/** A retention from the user: 1–3650 whole days, 1–100,000 whole megabytes. */
export const historyRetentionSchema = z
  .object({
    maxAgeDays: z.number().int().min(1, 'keep history at least 1 day').max(MAX_HISTORY_DAYS, `keep history at most ${MAX_HISTORY_DAYS} days`),
    maxMegabytes: z.number().int().min(1, 'keep at least 1 MB of history').max(MAX_HISTORY_MEGABYTES, `keep at most ${MAX_HISTORY_MEGABYTES} MB of history`),
  })
  .strict();

/** The retention as the history log applies it: milliseconds and bytes. */
export function retentionLimits(r: HistoryRetention): { maxAgeMs: number; maxBytes: number } {
  return { maxAgeMs: r.maxAgeDays * DAY_MS, maxBytes: r.maxMegabytes * MEGABYTE };
}

export const DEFAULT_HISTORY_MAX_AGE_MS = retentionLimits(DEFAULT_HISTORY_RETENTION).maxAgeMs;
export const DEFAULT_HISTORY_MAX_BYTES = retentionLimits(DEFAULT_HISTORY_RETENTION).maxBytes;
export const DEFAULT_HISTORY_LIMIT = 1000;
export const MAX_HISTORY_LIMIT = 100_000;

export interface HistoryQuery {
  /** Epoch ms, inclusive: entries that closed at or after it. */
  since?: number;
  /** Epoch ms, inclusive: entries that closed at or before it. */
  until?: number;
  /** The filter language (shared/filter.ts). */
  filter?: string;
  /** At most this many, newest first (default 1000). */
  limit?: number;
  kinds?: HistoryKind[];
}

export interface HistoryResult {
  /** Newest first. */
  entries: HistoryEntry[];
  /** How many matched before the limit. */
  matched: number;
  /** Bytes and counts over every match (not only those returned). */
  totals: { connections: number; listeners: number; bytesSent: number; bytesReceived: number };
  /** Since when history is kept (the oldest segment's start, after retention), epoch ms; null when there is none. */
  oldest: number | null;
  /** Damaged lines skipped, files kept aside or not readable, said once each. */
  warnings: string[];
}

export const historyQuerySchema = z
  .object({
    since: z.number().nonnegative().optional(),
    until: z.number().nonnegative().optional(),
    filter: z.string().max(1000).optional(),
    limit: z.number().int().min(1).max(MAX_HISTORY_LIMIT).optional(),
    kinds: z.array(z.enum(HISTORY_KINDS)).max(HISTORY_KINDS.length).optional(),
  })
  .strict();

/** The names an entry carries, as the filter's NameLookup wants them. */
export function entryNames(e: HistoryEntry): AddressNames {
  return { host: e.remoteHost, country: e.remoteCountry, asn: e.remoteAsn, org: e.remoteOrg };
}

/** How long it lived, in ms (never negative). */
export function entryDuration(e: Pick<HistoryEntry, 'openedAt' | 'closedAt'>): number {
  return Math.max(0, e.closedAt - e.openedAt);
}
