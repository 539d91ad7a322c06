// The alert log: append-only JSON lines (alerts.jsonl), one event a line —
//   {"type":"raised","alert":{…}}   {"type":"acknowledged","id":"…","at":…}   {"type":"snoozed","id":"…","until":…}
//   {"type":"subjects","subjects":[…]} (written at rotation: subjects already raised, so they stay quiet)
//   {"type":"forgotten","subjects":[…]} (untrusted: those subjects may alert again)
// Opening replays it to rebuild the alerts and the subjects already raised. A line torn by a crash is
// skipped and reported, never fatal. Past maxBytes the file rotates (alerts.1.jsonl … alerts.N.jsonl)
// and the new file starts with what must survive: the raised subjects and every unacknowledged alert.
import { constants } from 'node:fs';
import { copyFile, link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Alert, AlertFilter } from '../../shared/alerts.js';
import { ALERT_KINDS, SEVERITIES } from '../../shared/alerts.js';
import { ensureDataDir } from './data-dir.js';
import { removeStaleTemps, syncDir, writeFileAtomic } from './atomic-file.js';

export const ALERT_LOG_FILE = 'alerts.jsonl';
export const DEFAULT_MAX_LOG_BYTES = 5 * 1024 * 1024;
export const DEFAULT_KEEP_ROTATED = 3;

export type AlertLogEvent =
  | { type: 'raised'; alert: Alert }
  | { type: 'acknowledged'; id: string; at: number }
  | { type: 'snoozed'; id: string; until: number }
  | { type: 'subjects'; subjects: string[] }
  | { type: 'forgotten'; subjects: string[] };

// Loose on purpose: fields added by later versions ride along; what the log needs must be there.
const alertSchema = z.looseObject({
  id: z.string().min(1),
  kind: z.enum(ALERT_KINDS),
  severity: z.enum(SEVERITIES),
  message: z.string(),
  at: z.number(),
  pid: z.number().nullable(),
  sockets: z.array(z.unknown()),
  acknowledgedAt: z.number().nullable(),
  snoozedUntil: z.number().nullable(),
});

const eventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('raised'), alert: alertSchema }),
  z.object({ type: z.literal('acknowledged'), id: z.string(), at: z.number() }),
  z.object({ type: z.literal('snoozed'), id: z.string(), until: z.number() }),
  z.object({ type: z.literal('subjects'), subjects: z.array(z.string()) }),
  z.object({ type: z.literal('forgotten'), subjects: z.array(z.string()) }),
]);

export interface AlertLogOptions {
  /** Rotate once the file grows past this many bytes (default 5 MB). */
  maxBytes?: number;
  /** Rotated files kept (alerts.1.jsonl is the newest); default 3. */
  keep?: number;
  /** Told when a write fails (the events stay queued in memory and are retried with the next one). */
  onError?: (error: Error) => void;
}

export interface OpenedAlertLog {
  log: AlertLog;
  warnings: string[];
}

export class AlertLog {
  readonly path: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly onError: ((error: Error) => void) | undefined;
  /** Chronological: a Map keeps insertion order. */
  private alerts = new Map<string, Alert>();
  private raised = new Set<string>();
  private size: number;
  /** The size right after the last rotation: what is carried; rotating again before doubling it would only churn. */
  private carriedSize = 0;
  private needsNewline: boolean;
  private queue: string[] = [];
  private chain: Promise<void> = Promise.resolve();
  private writing: Promise<void> | null = null;

  private constructor(path: string, size: number, needsNewline: boolean, options: AlertLogOptions) {
    this.path = path;
    this.size = size;
    this.needsNewline = needsNewline;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_LOG_BYTES;
    this.keep = Math.max(1, options.keep ?? DEFAULT_KEEP_ROTATED);
    this.onError = options.onError;
  }

  static async open(dir: string, options: AlertLogOptions = {}): Promise<OpenedAlertLog> {
    await ensureDataDir(dir);
    const path = join(dir, ALERT_LOG_FILE);
    await removeStaleTemps(path);
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const log = new AlertLog(path, Buffer.byteLength(text), text.length > 0 && !text.endsWith('\n'), options);
    const warnings = log.replay(text);
    return { log, warnings };
  }

  /** Whether an alert about this subject was raised (and not forgotten since). */
  hasRaised(subject: string): boolean {
    return this.raised.has(subject);
  }

  /** Records a new alert: in memory at once, on disk in the background (flush() waits for it). */
  append(alert: Alert): void {
    this.alerts.set(alert.id, alert);
    if (alert.subject !== undefined) this.raised.add(alert.subject);
    this.write({ type: 'raised', alert });
  }

  get(id: string): Alert | null {
    return this.alerts.get(id) ?? null;
  }

  acknowledge(id: string, at: number): Alert | null {
    const alert = this.alerts.get(id);
    if (alert === undefined) return null;
    if (alert.acknowledgedAt !== null) return alert;
    const next = { ...alert, acknowledgedAt: at };
    this.alerts.set(id, next);
    this.write({ type: 'acknowledged', id, at });
    return next;
  }

  snooze(id: string, until: number): Alert | null {
    const alert = this.alerts.get(id);
    if (alert === undefined) return null;
    const next = { ...alert, snoozedUntil: until };
    this.alerts.set(id, next);
    this.write({ type: 'snoozed', id, until });
    return next;
  }

  /** Lets these subjects alert again (their alerts stay in the log). */
  forget(subjects: string[]): void {
    const gone = subjects.filter((s) => this.raised.delete(s));
    if (gone.length > 0) this.write({ type: 'forgotten', subjects: gone });
  }

  /** Newest first. */
  list(filter: AlertFilter = {}): Alert[] {
    const kinds = filter.kinds && filter.kinds.length > 0 ? new Set(filter.kinds) : null;
    const severities = filter.severities && filter.severities.length > 0 ? new Set(filter.severities) : null;
    const limit = filter.limit ?? Infinity;
    const out: Alert[] = [];
    const all = [...this.alerts.values()];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      const a = all[i]!;
      if (kinds !== null && !kinds.has(a.kind)) continue;
      if (severities !== null && !severities.has(a.severity)) continue;
      if (filter.unacknowledged && a.acknowledgedAt !== null) continue;
      out.push(a);
    }
    return out;
  }

  /** Every alert in the log, oldest first. */
  all(): IterableIterator<Alert> {
    return this.alerts.values();
  }

  get count(): number {
    return this.alerts.size;
  }

  /** Resolves when every event so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }

  private replay(text: string): string[] {
    const warnings: string[] = [];
    const lines = text.split('\n');
    const torn = !text.endsWith('\n') && text.length > 0;
    if (!torn) lines.pop(); // the empty string after the final newline
    let damaged = 0;
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let event: AlertLogEvent;
      try {
        const parsed = eventSchema.safeParse(JSON.parse(line));
        if (!parsed.success) throw new Error('not an alert log event');
        event = parsed.data as AlertLogEvent;
      } catch {
        if (torn && i === lines.length - 1) {
          warnings.push(
            `The last line of the alert log (${this.path}) was cut short, probably by a crash while it was written; it was skipped (${Buffer.byteLength(line)} bytes) and the rest of the log was read.`,
          );
        } else damaged++;
        return;
      }
      this.apply(event);
    });
    if (damaged > 0) warnings.push(`${damaged} damaged line${damaged === 1 ? ' was' : 's were'} skipped in the alert log (${this.path}); the rest was read.`);
    return warnings;
  }

  private apply(event: AlertLogEvent): void {
    switch (event.type) {
      case 'raised':
        this.alerts.set(event.alert.id, event.alert);
        if (event.alert.subject !== undefined) this.raised.add(event.alert.subject);
        break;
      case 'acknowledged': {
        const a = this.alerts.get(event.id);
        if (a !== undefined) this.alerts.set(event.id, { ...a, acknowledgedAt: event.at });
        break;
      }
      case 'snoozed': {
        const a = this.alerts.get(event.id);
        if (a !== undefined) this.alerts.set(event.id, { ...a, snoozedUntil: event.until });
        break;
      }
      case 'subjects':
        for (const s of event.subjects) this.raised.add(s);
        break;
      case 'forgotten':
        for (const s of event.subjects) this.raised.delete(s);
        break;
    }
  }

  private write(event: AlertLogEvent): void {
    this.queue.push(JSON.stringify(event) + '\n');
    if (this.writing !== null) return; // the running write picks it up
    const run = this.chain.then(() =>
      this.drain().catch((e: unknown) => {
        const error = e instanceof Error ? e : new Error(String(e));
        this.onError?.(error);
        throw error;
      }),
    );
    this.writing = run.finally(() => {
      this.writing = null;
    });
    this.chain = this.writing.catch(() => {});
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const lines = this.queue;
      this.queue = [];
      // A torn last line gets its own line end, so it stays one skipped line and the next event is whole.
      const text = (this.needsNewline ? '\n' : '') + lines.join('');
      try {
        const handle = await open(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
        try {
          await handle.write(text);
          await handle.datasync();
        } finally {
          await handle.close();
        }
      } catch (e) {
        this.queue = [...lines, ...this.queue]; // kept for the next attempt
        throw e;
      }
      this.needsNewline = false;
      this.size += Buffer.byteLength(text);
      if (this.size > this.maxBytes && this.size > 2 * this.carriedSize) await this.rotate();
    }
  }

  /**
   * alerts.jsonl → alerts.1.jsonl (older ones shift up, the oldest beyond `keep` goes), and a new
   * alerts.jsonl holding the raised subjects and every unacknowledged alert. The old file is linked to
   * its new name before the new one is renamed over it, so alerts.jsonl always exists whole.
   */
  private async rotate(): Promise<void> {
    const dir = join(this.path, '..');
    const rotated = (n: number) => join(dir, ALERT_LOG_FILE.replace(/\.jsonl$/, `.${n}.jsonl`));
    for (let n = this.keep - 1; n >= 1; n--) {
      await rename(rotated(n), rotated(n + 1)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
    // Only with keep = 1 is alerts.1.jsonl still there: it is the rotated file beyond what is kept.
    await unlink(rotated(1)).catch(() => {});
    try {
      await link(this.path, rotated(1));
    } catch {
      await copyFile(this.path, rotated(1)); // filesystems without hard links
    }
    const carried: AlertLogEvent[] = [{ type: 'subjects', subjects: [...this.raised] }];
    const kept = new Map<string, Alert>();
    for (const a of this.alerts.values()) {
      if (a.acknowledgedAt !== null) continue;
      kept.set(a.id, a);
      carried.push({ type: 'raised', alert: a });
    }
    const text = carried.map((e) => JSON.stringify(e) + '\n').join('');
    await writeFileAtomic(this.path, text);
    await syncDir(dir);
    this.alerts = kept;
    this.size = (await stat(this.path)).size;
    this.carriedSize = this.size;
  }
}
