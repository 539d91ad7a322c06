// One writer at a time across processes: the app's engine, `serve`, `watch` and each `portwatch trust`
// may share a data folder, and a read-merge-write of a store must not interleave with another's, or
// one of them loses what the other saved. proper-lockfile holds the lock (an atomic mkdir of
// NAME.lock, its mtime refreshed while held, judged stale when it stops being refreshed). Beside it we
// write who holds it (pid and start time): a holder killed with -9 is then seen dead at once and its
// lock handed on, instead of after the stale time.
import { readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { readProcStat } from '../sources/proc-process.js';

/**
 * A lock not refreshed for this long is stale (its holder froze, or died where its death cannot be
 * seen). Long, because a holder starved of CPU on a loaded machine must not lose its lock; a dead
 * holder is recognised at once by its pid and start time instead.
 */
const STALE_MS = 60_000;
const UPDATE_MS = 5_000;
/** How long a writer waits for the lock before it reports the write as failed: past a stale lock. */
export const LOCK_WAIT_MS = 90_000;
const OWNER_FILE = 'owner';

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

/** Our identity: pid and start time (a reused pid is another process). */
function identity(pid: number): string | null {
  if (process.platform !== 'linux') return null;
  const stat = readProcStat('/proc', pid);
  return stat === null ? null : `${pid} ${stat.startTicks}`;
}

let self: string | null | undefined;

/**
 * Whether the lock's holder is gone: its recorded pid is free or now another process's, or it stopped
 * refreshing the lock. Its owner file is then removed (proper-lockfile removes a stale lock with
 * rmdir, which needs the folder empty).
 */
async function holderIsGone(lockPath: string): Promise<boolean> {
  const gone = (await ownerIsDead(lockPath)) || (await stat(lockPath).then((s) => Date.now() - s.mtimeMs > STALE_MS, () => false));
  if (gone) await unlink(join(lockPath, OWNER_FILE)).catch(() => {});
  return gone;
}

async function ownerIsDead(lockPath: string): Promise<boolean> {
  let owner: string;
  try {
    owner = (await readFile(join(lockPath, OWNER_FILE), 'utf8')).trim();
  } catch {
    return false; // not written yet, or the lock just went: nothing to judge
  }
  const m = /^(\d+) (\d+)$/.exec(owner);
  if (m === null) return false;
  const pid = Number(m[1]);
  if (process.platform === 'linux') return identity(pid) !== owner;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Changes the lock folder's content without changing its mtime: proper-lockfile takes a changed mtime
 * for another process taking the lock over.
 */
async function touchInside(lockPath: string, change: () => Promise<unknown>): Promise<void> {
  try {
    const before = await stat(lockPath);
    await change();
    await utimes(lockPath, before.atime, before.mtime);
  } catch {
    // Best effort: without its owner file the lock is still a lock, judged stale by its mtime.
  }
}

/**
 * Runs `run` while holding the lock of `path` (the lock is `path`.lock), waiting up to LOCK_WAIT_MS
 * for it. Throws LockTimeoutError if it cannot be had, and an error if it was lost meanwhile (held by
 * a process frozen longer than the stale time): the caller reports its write as not saved.
 */
export async function withFileLock<T>(path: string, run: () => Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
  const lockPath = `${path}.lock`;
  const deadline = Date.now() + waitMs;
  let compromised: Error | null = null;
  let release: () => Promise<void>;
  for (let attempt = 0; ; attempt++) {
    try {
      release = await lockfile.lock(path, {
        realpath: false,
        lockfilePath: lockPath,
        stale: STALE_MS,
        update: UPDATE_MS,
        retries: 0,
        onCompromised: (e) => {
          compromised = e;
        },
      });
      break;
    } catch (e) {
      // ENOTEMPTY: proper-lockfile found it stale before we removed its owner file; the next turn does.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ELOCKED' && code !== 'ENOTEMPTY') throw e;
      if (Date.now() > deadline) throw new LockTimeoutError(`another Portwatch has held ${lockPath} for more than ${Math.round(waitMs / 1000)} s`);
      // A dead holder's lock is made to look stale, so proper-lockfile removes it its own careful way.
      if (await holderIsGone(lockPath)) await utimes(lockPath, 0, 0).catch(() => {});
      await new Promise((r) => setTimeout(r, Math.min(200, 5 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random())));
    }
  }
  try {
    self ??= identity(process.pid);
    if (self !== null) await touchInside(lockPath, () => writeFile(join(lockPath, OWNER_FILE), self + '\n', { mode: 0o600 }));
    const result = await run();
    if (compromised !== null) throw new Error(`the lock ${lockPath} was lost while writing (${(compromised as Error).message})`);
    return result;
  } finally {
    if (self !== null) await touchInside(lockPath, () => unlink(join(lockPath, OWNER_FILE)));
    await release().catch(() => {});
  }
}

