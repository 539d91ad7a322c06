// The history on disk: append-only JSON lines in segments, history/history-<start ms>.ndjson, one
// closed connection or gone listener a line. Why not SQLite: the only drivers that install offline
// here are V8-ABI native addons (better-sqlite3 12, which needs a rebuild against Electron's headers,
// and those cannot be fetched here; 13 needs Node 22) or WASM builds whose file locking leaves a
// lock behind after kill -9; node:sqlite does not exist on Node 20. Lines appended with O_APPEND in
// one write per poll are whole or torn at the end, so a crash loses at most the last poll.
//
// Bounded: a segment is closed past an hour or a tenth of maxBytes; whole segments go once older than
// maxAge (by their last write) or while the folder holds more than maxBytes. Several engines may
// append to one segment at once (O_APPEND keeps each write whole); a query drops the same socket
// recorded by two engines. A damaged segment is kept aside as .corrupt-<time> and its readable lines
// written back, with a warning; symlinks and files of other users are never read nor written. What
// rewrites or removes segments (repair, pruning) holds the folder's cross-process lock.
import { constants, type Stats } from 'node:fs';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseFilter, matchSocket, isEmptyFilter } from '../../shared/filter.js';
import type { HistoryEntry, HistoryQuery, HistoryResult } from '../../shared/history.js';
import { DEFAULT_HISTORY_LIMIT, DEFAULT_HISTORY_MAX_AGE_MS, DEFAULT_HISTORY_MAX_BYTES, entryNames, HISTORY_KINDS } from '../../shared/history.js';
import { keepAside, syncDir, writeFileAtomic } from './atomic-file.js';
import { checkDataDir, ensureDataDir } from './data-dir.js';
import { LockTimeoutError, withFileLock } from './file-lock.js';
import { openPrivate, UnsafeFileError } from './private-files.js';

export const HISTORY_DIR = 'history';
const SEGMENT = /^history-(\d{13})\.ndjson$/;
const SEGMENT_MS = 3600_000;
/** Two engines record the same closing a poll apart at most (MAX_INTERVAL_MS is 60 s). */
const SAME_CLOSING_MS = 65_000;

export interface HistoryLogOptions {
  maxAgeMs?: number;
  maxBytes?: number;
  /** Told when a write fails (the entries stay queued and go with the next write). */
  onError?: (error: Error) => void;
  /** Asked before each periodic pruning: the retention now (the user may have changed it elsewhere). */
  retention?: () => Promise<{ maxAgeMs: number; maxBytes: number }>;
  now?: () => number;
}

interface Segment {
  name: string;
  path: string;
  start: number;
  size: number;
  mtimeMs: number;
}

/** A stored line: the entry plus which engine wrote it (to drop the same closing told twice). */
type StoredEntry = HistoryEntry & { by?: string };

export class HistoryLog {
  readonly dir: string;
  /** The retention now (setRetention changes it). */
  maxAgeMs: number;
  maxBytes: number;
  private readonly now: () => number;
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly retention: HistoryLogOptions['retention'];
  /** This engine's mark on its lines. */
  private readonly writer = randomBytes(4).toString('hex');
  private current: Segment | null = null;
  private queue: string[] = [];
  private writing: Promise<void> | null = null;
  private lastPrune = 0;
  private readonly warned = new Set<string>();
  /** Segments whose last line a crash cut: never appended to again. */
  private readonly sealed = new Set<string>();
  readonly warnings: string[] = [];

  private constructor(dir: string, options: HistoryLogOptions) {
    this.dir = dir;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_HISTORY_MAX_AGE_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_HISTORY_MAX_BYTES;
    this.now = options.now ?? Date.now;
    this.onError = options.onError;
    this.retention = options.retention;
  }

  /** Opens the history in DATA_DIR/history for writing: checks each segment, repairs damage, prunes. */
  static async open(dataDir: string, options: HistoryLogOptions = {}): Promise<HistoryLog> {
    const log = new HistoryLog(join(dataDir, HISTORY_DIR), options);
    await ensureDataDir(log.dir);
    await withFileLock(log.dir, async () => {
      for (const s of await log.segments()) await log.repair(s);
      await log.pruneLocked();
    });
    return log;
  }

  /** Reads the history in DATA_DIR/history without writing anything (the CLI's history command). */
  static reader(dataDir: string, options: Pick<HistoryLogOptions, 'now'> = {}): HistoryLog {
    return new HistoryLog(join(dataDir, HISTORY_DIR), options);
  }

  /** Records entries: at once in the queue, on disk in the background (flush() waits). */
  append(entries: readonly HistoryEntry[]): void {
    if (entries.length === 0) return;
    for (const e of entries) this.queue.push(JSON.stringify({ ...e, by: this.writer }) + '\n');
    this.writing ??= this.drain()
      .catch((e: unknown) => this.onError?.(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        this.writing = null;
      });
  }

  /** Resolves when every entry so far is on disk (or its write failed and was told). */
  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }

  async query(query: HistoryQuery = {}): Promise<HistoryResult> {
    const since = query.since ?? 0;
    const until = query.until ?? Infinity;
    const limit = query.limit ?? DEFAULT_HISTORY_LIMIT;
    const kinds = new Set(query.kinds && query.kinds.length > 0 ? query.kinds : HISTORY_KINDS);
    const filter = parseFilter(query.filter ?? '');
    const anyFilter = !isEmptyFilter(filter);
    const warnings: string[] = [];
    let segments: Segment[];
    try {
      await checkDataDir(this.dir);
      segments = await this.segments(warnings);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], matched: 0, totals: emptyTotals(), oldest: null, warnings };
      throw e;
    }
    const matches: StoredEntry[] = [];
    const oldest = segments[0]?.start ?? null;
    for (const s of segments) {
      // A segment holds what closed after its start (less a poll) and before its last write.
      if (s.start - SAME_CLOSING_MS > until || s.mtimeMs + SAME_CLOSING_MS < since) continue;
      const { entries, damaged } = await this.readSegment(s, warnings);
      if (damaged > 0) warnings.push(`${damaged} damaged line${damaged === 1 ? ' was' : 's were'} skipped in ${s.path}`);
      for (const e of entries) {
        if (e.closedAt < since || e.closedAt > until || !kinds.has(e.kind)) continue;
        if (anyFilter && !matchSocket(filter, e, () => entryNames(e))) continue;
        matches.push(e);
      }
    }
    const unique = dropRepeats(matches);
    unique.sort((a, b) => b.closedAt - a.closedAt);
    const totals = emptyTotals();
    for (const e of unique) {
      if (e.kind === 'connection') totals.connections++;
      else totals.listeners++;
      totals.bytesSent += e.bytesSent ?? 0;
      totals.bytesReceived += e.bytesReceived ?? 0;
    }
    const entries = unique.slice(0, limit).map(({ by: _by, ...e }) => e as HistoryEntry);
    return { entries, matched: unique.length, totals, oldest, warnings: [...this.warnings, ...warnings] };
  }

  /** Bytes on disk now (every segment). */
  async size(): Promise<number> {
    return (await this.segments()).reduce((n, s) => n + s.size, 0);
  }

  // ---- writing ----

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const lines = this.queue;
      this.queue = [];
      const text = lines.join('');
      try {
        const segment = await this.segmentFor(Buffer.byteLength(text));
        // Never through a link, only a file of the user's (private-files.ts).
        const handle = await openPrivate(segment.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
        try {
          await handle.write(text);
          await handle.datasync();
          const st = await handle.stat();
          segment.size = st.size;
          segment.mtimeMs = st.mtimeMs;
        } finally {
          await handle.close();
        }
      } catch (e) {
        this.queue = [...lines, ...this.queue];
        // Bounded even when the disk refuses: the oldest queued lines go first.
        if (this.queue.length > 100_000) this.queue.splice(0, this.queue.length - 100_000);
        throw e;
      }
      if (this.now() - this.lastPrune > 60_000) await this.prune();
    }
  }

  /** The segment to append to: this engine's, or the newest one while it is young and small; else a new one. */
  private async segmentFor(bytes: number): Promise<Segment> {
    const now = this.now();
    const fits = (s: Segment) => now - s.start < SEGMENT_MS && s.size + bytes <= this.maxBytes / 10 && !this.sealed.has(s.path);
    if (this.current !== null && fits(this.current)) return this.current;
    const newest = (await this.segments()).at(-1);
    if (newest !== undefined && fits(newest)) return (this.current = newest);
    const start = Math.max(now, (newest?.start ?? 0) + 1);
    const name = `history-${String(start).padStart(13, '0')}.ndjson`;
    this.current = { name, path: join(this.dir, name), start, size: 0, mtimeMs: now };
    return this.current;
  }

  /**
   * Keeps this much from now on, and removes at once what it no longer keeps (waiting for the folder's
   * lock, as opening does): a smaller retention frees the disk when it is set, not a minute later.
   */
  async setRetention(limits: { maxAgeMs: number; maxBytes: number }): Promise<void> {
    this.maxAgeMs = limits.maxAgeMs;
    this.maxBytes = limits.maxBytes;
    await this.flush();
    await withFileLock(this.dir, () => this.pruneLocked());
  }

  /** Pruning waits a little for another engine's; it is tried again a minute later. */
  private async prune(): Promise<void> {
    this.lastPrune = this.now();
    if (this.retention !== undefined) ({ maxAgeMs: this.maxAgeMs, maxBytes: this.maxBytes } = await this.retention().catch(() => ({ maxAgeMs: this.maxAgeMs, maxBytes: this.maxBytes })));
    try {
      await withFileLock(this.dir, () => this.pruneLocked(), 2000);
    } catch (e) {
      if (!(e instanceof LockTimeoutError)) throw e;
    }
  }

  /** Whole segments older than maxAge, then the oldest while the folder is over maxBytes. */
  private async pruneLocked(): Promise<void> {
    this.lastPrune = this.now();
    const segments = await this.segments();
    let total = segments.reduce((n, s) => n + s.size, 0);
    const cutoff = this.now() - this.maxAgeMs;
    let removed = false;
    for (const s of segments) {
      const tooOld = s.mtimeMs < cutoff;
      if (!tooOld && total <= this.maxBytes) break;
      if (s.path === this.current?.path && !tooOld) break;
      await unlink(s.path).catch(() => {});
      if (s.path === this.current?.path) this.current = null;
      total -= s.size;
      removed = true;
    }
    if (removed) await syncDir(this.dir).catch(() => {});
  }

  // ---- reading ----

  /** Segments oldest first; what is not a plain file of ours is skipped with a warning. */
  private async segments(warnings: string[] = this.warnings): Promise<Segment[]> {
    const out: Segment[] = [];
    for (const name of await readdir(this.dir)) {
      const m = SEGMENT.exec(name);
      if (m === null) continue;
      const path = join(this.dir, name);
      let st: Stats;
      try {
        st = await lstat(path);
      } catch {
        continue; // pruned meanwhile
      }
      const problem = !st.isFile() ? 'is not a plain file (a symlink?)' : typeof process.getuid === 'function' && st.uid !== process.getuid() ? 'belongs to another user' : null;
      if (problem !== null) {
        this.warnOnce(warnings, `${path} ${problem}; it was not read`);
        continue;
      }
      out.push({ name, path, start: Number(m[1]), size: st.size, mtimeMs: st.mtimeMs });
    }
    return out.sort((a, b) => a.start - b.start);
  }

  private warnOnce(warnings: string[], message: string): void {
    if (warnings === this.warnings && this.warned.has(message)) return;
    if (warnings === this.warnings) this.warned.add(message);
    warnings.push(message);
  }

  private async readSegment(s: Segment, warnings: string[] = this.warnings): Promise<{ entries: StoredEntry[]; damaged: number; torn: boolean }> {
    let text: string;
    try {
      // Checked again: the file may have been swapped since it was listed.
      const handle = await openPrivate(s.path, constants.O_RDONLY);
      try {
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], damaged: 0, torn: false };
      if (e instanceof UnsafeFileError) {
        this.warnOnce(warnings, `${e.message}; it was not read`);
        return { entries: [], damaged: 0, torn: false };
      }
      throw e;
    }
    return parseSegment(text);
  }

  /** A segment with damaged lines (not only a torn last one) is kept aside and its good lines written back. */
  private async repair(s: Segment): Promise<void> {
    const { entries, damaged, torn } = await this.readSegment(s);
    if (damaged === 0 && !torn) return;
    if (damaged === 0) {
      // Only the last line was cut by a crash: the file stays as it is (readers skip a cut last line)
      // and nothing is appended to it again, so that line never turns into damage in the middle.
      this.sealed.add(s.path);
      this.warnOnce(this.warnings, `The last line of ${s.path} was cut short, probably by a crash while it was written; it was skipped.`);
      return;
    }
    const aside = await keepAside(s.path, this.now());
    await writeFileAtomic(s.path, entries.map((e) => JSON.stringify(e) + '\n').join(''));
    this.warnOnce(
      this.warnings,
      `History file ${s.path} was damaged (${damaged} unreadable line${damaged === 1 ? '' : 's'}); the original was kept aside as ${aside} and its ${entries.length} readable entries kept.`,
    );
  }
}

function emptyTotals(): HistoryResult['totals'] {
  return { connections: 0, listeners: 0, bytesSent: 0, bytesReceived: 0 };
}

/** Lines that parse as entries; a torn last line (no final newline) is told apart from damage. */
export function parseSegment(text: string): { entries: StoredEntry[]; damaged: number; torn: boolean } {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const entries: StoredEntry[] = [];
  let damaged = 0;
  for (const line of lines) {
    if (line === '') continue;
    const e = readEntry(line);
    if (e === null) damaged++;
    else entries.push(e);
  }
  let torn = false;
  if (last !== '') {
    const e = readEntry(last);
    if (e === null) torn = true;
    else entries.push(e);
  }
  return { entries, damaged, torn };
}

/** One line, checked enough that every reader can rely on the fields it uses. */
function readEntry(line: string): StoredEntry | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const e = v as Partial<StoredEntry>;
  const ok =
    (e.kind === 'connection' || e.kind === 'listener') &&
    typeof e.id === 'string' &&
    (e.protocol === 'tcp' || e.protocol === 'udp') &&
    (e.family === 4 || e.family === 6) &&
    typeof e.localAddress === 'string' &&
    typeof e.localPort === 'number' &&
    (e.remoteAddress === null || typeof e.remoteAddress === 'string') &&
    (e.remotePort === null || typeof e.remotePort === 'number') &&
    typeof e.state === 'string' &&
    typeof e.openedAt === 'number' &&
    typeof e.closedAt === 'number' &&
    (e.pid === null || typeof e.pid === 'number') &&
    (e.process === null || (typeof e.process === 'object' && typeof e.process.name === 'string' && typeof e.process.cmdline === 'string'));
  if (!ok) return null;
  return {
    ...(e as StoredEntry),
    listening: e.listening === true,
    otherHolders: Array.isArray(e.otherHolders) ? e.otherHolders : [],
    inode: typeof e.inode === 'number' ? e.inode : null,
    firstSeen: typeof e.firstSeen === 'number' ? e.firstSeen : e.openedAt!,
    bytesSent: typeof e.bytesSent === 'number' ? e.bytesSent : null,
    bytesReceived: typeof e.bytesReceived === 'number' ? e.bytesReceived : null,
    rttMs: typeof e.rttMs === 'number' ? e.rttMs : null,
    remoteHost: typeof e.remoteHost === 'string' ? e.remoteHost : null,
    remoteCountry: typeof e.remoteCountry === 'string' ? e.remoteCountry : null,
    remoteAsn: typeof e.remoteAsn === 'number' ? e.remoteAsn : null,
    remoteOrg: typeof e.remoteOrg === 'string' ? e.remoteOrg : null,
  };
}

/** The same socket closing, recorded by two engines a poll apart: kept once (the first written). */
function dropRepeats(entries: StoredEntry[]): StoredEntry[] {
  entries.sort((a, b) => a.closedAt - b.closedAt);
  const last = new Map<string, StoredEntry>();
  const out: StoredEntry[] = [];
  for (const e of entries) {
    const key = `${e.kind} ${e.id}`;
    const seen = last.get(key);
    if (seen !== undefined && seen.by !== e.by && e.closedAt - seen.closedAt <= SAME_CLOSING_MS) continue;
    last.set(key, e);
    out.push(e);
  }
  return out;
}
