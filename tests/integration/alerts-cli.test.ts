// Alerts in the `portwatch` command as a user runs it: the real command in a child process, a real
// data directory, and never-seen programs (private links of node) opening real sockets mid-run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertEngine } from '../../src/core/alert-engine.js';
import type { Alert } from '../../src/shared/alerts.js';
import type { Socket } from '../../src/shared/model.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';
import { cleanUpExeHolders, privateNode, startHolderWith } from '../helpers/exe-holders.js';
import { reservePort } from '../helpers/ports.js';

afterAll(async () => {
  await cleanUpExeHolders();
  removeDataDirs();
});

type Line = { type: 'snapshot'; sockets: Socket[] } | { type: 'delta'; added: Socket[] } | { type: 'alert'; alert: Alert } | { type: 'warning'; message: string };

/** `portwatch watch --ndjson …`: its lines as they come, a way to wait for one, and how it ended. */
function watchNdjson(args: string[]) {
  const child = spawnCli(['watch', '--ndjson', ...args]);
  const lines: Line[] = [];
  let buffer = '';
  let stderr = '';
  let wake: () => void = () => {};
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffer.slice(0, nl)) as Line);
      buffer = buffer.slice(nl + 1);
    }
    wake();
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stderr })));
  let ended = false;
  void exited.then(() => {
    ended = true;
    wake();
  });
  const until = async (pred: () => boolean) => {
    while (!pred()) {
      if (ended) throw new Error(`watch ended first; stderr: ${stderr}`);
      await new Promise<void>((r) => (wake = r));
    }
  };
  const alerts = () => lines.flatMap((l) => (l.type === 'alert' ? [l.alert] : []));
  const added = () => lines.flatMap((l) => (l.type === 'delta' ? l.added : []));
  return { lines, until, alerts, added, exited };
}

describe('portwatch watch alerts', () => {
  // Two watch runs of 24 polls each, and four commands: more than the default 30 s on a loaded machine.
  it('--ndjson: a never-seen program listening mid-run is an alert line with its pid; once trusted, it is not, on the same data dir', async () => {
    const dir = tempDataDir('cli-alerts');
    const exe = privateNode('pw-cli-stranger');
    const run = watchNdjson(['--data-dir', dir, '--learn', '0', '--interval', '250', '--count', '24']);
    await run.until(() => run.lines.some((l) => l.type === 'snapshot'));
    const stranger = await startHolderWith(exe, [{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    await run.until(() => run.alerts().filter((a) => a.pid === stranger.pid).length >= 2);
    const mine = run.alerts().filter((a) => a.pid === stranger.pid);
    expect(mine.map((a) => a.kind).sort()).toEqual(['new-listener', 'new-process']);
    for (const a of mine) {
      // A program never seen is medium; its listener, on loopback only, is low.
      const severity = a.kind === 'new-process' ? 'medium' : 'low';
      expect(a).toMatchObject({ id: expect.any(String), severity, pid: stranger.pid, process: { pid: stranger.pid, exe } });
      expect(a.message).toContain(`pid ${stranger.pid}`);
      expect(a.sockets.some((s) => s.localPort === stranger.endpoints.l!.port)).toBe(true);
    }
    // The alert follows the delta that brought the socket: same poll, after it.
    const alertAt = run.lines.findIndex((l) => l.type === 'alert' && l.alert.pid === stranger.pid);
    const deltaAt = run.lines.findIndex((l) => l.type === 'delta' && l.added.some((s) => s.pid === stranger.pid));
    expect(deltaAt).toBeGreaterThanOrEqual(0);
    expect(alertAt).toBeGreaterThan(deltaAt);
    await stranger.exit();
    const first = await run.exited;
    expect(first).toEqual({ code: 0, stderr: '' });
    expect(run.lines.filter((l) => l.type === 'warning')).toEqual([]);

    // `portwatch alerts` reads the same folder.
    const listed = await runCli(['alerts', '--json', '--data-dir', dir]);
    expect(listed.code).toBe(0);
    const { alerts: stored } = JSON.parse(listed.stdout) as { alerts: Alert[] };
    expect(stored.filter((a) => a.pid === stranger.pid).map((a) => a.id).sort()).toEqual(mine.map((a) => a.id).sort());

    // Trust the program, and its listener on the port it will use next time (a new subject, so only
    // the trust can keep it quiet), one through the engine and one through the command.
    // Reserved: still free when the program comes back to listen on it.
    const port = await reservePort();
    const engine = await AlertEngine.open(null, { dataDir: dir });
    expect(await engine.trust({ kind: 'executable', exe })).toMatchObject({ added: true });
    await engine.close();
    const trusted = await runCli(['trust', '--listener', `${exe}:${port}/tcp`, '--data-dir', dir]);
    expect(trusted).toMatchObject({ code: 0, stderr: '' });
    expect(trusted.stdout).toBe(`Trusted: ${exe} listening on tcp port ${port}.\n`);

    // Second run: the trusted program listens again, beside another never-seen one, which does alert.
    const again = watchNdjson(['--interval', '250', '--count', '24', '--data-dir', dir, '--learn', '0']);
    await again.until(() => again.lines.some((l) => l.type === 'snapshot'));
    const back = await startHolderWith(exe, [{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1', port }]);
    const other = await startHolderWith(privateNode('pw-cli-other'), [{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    await again.until(() => again.alerts().some((a) => a.pid === other.pid) && again.added().some((s) => s.pid === back.pid));
    const n = again.lines.length;
    await again.until(() => again.lines.length > n + 1); // a poll later still
    expect(again.added().find((s) => s.pid === back.pid)).toMatchObject({ localPort: port, listening: true });
    expect(again.alerts().filter((a) => a.pid === back.pid)).toEqual([]);
    await Promise.all([back.exit(), other.exit()]);
    expect(await again.exited).toEqual({ code: 0, stderr: '' });
  });

  it('text mode: an "! ALERT severity kind: message" line a person can read', async () => {
    const dir = tempDataDir('cli-alerts');
    // Polls enough for a slow machine; Ctrl+C stops it once the lines are out.
    const child = spawnCli(['watch', '--interval', '250', '--count', '400', '--learn', '0', '--data-dir', dir]);
    let out = '';
    let err = '';
    let wake: () => void = () => {};
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      wake();
    });
    child.stderr!.on('data', (d: Buffer) => (err += d));
    const closed = new Promise((r) => child.once('close', r));
    child.once('exit', () => wake());
    const until = async (pattern: RegExp) => {
      while (!pattern.test(out)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`watch ended first:\n${out}${err}`);
        await new Promise<void>((r) => (wake = r));
      }
    };
    await until(/^Watching/);
    const stranger = await startHolderWith(privateNode('pw-cli-text'), [{ name: 'l', kind: 'tcp-listen', host: '0.0.0.0' }]);
    const port = stranger.endpoints.l!.port;
    const listenerLine = new RegExp(`^\\d\\d:\\d\\d:\\d\\d ! ALERT high new-listener: New listener on all interfaces: pw-cli-text listens on 0\\.0\\.0\\.0:${port} .*pid ${stranger.pid}`, 'm');
    const processLine = new RegExp(`^\\d\\d:\\d\\d:\\d\\d ! ALERT medium new-process: pw-cli-text .*pid ${stranger.pid}`, 'm');
    await until(listenerLine);
    await until(processLine);
    child.kill('SIGINT');
    const code = await closed;
    await stranger.exit();
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(listenerLine);
    expect(out).toMatch(processLine);
  });

  it('says when it is still learning, and raises nothing meanwhile', async () => {
    const dir = tempDataDir('cli-alerts');
    const { code, stdout, stderr } = await runCli(['watch', '--interval', '250', '--count', '2', '--data-dir', dir]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.split('\n')[1]).toMatch(/^Learning what is normal until \d\d:\d\d:\d\d: alerts start after that \(--learn 0 starts them now\)\.$/);
    expect(stdout).not.toContain('! ALERT');
  });

  it('a --data-dir that is a file: one clear warning, and watch still runs without alerts', async () => {
    const file = join(tempDataDir('cli-alerts'), 'a-file');
    writeFileSync(file, 'not a folder');
    const run = watchNdjson(['--data-dir', file, '--learn', '0', '--interval', '250', '--count', '3']);
    expect(await run.exited).toEqual({ code: 0, stderr: '' });
    expect(run.lines.map((l) => l.type)).toEqual(['warning', 'snapshot', 'delta', 'delta']);
    expect(run.lines[0]).toEqual({
      type: 'warning',
      message: `cannot keep alerts in ${file}: it, or a folder above it, is a file. Going on without alerts (--data-dir DIR picks another folder, --no-alerts turns them off).`,
    });

    // Text mode: the same, as one line on stderr; --data-dir may also come before the command.
    const text = await runCli(['--data-dir', file, 'watch', '--interval', '250', '--count', '2']);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe(`portwatch: cannot keep alerts in ${file}: it, or a folder above it, is a file. Going on without alerts (--data-dir DIR picks another folder, --no-alerts turns them off).\n`);
    expect(text.stdout).toMatch(/^Watching \d+ sockets/);

    // --no-alerts does not touch the folder at all.
    const off = await runCli(['watch', '--no-alerts', '--data-dir', file, '--interval', '250', '--count', '2']);
    expect(off).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('bad alert flags are usage errors', () => {
  const cases: Array<[string[], RegExp]> = [
    [['watch', '--learn', 'abc'], /^portwatch: .*'abc' is not a number of seconds \(0-604800; 0 alerts from the first poll\) \(see 'portwatch watch --help'\)\n$/],
    [['watch', '--learn', '-1'], /'-1' is not a number of seconds/],
    [['watch', '--learn', '700000'], /'700000' is not a number of seconds/],
    [['watch', '--learn', ''], /is not a number of seconds/],
    [['watch', '--no-alerts', '--learn', '5'], /cannot be used with option '--no-alerts'/],
    [['serve', '--learn', 'soon'], /'soon' is not a number of seconds.*\(see 'portwatch serve --help'\)/],
    [['trust'], /^portwatch: say what to trust: --exe PATH or --listener PATH:PORT\/tcp \(see 'portwatch trust --help'\)\n$/],
    [['trust', '--exe', 'nc'], /'nc' is not a full path/],
    [['trust', '--listener', '/usr/bin/nc:99999/tcp'], /is not PATH:PORT\/tcp or PATH:PORT\/udp/],
    [['trust', '--listener', '/usr/bin/nc:80/sctp'], /is not PATH:PORT\/tcp or PATH:PORT\/udp/],
    [['alerts', '--limit', '0'], /'0' is not a number of alerts \(1-100000\)/],
  ];
  for (const [args, message] of cases) {
    it(`portwatch ${args.join(' ')} → one line, exit 2`, async () => {
      const { code, stdout, stderr } = await runCli(args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    });
  }
});

describe('portwatch trust and alerts', () => {
  it('trusts, says when it already did, takes a rule back, and lists alerts as text', async () => {
    const dir = tempDataDir('cli-trust');
    const rule = ['--exe', '/opt/pw-cli/app', '--data-dir', dir];
    expect(await runCli(['trust', ...rule])).toEqual({ code: 0, stdout: 'Trusted: /opt/pw-cli/app.\n', stderr: '' });
    expect(await runCli(['trust', ...rule])).toEqual({ code: 0, stdout: 'Already trusted: /opt/pw-cli/app.\n', stderr: '' });
    const engine = await AlertEngine.open(null, { dataDir: dir });
    expect(engine.trustState().rules).toEqual([{ kind: 'executable', exe: '/opt/pw-cli/app' }]);
    await engine.close();
    expect(await runCli(['trust', '--remove', ...rule])).toEqual({ code: 0, stdout: 'No longer trusted: /opt/pw-cli/app.\n', stderr: '' });
    expect(await runCli(['trust', '--remove', ...rule])).toEqual({ code: 1, stdout: 'Nothing to take back: /opt/pw-cli/app was not trusted.\n', stderr: '' });

    const empty = await runCli(['alerts', '--data-dir', dir]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/^No new alerts \(--all shows acknowledged ones too\)\.\n/);
  });
});
