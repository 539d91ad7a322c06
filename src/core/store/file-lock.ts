// One writer at a time across processes: the app's engine, `serve`, `watch` and each `portwatch trust`
// may share a data folder, and a read-merge-write of a store must not interleave with another's, or one
// of them loses what the other saved.
//
// The lock of NAME is a folder NAME.lock holding an `owner` file: the holder's pid and start time. It
// is made whole elsewhere and renamed into place (rename fails while another lock is there), and
// released by renaming it away, so a lock never exists without its owner, even if its holder is killed
// at any instant. A holder that died (kill -9, a crash: its pid is free, or now another process's) is
// seen at once and its lock taken over: the taker renames the dead lock aside (only one taker can),
// checks it was the dead one, and removes it. A live holder is never taken over, however slow it is.
//
// Not proper-lockfile: it makes the lock (mkdir) before anything can say who holds it, so a holder
// killed in between leaves a lock only its stale timer frees (kill -9 tests waited out the 60 s), and
// its stale reclaim (rmdir, then mkdir) lets two processes hold the lock at once (its issue #121).
// What is left here: a taker delayed between reading a dead owner and moving the lock could move a
// fresh one; it puts it back at once, and only a third locker in those microseconds could slip in.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readProcStat } from '../sources/proc-process.js';

/** How long a writer waits for the lock before it reports the write as failed. */
export const LOCK_WAIT_MS = 60_000;
/** Where a holder's start time cannot be read (not Linux): a lock this old is taken as its holder's last. */
const UNVERIFIABLE_STALE_MS = 10 * 60_000;
const OWNER_FILE = 'owner';

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

/** A process's identity: pid and start time (a reused pid is another process); the time is 0 where unknown. */
function identity(pid: number): string {
  if (process.platform !== 'linux') return `${pid} 0`;
  const stat = readProcStat('/proc', pid);
  return stat === null ? `${pid} gone` : `${pid} ${stat.startTicks}`;
}

let self: string | null = null;
const me = () => (self ??= identity(process.pid));
const unique = () => `${process.pid}-${randomBytes(4).toString('hex')}`;

async function ownerOf(lockPath: string): Promise<string | null> {
  try {
    return (await readFile(join(lockPath, OWNER_FILE), 'utf8')).trim();
  } catch {
    return null;
  }
}

/** Whether the process that wrote `owner` is gone. */
async function isDead(owner: string, lockPath: string): Promise<boolean> {
  const m = /^(\d+) (\d+)$/.exec(owner);
  if (m === null) return true; // not an owner any Portwatch writes
  const pid = Number(m[1]);
  if (process.platform === 'linux') return identity(pid) !== owner;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  const age = await lstat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
  return age > UNVERIFIABLE_STALE_MS;
}

/** One try: true when the lock is ours now. */
async function tryAcquire(lockPath: string): Promise<boolean> {
  const staging = `${lockPath}.new-${unique()}`;
  await mkdir(staging, { mode: 0o700 });
  try {
    await writeFile(join(staging, OWNER_FILE), me() + '\n', { mode: 0o600, flag: 'wx' });
    await rename(staging, lockPath);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM' || code === 'EISDIR') return false;
    throw e;
  } finally {
    await rm(staging, { recursive: true, force: true }).catch(() => {});
  }
}

/** Takes a dead holder's lock away; one that turned out not to be the dead one is put back. */
async function takeOver(lockPath: string, deadOwner: string): Promise<void> {
  const aside = `${lockPath}.dead-${unique()}`;
  try {
    await rename(lockPath, aside); // only one taker moves it
  } catch {
    return; // another taker (or its holder's release) was first
  }
  const moved = await ownerOf(aside);
  if (moved === deadOwner || moved === null) {
    await rm(aside, { recursive: true, force: true }).catch(() => {});
    return;
  }
  // Between reading and moving, the dead lock was replaced by a live one: give it back.
  await rename(aside, lockPath).catch(() => rm(aside, { recursive: true, force: true }).catch(() => {}));
}

/** Removes what killed lockers left beside the lock (staging and aside folders of dead pids). */
async function sweep(lockPath: string): Promise<void> {
  const prefix = `${basename(lockPath)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(lockPath));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(?:new|dead)-(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
    if (m === null || Number(m[1]) === process.pid) continue;
    if (!isAlive(Number(m[1]))) await rm(join(dirname(lockPath), name), { recursive: true, force: true }).catch(() => {});
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

/** Releases our lock: moved away whole, and only if it is still ours. */
async function release(lockPath: string): Promise<void> {
  if ((await ownerOf(lockPath)) !== me()) return;
  const gone = `${lockPath}.dead-${unique()}`;
  try {
    await rename(lockPath, gone);
  } catch {
    return;
  }
  await rm(gone, { recursive: true, force: true }).catch(() => {});
}

/**
 * Runs `run` while holding the lock of `path` (the folder `path`.lock), waiting up to waitMs for it.
 * Throws LockTimeoutError if it cannot be had (a live process holds it that long): the caller reports
 * its write as not saved. Not reentrant: a holder must not ask for the same lock again.
 */
export async function withFileLock<T>(path: string, run: () => Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
  const lockPath = `${path}.lock`;
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; !(await tryAcquire(lockPath)); attempt++) {
    const owner = await ownerOf(lockPath);
    if (owner !== null && (await isDead(owner, lockPath))) {
      await takeOver(lockPath, owner);
      continue;
    }
    if (owner === null) {
      // A folder without an owner is no lock we make (an older Portwatch's, or a stray one): gone at once.
      const empty = await readdir(lockPath).then((n) => n.length === 0, () => false);
      if (empty) await rmdir(lockPath).catch(() => {}); // fails harmlessly if a real lock just replaced it
    }
    if (Date.now() > deadline) {
      throw new LockTimeoutError(`another Portwatch (${owner ?? 'unknown'}) has held ${lockPath} for more than ${Math.round(waitMs / 1000)} s`);
    }
    await new Promise((r) => setTimeout(r, Math.min(200, 5 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random())));
  }
  try {
    await sweep(lockPath);
    return await run();
  } finally {
    await release(lockPath);
  }
}
