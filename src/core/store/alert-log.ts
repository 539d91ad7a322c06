// The alert log: append-only JSON lines (alerts.jsonl), one event a line —
//   {"type":"raised","alert":{…}}   {"type":"acknowledged","id":"…","at":…}   {"type":"snoozed","id":"…","until":…}
//   {"type":"subjects","subjects":[…]} (written at rotation: subjects already raised, so they stay quiet)
//   {"type":"forgotten","subjects":[…]} (untrusted: those subjects may alert again)
// Opening replays it, streamed (never the whole file in memory), to rebuild the alerts and the subjects
// already raised; memory keeps the newest MAX_KEPT_ALERTS alerts and MAX_SUBJECTS subjects. A line torn
// by a crash is skipped and reported, never fatal. Past maxBytes the file rotates (alerts.1.jsonl …
// alerts.N.jsonl) and the new file starts with what must survive, capped: the raised subjects and the
// newest unacknowledged alerts.
//
// Several Portwatch engines may share the folder (the app and `watch`): every append and rotation runs
// under the log's lock (file-lock.ts), after reading what the others appended since. An alert another
// engine raised about the same subject meanwhile stands; ours becomes an alias of it, not a duplicate.
import { constants } from 'node:fs';
import { copyFile, link, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Alert, AlertFilter } from '../../shared/alerts.js';
import { ALERT_KINDS, SEVERITIES } from '../../shared/alerts.js';
import { ensureDataDir } from './data-dir.js';
import { removeStaleTemps, syncDir, writeFileAtomic } from './atomic-file.js';
import { withFileLock } from './file-lock.js';
import { openPrivate } from './private-files.js';

export const ALERT_LOG_FILE = 'alerts.jsonl';
export const DEFAULT_MAX_LOG_BYTES = 5 * 1024 * 1024;
export const DEFAULT_KEEP_ROTATED = 3;
/** The newest alerts kept in memory (and listed); older ones stay in the files. */
export const MAX_KEPT_ALERTS = 10_000;
/** The newest raised subjects remembered (so they stay quiet); an older one may alert again. */
export const MAX_SUBJECTS = 20_000;
/** Unacknowledged alerts carried into a new file at rotation, at most (and half of maxBytes). */
export const MAX_CARRIED_ALERTS = 1_000;
/** No event Portwatch writes comes near this: a longer line is skipped as damaged without being held. */
const MAX_LINE_BYTES = 1024 * 1024;
const CHUNK_BYTES = 256 * 1024;

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
  /** Told what reading another engine's appends found wrong (a damaged line). */
  onWarning?: (message: string) => void;
  /** Memory caps (tests lower them). */
  maxAlerts?: number;
  maxSubjects?: number;
}

export interface OpenedAlertLog {
  log: AlertLog;
  warnings: string[];
}

export class AlertLog {
  readonly path: string;
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly maxAlerts: number;
  private readonly maxSubjects: number;
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly onWarning: ((message: string) => void) | undefined;
  /** Chronological: a Map keeps insertion order. */
  private alerts = new Map<string, Alert>();
  /** In the order last raised, oldest first. */
  private raised = new Set<string>();
  /** Our alert id → the id of the same subject's alert another engine wrote first. */
  private readonly aliases = new Map<string, string>();
  /** Bytes of the file read (or written) so far, and which file that was (rotation replaces it). */
  private offset = 0;
  private ino: number | null = null;
  /** The size right after the last rotation: what is carried; rotating again before doubling it would only churn. */
  private carriedSize = 0;
  /** The file ends in a torn line: the next append starts on a line of its own. */
  private needsNewline = false;
  private queue: AlertLogEvent[] = [];
  private chain: Promise<void> = Promise.resolve();
  private writing: Promise<void> | null = null;

  private constructor(path: string, options: AlertLogOptions) {
    this.path = path;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_LOG_BYTES;
    this.keep = Math.max(1, options.keep ?? DEFAULT_KEEP_ROTATED);
    this.maxAlerts = Math.max(1, options.maxAlerts ?? MAX_KEPT_ALERTS);
    this.maxSubjects = Math.max(1, options.maxSubjects ?? MAX_SUBJECTS);
    this.onError = options.onError;
    this.onWarning = options.onWarning;
  }

  static async open(dir: string, options: AlertLogOptions = {}): Promise<OpenedAlertLog> {
    await ensureDataDir(dir);
    const path = join(dir, ALERT_LOG_FILE);
    const log = new AlertLog(path, options);
    // Under the lock: a line another engine is appending right now is not mistaken for a torn one.
    const warnings = await withFileLock(path, async () => {
      await removeStaleTemps(path);
      return log.catchUp(null);
    });
    return { log, warnings };
  }

  /** Whether an alert about this subject was raised (and not forgotten since). */
  hasRaised(subject: string): boolean {
    return this.raised.has(subject);
  }

  /** Records a new alert: in memory at once, on disk in the background (flush() waits for it). */
  append(alert: Alert): void {
    this.remember(alert);
    this.write({ type: 'raised', alert });
  }

  get(id: string): Alert | null {
    return this.alerts.get(this.aliases.get(id) ?? id) ?? null;
  }

  acknowledge(id: string, at: number): Alert | null {
    const alert = this.get(id);
    if (alert === null) return null;
    if (alert.acknowledgedAt !== null) return alert;
    const next = { ...alert, acknowledgedAt: at };
    this.alerts.set(alert.id, next);
    this.write({ type: 'acknowledged', id: alert.id, at });
    return next;
  }

  snooze(id: string, until: number): Alert | null {
    const alert = this.get(id);
    if (alert === null) return null;
    const next = { ...alert, snoozedUntil: until };
    this.alerts.set(alert.id, next);
    this.write({ type: 'snoozed', id: alert.id, until });
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

  /** Every alert kept in memory, oldest first. */
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

  /** Newest kept: past the cap the oldest alert goes (it stays in the files). */
  private remember(alert: Alert): void {
    this.alerts.set(alert.id, alert);
    if (this.alerts.size > this.maxAlerts) this.alerts.delete(this.alerts.keys().next().value!);
    if (alert.subject !== undefined) this.addSubject(alert.subject);
  }

  private addSubject(subject: string): void {
    this.raised.delete(subject); // re-added: now the newest
    this.raised.add(subject);
    if (this.raised.size > this.maxSubjects) this.raised.delete(this.raised.values().next().value!);
  }

  /**
   * Reads what was appended since the last read (the whole file when it was replaced: rotated by
   * another engine), streamed in chunks. Call with the lock held: a line without its end is then
   * really torn (a writer died mid-line), skipped, reported. `theirs` collects the subjects raised
   * in what was read, with their alert ids.
   */
  private async catchUp(theirs: Map<string, string> | null): Promise<string[]> {
    let handle: FileHandle;
    try {
      handle = await openPrivate(this.path, constants.O_RDONLY);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.offset = 0;
      this.ino = null;
      return [];
    }
    const warnings: string[] = [];
    let damaged = 0;
    try {
      const s = await handle.stat();
      if ((this.ino !== null && s.ino !== this.ino) || s.size < this.offset) {
        this.offset = 0;
        this.carriedSize = 0;
      }
      this.ino = s.ino;
      const buffer = Buffer.alloc(CHUNK_BYTES);
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let skipping = false;
      let position = this.offset;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position);
        if (bytesRead === 0) break;
        let start = 0;
        for (let nl = buffer.indexOf(10, 0); nl !== -1 && nl < bytesRead; nl = buffer.indexOf(10, start)) {
          const piece = buffer.subarray(start, nl);
          if (skipping || pendingBytes + piece.length > MAX_LINE_BYTES) damaged++;
          else if (!this.replayLine(pendingBytes === 0 ? piece : Buffer.concat([...pending, piece]), theirs)) damaged++;
          pending = [];
          pendingBytes = 0;
          skipping = false;
          start = nl + 1;
        }
        const rest = buffer.subarray(start, bytesRead);
        if (!skipping && pendingBytes + rest.length <= MAX_LINE_BYTES) {
          pending.push(Buffer.from(rest));
          pendingBytes += rest.length;
        } else {
          skipping = true;
          pending = [];
          pendingBytes = 0;
        }
        position += bytesRead;
      }
      const readAny = position > this.offset;
      this.offset = position;
      if (readAny) this.needsNewline = false;
      if (readAny && (pendingBytes > 0 || skipping)) {
        this.needsNewline = true;
        const whole = !skipping && this.replayLine(Buffer.concat(pending), theirs);
        if (!whole) {
          warnings.push(
            `The last line of the alert log (${this.path}) was cut short, probably by a crash while it was written; it was skipped (${skipping ? 'over 1 MB' : `${pendingBytes} bytes`}) and the rest of the log was read.`,
          );
        }
      }
    } finally {
      await handle.close();
    }
    if (damaged > 0) warnings.push(`${damaged} damaged line${damaged === 1 ? ' was' : 's were'} skipped in the alert log (${this.path}); the rest was read.`);
    return warnings;
  }

  /** One line of the log; false when it is not an event. */
  private replayLine(line: Buffer, theirs: Map<string, string> | null): boolean {
    if (line.length === 0 || (line.length === 1 && line[0] === 13)) return true;
    let event: AlertLogEvent;
    try {
      const parsed = eventSchema.safeParse(JSON.parse(line.toString('utf8')));
      if (!parsed.success) return false;
      event = parsed.data as AlertLogEvent;
    } catch {
      return false;
    }
    this.apply(event, theirs);
    return true;
  }

  private apply(event: AlertLogEvent, theirs: Map<string, string> | null): void {
    switch (event.type) {
      case 'raised':
        if (this.alerts.has(event.alert.id) || this.aliases.has(event.alert.id)) break;
        this.remember(event.alert);
        if (theirs !== null && event.alert.subject !== undefined) theirs.set(event.alert.subject, event.alert.id);
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
        for (const s of event.subjects) this.addSubject(s);
        break;
      case 'forgotten':
        for (const s of event.subjects) this.raised.delete(s);
        break;
    }
  }

  private write(event: AlertLogEvent): void {
    this.queue.push(event);
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
    while (this.queue.length > 0) await withFileLock(this.path, () => this.appendLocked());
  }

  /** Catches up with the others, drops what they already said, appends the rest; the lock is held. */
  private async appendLocked(): Promise<void> {
    const theirs = new Map<string, string>();
    for (const w of await this.catchUp(theirs)) this.onWarning?.(w);
    const events: AlertLogEvent[] = [];
    for (const e of this.queue.splice(0)) {
      if (e.type === 'raised' && e.alert.subject !== undefined && theirs.has(e.alert.subject)) {
        // Another engine raised it first: theirs stands, ours answers to its id.
        const id = theirs.get(e.alert.subject)!;
        const ours = this.alerts.get(e.alert.id);
        this.alerts.delete(e.alert.id);
        this.aliases.set(e.alert.id, id);
        const kept = this.alerts.get(id);
        // What the user did to ours meanwhile (acknowledged, snoozed) goes on with theirs.
        if (kept !== undefined && ours !== undefined) {
          if (ours.acknowledgedAt !== null && kept.acknowledgedAt === null) events.push({ type: 'acknowledged', id, at: ours.acknowledgedAt });
          if (ours.snoozedUntil !== null && kept.snoozedUntil !== ours.snoozedUntil) events.push({ type: 'snoozed', id, until: ours.snoozedUntil });
          this.alerts.set(id, { ...kept, acknowledgedAt: ours.acknowledgedAt ?? kept.acknowledgedAt, snoozedUntil: ours.snoozedUntil ?? kept.snoozedUntil });
        }
        continue;
      }
      if ((e.type === 'acknowledged' || e.type === 'snoozed') && this.aliases.has(e.id)) continue; // carried over above
      events.push(e);
    }
    if (events.length === 0) return;
    // A torn last line gets its own line end, so it stays one skipped line and the next event is whole.
    const text = (this.needsNewline ? '\n' : '') + events.map((e) => JSON.stringify(e) + '\n').join('');
    try {
      const handle = await openPrivate(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
      try {
        await handle.write(text);
        await handle.datasync();
        const s = await handle.stat();
        this.offset = s.size;
        this.ino = s.ino;
      } finally {
        await handle.close();
      }
    } catch (e) {
      this.queue = [...events, ...this.queue]; // kept for the next attempt
      throw e;
    }
    this.needsNewline = false;
    if (this.offset > this.maxBytes && this.offset > 2 * this.carriedSize) await this.rotate();
  }

  /**
   * alerts.jsonl → alerts.1.jsonl (older ones shift up, the oldest beyond `keep` goes), and a new
   * alerts.jsonl holding the raised subjects and the newest unacknowledged alerts (at most
   * MAX_CARRIED_ALERTS, and half of maxBytes). The old file is linked to its new name before the new
   * one is renamed over it, so alerts.jsonl always exists whole. The lock is held.
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
    const subjects = JSON.stringify({ type: 'subjects', subjects: [...this.raised] } satisfies AlertLogEvent) + '\n';
    let budget = this.maxBytes / 2;
    const carried: string[] = [];
    const kept = new Map<string, Alert>();
    const all = [...this.alerts.values()];
    for (let i = all.length - 1; i >= 0 && carried.length < MAX_CARRIED_ALERTS; i--) {
      const a = all[i]!;
      if (a.acknowledgedAt !== null) continue;
      const line = JSON.stringify({ type: 'raised', alert: a } satisfies AlertLogEvent) + '\n';
      if (line.length > budget) break;
      budget -= line.length;
      carried.push(line);
      kept.set(a.id, a);
    }
    const text = subjects + carried.reverse().join('');
    await writeFileAtomic(this.path, text);
    await syncDir(dir);
    this.alerts = new Map([...kept].reverse());
    const handle = await openPrivate(this.path, constants.O_RDONLY);
    try {
      const s = await handle.stat();
      this.offset = s.size;
      this.ino = s.ino;
    } finally {
      await handle.close();
    }
    this.carriedSize = this.offset;
  }
}
