// Opening the files of the data folder: never through a symbolic link (O_NOFOLLOW; a link there could
// make Portwatch read or append to any file its user may write, root's included), only a regular file
// (a FIFO would hang a read) that belongs to the user, and private to the user (0600).
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { printable } from '../../shared/printable.js';

/** A data file that is a link, not a regular file, or another user's: it is neither read nor written. */
export class UnsafeFileError extends Error {
  override name = 'UnsafeFileError';
  readonly code = 'EUNSAFE';
}

// Windows has neither flag (nor symlinks a user can plant without privileges).
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** Opens path with flags (O_CREAT makes it 0600), after the checks above; the caller closes it. */
export async function openPrivate(path: string, flags: number, uid: number | undefined = process.getuid?.()): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, flags | NOFOLLOW | NONBLOCK, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new UnsafeFileError(`${printable(path)} is a symbolic link, and Portwatch never follows links in its data folder; remove it`);
    }
    throw e;
  }
  try {
    checkStats(path, await handle.stat(), uid);
    // Written by an older Portwatch, or copied in: make it private like the files Portwatch creates.
    if (uid !== undefined && ((await handle.stat()).mode & 0o077) !== 0) await handle.chmod(0o600);
  } catch (e) {
    await handle.close().catch(() => {});
    throw e;
  }
  return handle;
}

function checkStats(path: string, s: Stats, uid: number | undefined): void {
  // A folder in a file's place is a mistake, not an attack: it reads as unreadable (and is moved aside).
  if (s.isDirectory()) throw Object.assign(new Error(`${printable(path)} is a folder`), { code: 'EISDIR' });
  if (!s.isFile()) throw new UnsafeFileError(`${printable(path)} is not a regular file; Portwatch reads and writes only its own files there`);
  if (uid !== undefined && s.uid !== uid) {
    throw new UnsafeFileError(`${printable(path)} belongs to uid ${s.uid}, not to you (uid ${uid}); Portwatch does not trust a file another user may have planted`);
  }
}

/** The file's text, or null when it does not exist. */
export async function readPrivateFile(path: string): Promise<string | null> {
  let handle: FileHandle;
  try {
    handle = await openPrivate(path, constants.O_RDONLY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
