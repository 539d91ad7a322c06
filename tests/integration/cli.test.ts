// The `portwatch` command as a user runs it, against real sockets held by real processes.
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Socket } from '../../src/shared/model.js';
import { startHolder, stopAll } from '../helpers/children.js';
import { liveCli, ROOT, runCli, spawnCli } from '../helpers/cli.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';
import { reservePort } from '../helpers/ports.js';

afterAll(async () => {
  await stopAll();
  removeDataDirs();
});

describe('portwatch snapshot', () => {
  it('--json lists the sockets of a real process with its pid and name', async () => {
    const holder = await startHolder([
      { name: 'l', kind: 'tcp-listen', host: '127.0.0.1' },
      { name: 'u', kind: 'udp-bind', host: '::1' },
    ]);
    const { code, stdout, stderr } = await runCli(['snapshot', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { takenAt: number; sockets: Socket[] };
    expect(out.takenAt).toBeGreaterThan(0);
    const mine = out.sockets.filter((s) => s.pid === holder.pid);
    expect(mine.map((s) => [s.protocol, s.family, s.localPort, s.process?.name]).sort()).toEqual(
      [
        ['tcp', 4, holder.endpoints.l!.port, 'pw-holder'],
        ['udp', 6, holder.endpoints.u!.port, 'pw-holder'],
      ].sort(),
    );
    await holder.exit();
  });

  it('prints an aligned table with the process in a column (-n: numbers, not names)', async () => {
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '::1' }]);
    const { code, stdout } = await runCli(['snapshot', '-n']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PROTO\s+STATE\s+LOCAL\s+REMOTE\s+PID\s+PROCESS\s+USER$/);
    const row = lines.find((l) => l.includes(`[::1]:${holder.endpoints.l!.port} `))!;
    expect(row).toMatch(new RegExp(`^tcp6\\s+LISTEN\\s+\\[::1\\]:${holder.endpoints.l!.port}\\s+\\*\\s+${holder.pid}\\s+pw-holder\\s+`));
    // Columns line up: PID starts at the same offset on the header and the row.
    expect(row.indexOf(String(holder.pid))).toBe(lines[0]!.indexOf('PID'));
    await holder.exit();
  });
});

// `who` answers for every socket on a port, whoever holds it: the ports here are reserved
// (helpers/ports.ts), so no other process's socket can be on them meanwhile.
describe('portwatch who', () => {
  it('names the holder of a port and its local clients', async () => {
    const holder = await startHolder([
      { name: 'l', kind: 'tcp-listen', host: '127.0.0.1', port: await reservePort() },
      { name: 'c', kind: 'tcp-connect', to: 'l' },
    ]);
    const port = holder.endpoints.l!.port;
    const { code, stdout } = await runCli(['who', String(port), '--json']);
    expect(code).toBe(0);
    const who = JSON.parse(stdout) as { port: number; holders: Socket[]; clients: Socket[] };
    expect(who.port).toBe(port);
    expect(who.holders[0]).toMatchObject({ listening: true, pid: holder.pid, localPort: port });
    expect(who.holders).toHaveLength(2); // the listener and the accepted connection
    expect(who.clients).toHaveLength(1);
    expect(who.clients[0]).toMatchObject({ remotePort: port, localPort: holder.endpoints.c!.port, pid: holder.pid });

    const text = await runCli(['who', String(port)]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Port ${port} is taken by pw-holder (pid ${holder.pid}).`);
    expect(text.stdout).toContain('holder.mjs');
    await holder.exit();
  });

  it('exits 1 with a one-line answer when nothing holds the port', async () => {
    // The port stays reserved after the holder exits: free, and no other process can take it.
    const port = await reservePort();
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1', port }]);
    await holder.exit();
    const { code, stdout } = await runCli(['who', String(port)]);
    expect(code).toBe(1);
    expect(stdout).toBe(`Port ${port} is free: no TCP or UDP socket is bound to it.\n`);
  });
});

describe('portwatch watch', () => {
  it('--ndjson gives a snapshot line, then deltas with new and closed sockets, and stops after --count', async () => {
    // A fresh data folder learns first: no alert lines among the deltas.
    const child = spawnCli(['watch', '--ndjson', '--interval', '250', '--count', '24', '--data-dir', tempDataDir('cli')]);
    const lines: Array<Record<string, unknown>> = [];
    let buffer = '';
    let wake: () => void = () => {};
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buffer.slice(0, nl)));
        buffer = buffer.slice(nl + 1);
      }
      wake();
    });
    let ended = false;
    const closed = new Promise<number | null>((resolve) =>
      child.once('close', (code) => {
        ended = true;
        wake();
        resolve(code);
      }),
    );
    const until = async (pred: () => boolean) => {
      while (!pred()) {
        if (ended) throw new Error(`watch ended after ${lines.length} lines, before what the test waits for`);
        await new Promise<void>((r) => (wake = r));
      }
    };
    await until(() => lines.length >= 1);
    expect(lines[0]).toMatchObject({ type: 'snapshot', seq: 1 });
    expect(Array.isArray(lines[0]!.sockets)).toBe(true);

    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    const port = holder.endpoints.l!.port;
    const deltas = () => lines.filter((l) => l.type === 'delta') as unknown as Array<{ seq: number; added: Socket[]; removed: string[] }>;
    await until(() => deltas().some((d) => d.added.some((s) => s.localPort === port && s.pid === holder.pid)));
    const added = deltas().flatMap((d) => d.added).find((s) => s.localPort === port)!;
    await holder.exit();
    await until(() => deltas().some((d) => d.removed.includes(added.id)));
    const seqs = lines.map((l) => l.seq as number);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(await closed).toBe(0);
    expect(lines).toHaveLength(24);
  });

  it('without --ndjson prints "+" and "-" lines a person can read', async () => {
    const watch = liveCli(['watch', '--interval', '250', '--count', '400', '--no-alerts']);
    await watch.until(/^Watching/);
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    const port = holder.endpoints.l!.port;
    const line = (sign: string) => new RegExp(`\\d\\d:\\d\\d:\\d\\d \\${sign} tcp4  127\\.0\\.0\\.1:${port}  LISTEN  pw-holder\\[${holder.pid}\\]`);
    await watch.until(line('+'));
    await holder.exit();
    await watch.until(line('-'));
    await watch.stop();
    const out = watch.out();
    expect(out).toMatch(/^Watching \d+ sockets every 250 ms/);
    expect(out).toMatch(line('+'));
    expect(out).toMatch(line('-'));
  });
});

describe('portwatch watch: watched ports', () => {
  it("prints '!' when a listener takes or frees a port on the user's saved list, as the app's watcher sees it", async () => {
    const dataDir = tempDataDir('cli-watched');
    const probe = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    const port = probe.endpoints.l!.port;
    await probe.exit();
    // Saved in the app (or through the API): a port that is not on the default list.
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ version: 1, watchedPorts: [port] }));
    const watch = liveCli(['watch', '--interval', '250', '--count', '400', '--data-dir', dataDir]);
    await watch.until(/^Watching/);
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1', port }]);
    await watch.until(new RegExp(`\\d\\d:\\d\\d:\\d\\d ! port ${port} taken by pw-holder \\(pid ${holder.pid}\\)`));
    await holder.exit();
    await watch.until(new RegExp(`! port ${port} freed by pw-holder \\(pid ${holder.pid}\\)`));
    // The '!' line follows the '+' line of the same poll.
    expect(watch.out().indexOf(`+ tcp4  127.0.0.1:${port}  LISTEN`)).toBeLessThan(watch.out().indexOf(`! port ${port} taken`));
    expect(await watch.stop()).toBe(0);
  });
});

describe('a bad command line', () => {
  const cases: Array<[string[], RegExp]> = [
    [['frobnicate'], /^portwatch: unknown command 'frobnicate' \(see 'portwatch --help'\)\n$/],
    [['snapshot', '--jsn'], /^portwatch: unknown option '--jsn'.*\(see 'portwatch snapshot --help'\)\n$/],
    [['who', '70000'], /^portwatch: .*'70000' is not a port \(0-65535\).*--help/],
    [['who', 'http'], /is not a port/],
    [['who'], /missing required argument 'port'/],
    [['watch', '--interval', 'fast'], /'fast' is not a whole number of milliseconds/],
    [['watch', '--interval', '-5'], /not a whole number/],
    [['watch', '--interval', '10'], /between 250 and 60000 ms/],
    // Whole milliseconds as digits, like ports: no exponent, hex or fraction.
    [['watch', '--interval', '1e3'], /'1e3' is not a whole number of milliseconds/],
    [['watch', '--interval', '0x100'], /'0x100' is not a whole number/],
    [['serve', '--interval', '250.4'], /'250.4' is not a whole number/],
    [['--data-dir', '', 'snapshot'], /the data folder must be named/],
    [['alerts', '--data-dir', ' '], /the data folder must be named/],
    [['alerts', '--limit', '200000'], /'200000' is not a number of alerts \(1-100000\)/],
    [['watch', '--count', '0'], /'0' is not a positive whole number/],
    [['watch', '--count', '2.5'], /not a positive whole number/],
  ];
  for (const [args, message] of cases) {
    it(`portwatch ${args.join(' ')} → one line, a hint to --help, exit 2`, async () => {
      const { code, stdout, stderr } = await runCli(args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
    });
  }

  it('output that cannot be written (snapshot > /dev/full) is a failed run, said in one line', async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'snapshot'], { cwd: ROOT, stdio: ['ignore', full, 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d));
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect(code).toBe(1);
      expect(stderr).toBe('portwatch: cannot write the output: ENOSPC: no space left on device, write\n');
    } finally {
      closeSync(full);
    }
  });

  it('--help works on every command and exits 0', async () => {
    for (const args of [['--help'], ['snapshot', '--help'], ['watch', '--help'], ['who', '--help']]) {
      const { code, stdout } = await runCli(args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: portwatch/);
    }
  });
});

describe('portwatch who: verdicts and working directories', () => {
  it('says per bind address whether it is free or taken, and where the holder runs from', async () => {
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1', port: await reservePort() }]);
    const port = holder.endpoints.l!.port;
    const { code, stdout } = await runCli(['who', String(port), '--json']);
    expect(code).toBe(0);
    const who = JSON.parse(stdout) as {
      verdicts: Array<{ protocol: string; address: string; verdict: string; takenBy: Array<{ pid: number | null }> }>;
      processes: Array<{ pid: number; cwd: string | null; role: string; cmdline: string }>;
    };
    const verdict = (protocol: string, address: string) => who.verdicts.find((v) => v.protocol === protocol && v.address === address)!;
    expect(verdict('tcp', '127.0.0.1')).toMatchObject({ verdict: 'taken', takenBy: [{ pid: holder.pid }] });
    expect(verdict('tcp', '0.0.0.0')).toMatchObject({ verdict: 'taken', takenBy: [{ pid: holder.pid }] });
    expect(verdict('tcp', '::1')).toMatchObject({ verdict: 'free', takenBy: [] });
    expect(verdict('udp', '127.0.0.1')).toMatchObject({ verdict: 'free' });
    expect(who.processes).toEqual([expect.objectContaining({ pid: holder.pid, cwd: process.cwd(), role: 'listener' })]);
    expect(who.processes[0]!.cmdline).toContain('holder.mjs');

    const text = await runCli(['who', String(port)]);
    expect(text.stdout).toMatch(new RegExp(`^  tcp  127\\.0\\.0\\.1:${port}\\s+taken by pw-holder \\(pid ${holder.pid}\\)$`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^  tcp  \\[::1\\]:${port}\\s+free$`, 'm'));
    expect(text.stdout).toContain(`    cwd:     ${process.cwd()}`);
    await holder.exit();
  });
});

describe('a bad kill or conflicts command line', () => {
  const cases: Array<[string[], RegExp]> = [
    [['kill'], /^portwatch: say what to end: --port N or --pid N \(see 'portwatch kill --help'\)\n$/],
    [['kill', '--yes'], /say what to end/],
    [['kill', '--port', '3000', '--pid', '123'], /option '--port <n>' cannot be used with option '--pid <n>'.*\(see 'portwatch kill --help'\)/],
    [['kill', '--pid', '123', '--clients'], /cannot be used with/],
    [['kill', '--port', '70000'], /'70000' is not a port \(0-65535\)/],
    [['kill', '--port', 'http'], /'http' is not a port/],
    [['kill', '--pid', 'abc'], /'abc' is not a process id/],
    [['kill', '--pid', '0'], /'0' is not a process id/],
    [['kill', '--port', '3000', '--grace', '60001'], /'60001' is not a grace period \(0-60000 ms\)/],
    [['kill', '--port', '3000', '--grace', 'soon'], /not a grace period/],
    [['conflicts', '--jsn'], /^portwatch: unknown option '--jsn'.*\(see 'portwatch conflicts --help'\)\n$/],
  ];
  for (const [args, message] of cases) {
    it(`portwatch ${args.join(' ')} → one line, a hint to --help, exit 2`, async () => {
      const { code, stdout, stderr } = await runCli(args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    });
  }

  it('--help works on conflicts and kill', async () => {
    for (const args of [['conflicts', '--help'], ['kill', '--help']]) {
      const { code, stdout } = await runCli(args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: portwatch/);
    }
  });
});
