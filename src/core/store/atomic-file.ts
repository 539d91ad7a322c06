// Files the user cannot afford to lose. A write goes to a temporary file in the same folder, is flushed
// to disk, and renamed over the old one, so a crash at any moment leaves either the old file or the new
// one, never half of each. A file that cannot be read is never overwritten: it is renamed aside, the
// caller gets a warning to show, and starts from defaults. A file from a newer Portwatch is left as it
// is, never rewritten in an older format. Files are read through private-files.ts (no links, ours
// only); the temporary file is created O_EXCL|O_NOFOLLOW with an unguessable name, and rename()
// replaces a link planted at the target instead of writing through it.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { printable } from '../../shared/printable.js';
import { readPrivateFile } from './private-files.js';

const TEMP_MARK = '.tmp-';

/** Writes data to path atomically: temp file in the same folder, fsync, rename, fsync the folder. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temp = join(dirname(path), `${basename(path)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0), mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw e;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
  await syncDir(dirname(path));
}

/** Makes a rename durable: the folder's entry is on disk too. Not possible (nor needed) on Windows. */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself has still happened.
  } finally {
    await handle?.close();
  }
}

/**
 * Removes temporary files a killed writer left next to path. Only those of processes that are gone:
 * a live one (another Portwatch sharing the folder) may be about to rename its file.
 */
export async function removeStaleTemps(path: string): Promise<void> {
  const prefix = `${basename(path)}${TEMP_MARK}`;
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (pid === process.pid || (Number.isInteger(pid) && pid > 0 && isAlive(pid))) continue;
    await unlink(join(dirname(path), name)).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** "2025-01-02T03-04-05-678Z": a timestamp that is a valid file name everywhere. */
export function fileTimestamp(ms = Date.now()): string {
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}

/** Renames a file aside as NAME.corrupt-<timestamp> (never deletes it) and returns the new path. */
export async function keepAside(path: string, now = Date.now()): Promise<string> {
  const base = `${path}.corrupt-${fileTimestamp(now)}`;
  for (let i = 0; ; i++) {
    const target = i === 0 ? base : `${base}-${i}`;
    try {
      await lstat(target);
      continue; // taken: never rename over an earlier backup (or a link)
    } catch {
      // free
    }
    await rename(path, target);
    await syncDir(dirname(path));
    return target;
  }
}

export interface LoadedFile<T> {
  value: T;
  /** The file was there (whether or not it could be read). */
  existed: boolean;
  /** Said plainly for the user; null when the file was read, or simply was not there yet. */
  warning: string | null;
  /** Where the unreadable file was kept, or null. */
  backup: string | null;
  /**
   * False when the unreadable file could not even be moved aside, or is from a newer Portwatch: then
   * the caller must not write, or it would overwrite the only copy (or downgrade it).
   */
  writable: boolean;
  /** Written by a newer Portwatch: left in place, untouched. */
  newer: boolean;
}

export interface LoadOptions<T> {
  /** How to name the file to the user: "trust store". */
  what: string;
  defaults: () => T;
  /** The format version this code writes; a file with a higher "version" is from a newer Portwatch. */
  version?: number;
  /** What starting over means, appended to the warning: "Portwatch started with an empty trust store." */
  consequence: string;
  /** What a newer file means for this run, appended to its warning; default: changes are not saved. */
  newerConsequence?: string;
}

/**
 * Reads and validates a JSON file; an unreadable or invalid one is kept aside and defaults returned.
 * A link, a non-file or another user's file throws UnsafeFileError: it is not ours to move.
 */
export async function loadJsonFile<T>(path: string, schema: z.ZodType<T>, options: LoadOptions<T>): Promise<LoadedFile<T>> {
  let text: string;
  try {
    const read = await readPrivateFile(path);
    if (read === null) return { value: options.defaults(), existed: false, warning: null, backup: null, writable: true, newer: false };
    text = read;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EUNSAFE') throw e;
    return setAside(path, `it cannot be read (${code ?? String(e)})`, options);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // The parser's message quotes the file's bytes: escaped, they cannot reach a terminal raw.
    return setAside(path, `it is not valid JSON (${printable(e instanceof Error ? e.message : String(e))})`, options);
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (options.version !== undefined && typeof version === 'number' && version > options.version) {
    // Never downgraded: the newer Portwatch will read it again as it left it.
    return {
      value: options.defaults(),
      existed: true,
      warning:
        `Portwatch cannot use its ${options.what} (${path}): it was written by a newer Portwatch (format ${version}; this one reads format ${options.version}). ` +
        `It is left as it is. ${options.newerConsequence ?? 'Changes made now are not saved.'}`,
      backup: null,
      writable: false,
      newer: true,
    };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    return setAside(path, `its content is not what Portwatch expects${where}: ${issue?.message ?? 'invalid'}`, options);
  }
  return { value: parsed.data, existed: true, warning: null, backup: null, writable: true, newer: false };
}

async function setAside<T>(path: string, reason: string, options: LoadOptions<T>): Promise<LoadedFile<T>> {
  try {
    const backup = await keepAside(path);
    return {
      value: options.defaults(),
      existed: true,
      warning: `Portwatch could not read its ${options.what} (${path}): ${reason}. The file was kept as ${backup}. ${options.consequence}`,
      backup,
      writable: true,
      newer: false,
    };
  } catch (e) {
    return {
      value: options.defaults(),
      existed: true,
      warning:
        `Portwatch could not read its ${options.what} (${path}): ${reason}, and could not move it aside ` +
        `(${e instanceof Error ? e.message : String(e)}). It is left untouched and changes will not be saved until it is fixed or removed. ${options.consequence}`,
      backup: null,
      writable: false,
      newer: false,
    };
  }
}

/** Identity of a file version: changes whenever anyone replaces or rewrites it. */
export async function fileStamp(path: string): Promise<string | null> {
  try {
    const s = await lstat(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return null;
  }
}
