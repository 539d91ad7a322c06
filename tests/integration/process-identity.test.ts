// Who holds a socket, when that changes under a running monitor: a holder that exec()s into another
// program (issue 10: it must not keep its old, trusted identity), a socket shared by two processes
// (every holder shown, the same in snapshot and watch), and sockets in another network namespace.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AlertEngine } from '../../src/core/alert-engine.js';
import { Monitor } from '../../src/core/monitor.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import type { Socket } from '../../src/shared/model.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';
import { cleanUpExeHolders, tempNodeCopy } from '../helpers/exe-holders.js';
import { pythonPath } from '../helpers/py-holders.js';

const SCRIPT = fileURLToPath(new URL('../helpers/py-identity.py', import.meta.url));
const children = new Set<ChildProcess>();
const extraPids = new Set<number>();
const engines: AlertEngine[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'portwatch-identity-'));

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});
afterAll(async () => {
  for (const pid of extraPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await Promise.all(
    [...children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
  await cleanUpExeHolders();
  removeDataDirs();
  rmSync(scratch, { recursive: true, force: true });
});

interface IdentityHolder {
  pid: number;
  port: number;
  send(line: string): void;
  line(): Promise<string>;
}

async function startIdentityHolder(prefix: string[] = [], host = '127.0.0.1'): Promise<IdentityHolder> {
  const [command, ...args] = [...prefix, pythonPath(), SCRIPT, host];
  const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const line = async () => {
    const next = await lines.next();
    if (next.done) throw new Error('the holder exited');
    return String(next.value);
  };
  const ready = JSON.parse(await line()) as { pid: number; port: number };
  return { ...ready, send: (l) => child.stdin!.write(`${l}\n`), line };
}

const listenerOn = (sockets: Iterable<Socket>, port: number) => [...sockets].find((s) => s.protocol === 'tcp' && s.listening && s.localPort === port);

/** Polls until pred finds something, at most `polls` times. */
async function pollFor<T>(monitor: Monitor, polls: number, pred: () => T | undefined): Promise<{ value: T | undefined; polls: number }> {
  for (let i = 1; i <= polls; i++) {
    await monitor.pollOnce();
    const value = pred();
    if (value !== undefined) return { value, polls: i };
  }
  return { value: undefined, polls: Infinity };
}

describe('a socket owner that execs', () => {
  it('is seen as the new program within two polls, same pid and start time, and the alert engine alerts on the new program', async () => {
    const holder = await startIdentityHolder();
    const monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: 250 });
    const engine = await AlertEngine.open(monitor, { dataDir: tempDataDir('identity'), learnSeconds: 3600 });
    engines.push(engine);
    // The machine as it is, python and its listener included, is the baseline.
    await monitor.pollOnce();
    await engine.stopLearning();
    const before = listenerOn(monitor.getState().snapshot.sockets, holder.port)!;
    expect(before.pid).toBe(holder.pid);
    expect(before.process!.exe).toBe(realpathSync(pythonPath()));

    // It becomes a copy of node in a temporary folder, keeping the listening socket open.
    const exe = tempNodeCopy('pw-execd');
    const keep = join(scratch, 'keep.mjs');
    writeFileSync(keep, "process.stdout.write('ready\\n'); setInterval(() => {}, 1 << 30);\n");
    const changes: Socket[] = [];
    monitor.subscribe((e) => {
      if (e.type === 'delta') changes.push(...e.delta.changed.filter((s) => s.localPort === holder.port));
    });
    holder.send(`exec ${exe} ${keep}`);
    expect(await holder.line()).toBe('ready');

    const { value: after, polls } = await pollFor(monitor, 2, () => changes.find((s) => s.process?.exe === exe));
    expect(polls).toBeLessThanOrEqual(2);
    expect(after).toMatchObject({ pid: holder.pid, localPort: holder.port, state: 'LISTEN', process: { name: 'pw-execd', pid: holder.pid, startedAt: before.process!.startedAt } });
    expect(after!.process!.cmdline).toContain(keep);
    // The table holds the new identity, and the alert rules ran on it: a program never seen before, from /tmp.
    expect(listenerOn(monitor.getState().snapshot.sockets, holder.port)!.process!.exe).toBe(exe);
    const alerts = engine.list().filter((a) => a.pid === holder.pid);
    expect(alerts.map((a) => a.kind)).toEqual(expect.arrayContaining(['new-process', 'suspicious-exe']));
    for (const a of alerts) expect(a.process?.exe).toBe(exe);
    expect(alerts.find((a) => a.kind === 'suspicious-exe')!.severity).toBe('high');
  });
});

describe('a socket held by two processes', () => {
  it('shows every holder, the lowest pid first, the same in a running monitor and a fresh snapshot; a holder that lets go leaves the list', async () => {
    const holder = await startIdentityHolder();
    const monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: 250 });
    await monitor.pollOnce();
    expect(listenerOn(monitor.getState().snapshot.sockets, holder.port)).toMatchObject({ pid: holder.pid, otherHolders: [] });

    holder.send('fork');
    const { child } = JSON.parse(await holder.line()) as { child: number };
    extraPids.add(child);
    const [low, high] = [holder.pid, child].sort((a, b) => a - b) as [number, number];
    const shared = (sockets: Iterable<Socket>) => {
      const s = listenerOn(sockets, holder.port);
      return s !== undefined && s.otherHolders.length > 0 ? s : undefined;
    };
    const { value: watched, polls } = await pollFor(monitor, 2, () => shared(monitor.getState().snapshot.sockets));
    expect(polls).toBeLessThanOrEqual(2);
    expect(watched!.pid).toBe(low);
    expect(watched!.process!.pid).toBe(low);
    expect(watched!.otherHolders.map((p) => p.pid)).toEqual([high]);
    const fresh = shared((await new LinuxProcSource().sample()).sockets)!;
    expect(fresh.pid).toBe(low);
    expect(fresh.otherHolders.map((p) => p.pid)).toEqual([high]);

    // The parent closes its copy; the forked child keeps the socket open.
    holder.send('close');
    expect(await holder.line()).toBe('closed');
    const { value: alone } = await pollFor(monitor, 20, () => {
      const s = listenerOn(monitor.getState().snapshot.sockets, holder.port);
      return s !== undefined && s.otherHolders.length === 0 ? s : undefined;
    });
    expect(alone).toMatchObject({ pid: child, otherHolders: [] });
    expect(listenerOn((await new LinuxProcSource().sample()).sockets, holder.port)).toMatchObject({ pid: child, otherHolders: [] });
  });
});

describe('other network namespaces', () => {
  it('are not shown, and the status says so, counting them', async (ctx) => {
    const canUnshare = spawnSync('unshare', ['-n', 'true']).status === 0;
    ctx.skip(!canUnshare, 'cannot make a network namespace here (unshare -n needs CAP_SYS_ADMIN)');
    const inside = await startIdentityHolder(['unshare', '-n'], '0.0.0.0');
    const monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: 250 });
    await monitor.pollOnce();
    const scope = monitor.getStatus().scope!;
    expect(scope.otherNetworkNamespaces).toBeGreaterThanOrEqual(1);
    expect(scope.note).toMatch(/^Sockets in \d+ other network namespaces? \(containers\) are not shown\.$/);
    // Its listener lives in its own namespace: not in this table.
    expect(monitor.getState().snapshot.sockets.filter((s) => s.pid === inside.pid)).toEqual([]);
  });
});
