// Ending the holder of a port, for real: `portwatch kill` and endProcess against real child processes,
// with the guards that keep it from ending the wrong one.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { ancestorsOf, endProcess, processStartedAt, ProcessControlError } from '../../src/core/process-control.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import { startHolder, stopAll } from '../helpers/children.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { reservePort } from '../helpers/ports.js';
import { startPyHolder, stopAllPy } from '../helpers/py-holders.js';

afterAll(async () => {
  await stopAll();
  await stopAllPy();
});

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Resolves with how the child ended, or rejects if it is still running after ms. */
function ended(child: ChildProcess, ms = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (!running(child)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} still running after ${ms} ms`)), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** The start time the real source shows for pid, as the UI and the CLI would pass it. */
async function shownStartedAt(pid: number): Promise<number> {
  const { sockets } = await new LinuxProcSource().sample();
  const s = sockets.find((x) => x.pid === pid && x.process !== null);
  expect(s, `a socket of pid ${pid}`).toBeDefined();
  return s!.process!.startedAt!;
}

// `kill --port` ends whatever listens on the port: every port here is reserved (helpers/ports.ts), so
// it can only ever be the test's own process, never another program on this machine.
describe('portwatch kill --port', () => {
  it('ends the listener, and leaves a bystander and a client in another process alone', async () => {
    const listener = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1', port: await reservePort() }], 'pw-target');
    const port = listener.endpoints.l!.port;
    const bystander = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }], 'pw-bystander');
    const client = await startPyHolder([{ name: 'c', type: 'tcp', host: '127.0.0.1', connect: { host: '127.0.0.1', port } }], { title: 'pw-client' });

    const { code, stdout, stderr } = await runCli(['kill', '--port', String(port), '--yes']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Ended pw-target \\(pid ${listener.pid}\\): it exited after SIGTERM`));
    expect(await ended(listener.child)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await bystander.alive()).toBe(true);
    expect(await client.alive()).toBe(true);
    await bystander.exit();
    await client.exit();
  });

  it('--clients also ends the processes connected to the port', async () => {
    const listener = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '::1', port: await reservePort() }], 'pw-target');
    const port = listener.endpoints.l!.port;
    const client = await startPyHolder([{ name: 'c', type: 'tcp', host: '::1', connect: { host: '::1', port } }], { title: 'pw-client' });
    const { code, stdout } = await runCli(['kill', '--port', String(port), '--clients', '--yes']);
    expect(code).toBe(0);
    expect(stdout).toContain(`pw-target (pid ${listener.pid})`);
    expect(stdout).toContain(`pw-client (pid ${client.pid})`);
    await ended(listener.child);
    await client.exited;
  });

  it('sends SIGKILL after the grace period to a process that ignores SIGTERM', async () => {
    const stubborn = await startPyHolder([{ name: 'l', type: 'tcp', host: '127.0.0.1', port: await reservePort(), reuseaddr: true }], {
      title: 'pw-stubborn',
      ignoreTerm: true,
    });
    const port = stubborn.endpoints.l!.port;
    const t0 = Date.now();
    const { code, stdout } = await runCli(['kill', '--port', String(port), '--yes', '--grace', '400']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Killed pw-stubborn (pid ${stubborn.pid}) with SIGKILL: it was still running 400 ms after SIGTERM.`);
    expect(await ended(stubborn.child)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  });

  it('without --yes and with no terminal, shows what it would end and refuses (exit 2)', async () => {
    const listener = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1', port: await reservePort() }], 'pw-target');
    const port = listener.endpoints.l!.port;
    const { code, stdout, stderr } = await runCli(['kill', '--port', String(port)]);
    expect(code).toBe(2);
    expect(stdout).toContain(`pw-target (pid ${listener.pid}`);
    expect(stdout).toContain('holder.mjs');
    expect(stderr).toBe("portwatch: not ending anything without confirmation, and stdin is not a terminal to ask on; add --yes\n");
    // It answers after the command is done: no signal reached it.
    expect(await listener.alive()).toBe(true);
    await listener.exit();
  });

  it('asks on a terminal, and a "no" ends nothing', async () => {
    const listener = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1', port: await reservePort() }], 'pw-target');
    const port = listener.endpoints.l!.port;
    let out = '';
    let asked = '';
    const io = (answer: boolean) => ({
      out: (t: string) => void (out += t),
      err: (t: string) => void (out += t),
      interactive: true,
      confirm: async (question: string) => {
        asked = question;
        return answer;
      },
    });
    expect(await main(['kill', '--port', String(port)], io(false))).toBe(1);
    expect(asked).toBe('End this process? [y/N] ');
    expect(out).toContain(`Would end this process on port ${port}:`);
    expect(out).toContain('Nothing ended.');
    expect(await listener.alive()).toBe(true);

    out = '';
    expect(await main(['kill', '--port', String(port), '--grace', '2000'], io(true))).toBe(0);
    expect(out).toContain(`Ended pw-target (pid ${listener.pid})`);
    await ended(listener.child);
  });

  it.skipIf(!hasScript)('on a real terminal (script(1) gives it one) asks "End this process? [y/N]" and takes the answer', async () => {
    const listener = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1', port: await reservePort() }], 'pw-target');
    const port = listener.endpoints.l!.port;
    const ask = async (answer: string) => {
      const child = spawn('script', ['-qec', `${process.execPath} --import tsx src/cli/index.ts kill --port ${port}`, '/dev/null'], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('[y/N]') && answer !== '') {
          child.stdin!.write(`${answer}\n`);
          answer = '';
        }
      });
      const code = await new Promise((r) => child.once('close', r));
      return { code, out };
    };
    const no = await ask('n');
    expect(no.out).toContain(`pw-target (pid ${listener.pid}`);
    expect(no.out).toContain('End this process? [y/N]');
    expect(no.out).toContain('Nothing ended.');
    expect(no.code).toBe(1);
    expect(await listener.alive()).toBe(true);
    const yes = await ask('y');
    expect(yes.out).toContain(`Ended pw-target (pid ${listener.pid})`);
    expect(yes.code).toBe(0);
    await ended(listener.child);
  });

  it('exits 1 with one line when nothing listens on the port', async () => {
    // Reserved: nothing else can listen on it once the holder is gone.
    const port = await reservePort();
    const listener = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1', port }]);
    await listener.exit();
    const { code, stdout, stderr } = await runCli(['kill', '--port', String(port), '--yes']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`portwatch: nothing listens on port ${port}; nothing to end\n`);
  });

  it('--pid ends that process', async () => {
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }], 'pw-by-pid');
    const { code, stdout } = await runCli(['kill', '--pid', String(holder.pid), '--yes']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Ended pw-by-pid (pid ${holder.pid})`);
    await ended(holder.child);
  });
});

describe('endProcess guards', () => {
  it('takes the start time the source shows, exactly', async () => {
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    expect(processStartedAt(holder.pid)).toBe(await shownStartedAt(holder.pid));
    await holder.exit();
  });

  it('refuses a pid whose start time is not the one shown (a reused pid), and signals nothing', async () => {
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }], 'pw-reused');
    const startedAt = await shownStartedAt(holder.pid);
    for (const wrong of [startedAt - 10, startedAt + 1000]) {
      const attempt = endProcess({ pid: holder.pid, startedAt: wrong, graceMs: 0 });
      await expect(attempt).rejects.toThrow(ProcessControlError);
      await expect(attempt).rejects.toMatchObject({ code: 'reused', message: expect.stringMatching(new RegExp(`^refusing to end pid ${holder.pid}: it is now pw-reused, .*the pid was reused, nothing was signalled$`)) });
    }
    expect(await holder.alive()).toBe(true);
    // With the right identity it goes.
    const result = await endProcess({ pid: holder.pid, startedAt, graceMs: 2000 });
    expect(result).toMatchObject({ pid: holder.pid, name: 'pw-reused', outcome: 'terminated', signals: ['SIGTERM'], exited: true });
    await ended(holder.child);
  });

  it('says already-gone for a process that has exited', async () => {
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    const startedAt = await shownStartedAt(holder.pid);
    await holder.exit();
    expect(await endProcess({ pid: holder.pid, startedAt })).toMatchObject({ outcome: 'already-gone', signals: [] });
  });

  it('refuses pid 1, Portwatch itself and its parents', async () => {
    // Each call also carries a wrong start time, so a broken guard is still stopped by the identity check.
    await expect(endProcess({ pid: 1, startedAt: 0 })).rejects.toThrow(/^refusing to end pid 1: pid 1 is init/);
    await expect(endProcess({ pid: 0, startedAt: 0 })).rejects.toThrow(/^refusing to end pid 0/);
    await expect(endProcess({ pid: -5, startedAt: 0 })).rejects.toThrow(/^refusing to end pid -5/);
    await expect(endProcess({ pid: process.pid, startedAt: 1 })).rejects.toThrow(/that is Portwatch itself/);
    const parents = ancestorsOf(process.pid);
    expect(parents[0]).toBe(process.ppid);
    for (const pid of parents.filter((p) => p > 1)) {
      await expect(endProcess({ pid, startedAt: 1 })).rejects.toMatchObject({ code: 'refused', message: expect.stringContaining('it is a parent of Portwatch') });
    }
  });

  it('the CLI refuses its own parent and pid 1 with one line, exit 1', async () => {
    const cases: Array<[number, RegExp]> = [
      [1, /^portwatch: refusing to end pid 1: pid 1 is init, and ending it ends the system\n$/],
      // The CLI runs as a child of this process.
      [process.pid, new RegExp(`^portwatch: refusing to end pid ${process.pid} \\([^)]*\\): it is a parent of Portwatch, and ending it would end Portwatch too\\n$`)],
    ];
    for (const [pid, message] of cases) {
      const { code, stdout, stderr } = await runCli(['kill', '--pid', String(pid), '--yes']);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
    }
  });

  it.skipIf(!isRoot)('EPERM, for real: a user may not end root’s process, and is told to run with more rights', async () => {
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }], 'pw-rooted');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'kill', '--pid', String(holder.pid), '--yes'], {
      cwd: ROOT,
      uid: 65534,
      gid: 65534,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise((r) => child.once('close', r));
    expect(stderr).toBe(`portwatch: not permitted to end pid ${holder.pid} (pw-rooted); run Portwatch with more rights\n`);
    expect(stdout).toBe('');
    expect(code).toBe(1);
    expect(await holder.alive()).toBe(true);
    await holder.exit();
  });
});
