// The cross-process lock against what other processes leave behind: a holder killed with -9, a pid
// that now belongs to someone else, a live holder that is merely slow, an empty folder from an older
// Portwatch, and the staging folders of a locker killed mid-way. Real child processes are the holders.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readProcStat } from '../../../../src/core/sources/proc-process.js';
import { LockTimeoutError, withFileLock } from '../../../../src/core/store/file-lock.js';
import { removeDataDirs, tempDataDir } from '../../../helpers/data-dirs.js';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  removeDataDirs();
});

/** A real process that idles until killed, with its identity as a lock's owner file says it. */
async function idler(): Promise<{ child: ChildProcess; owner: string }> {
  const child = spawn(process.execPath, ['-e', 'process.stdout.write("up\\n"); setInterval(() => {}, 1e6)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  await new Promise((r) => child.stdout!.once('data', r));
  const stat = readProcStat('/proc', child.pid!);
  return { child, owner: `${child.pid} ${stat!.startTicks}` };
}

function plantLock(path: string, owner: string): void {
  mkdirSync(`${path}.lock`);
  writeFileSync(join(`${path}.lock`, 'owner'), owner + '\n');
}

describe('withFileLock', () => {
  it('takes a lock whose holder was killed with -9 at once, not after a stale time', async () => {
    const path = join(tempDataDir('lock'), 'trust.json');
    const { child, owner } = await idler();
    plantLock(path, owner);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // A short wait: only seeing the holder dead lets it in within it.
    expect(await withFileLock(path, async () => 'ran', 10_000)).toBe('ran');
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('takes a lock whose pid now belongs to another process (another start time)', async () => {
    const path = join(tempDataDir('lock'), 'trust.json');
    plantLock(path, `${process.pid} 1`);
    expect(await withFileLock(path, async () => 'ran', 10_000)).toBe('ran');
  });

  it('never takes a live holder’s lock, however long it holds it; it goes on once the holder is gone', async () => {
    const path = join(tempDataDir('lock'), 'trust.json');
    const { child, owner } = await idler();
    plantLock(path, owner);
    let ran = false;
    const error = await withFileLock(path, async () => (ran = true), 1500).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as Error).message).toContain(`(${owner})`);
    expect(ran).toBe(false);
    expect(readdirSync(`${path}.lock`)).toEqual(['owner']);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await withFileLock(path, async () => 'ran', 10_000)).toBe('ran');
  });

  it('runs one at a time within a process too, and leaves nothing behind', async () => {
    const dir = tempDataDir('lock');
    const path = join(dir, 'settings.json');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        withFileLock(path, async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setImmediate(r));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('clears an empty lock folder (an older Portwatch’s) and what a killed locker left beside the lock', async () => {
    const dir = tempDataDir('lock');
    const path = join(dir, 'alerts.log');
    // A pid no process can have (above the kernel's pid_max): dead for sure, whatever else runs here.
    const deadPid = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
    mkdirSync(`${path}.lock`);
    mkdirSync(`${path}.lock.new-${deadPid}-0a1b2c3d`);
    writeFileSync(join(`${path}.lock.new-${deadPid}-0a1b2c3d`, 'owner'), `${deadPid} 5\n`);
    mkdirSync(`${path}.lock.dead-${deadPid}-0a1b2c3d`);
    expect(await withFileLock(path, async () => readdirSync(dir).sort(), 10_000)).toEqual(['alerts.log.lock']);
    expect(readdirSync(dir)).toEqual([]);
  });
});
