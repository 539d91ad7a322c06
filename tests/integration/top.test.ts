// `portwatch top` for real: a child streams real bytes to another over loopback and the command,
// run as a user runs it, reports the stream's rate on its process and its connection (NDJSON, JSON,
// the text table), prints a hostile process name harmlessly, stops on Ctrl+C and on a closed pipe.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopReport } from '../../src/cli/top-report.js';
import { liveCli, ROOT, runCli } from '../helpers/cli.js';
import { cleanUpExeHolders, privateNode } from '../helpers/exe-holders.js';
import { median, peer, stopPeers, type Peer } from '../helpers/traffic-peers.js';
import { trafficMeasured } from '../helpers/traffic-measured.js';

const RATE = 300_000; // bytes per second
const within = (rate: number) => rate > RATE * 0.6 && rate < RATE * 1.4;

let countersWork = false;
let whyNot = '';
let sink: Peer;
let streamer: Peer;
const HOSTILE = 'pw\x1b[31mred\x07';

beforeAll(async () => {
  const m = await trafficMeasured();
  countersWork = m.connections;
  whyNot = m.whyNot;
  sink = await peer({ mode: 'sink', host: '127.0.0.1' });
  // The streamer runs as a copy of node whose file name carries terminal controls: its process name does too.
  streamer = await peer({ mode: 'stream', host: '127.0.0.1', port: sink.port, rate: RATE }, privateNode(HOSTILE));
});

afterAll(async () => {
  stopPeers();
  await cleanUpExeHolders();
});

describe('portwatch top', () => {
  it('--ndjson: one report per interval, the stream at its rate on its process and its connection, sorted by rate', async (ctx) => {
    ctx.skip(!countersWork, whyNot);
    const { code, stdout, stderr } = await runCli(['top', '--ndjson', '--interval', '500', '--count', '5']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const reports = stdout.trim().split('\n').map((l) => JSON.parse(l) as TopReport);
    expect(reports).toHaveLength(5);
    for (const r of reports) {
      expect(r.intervalMs).toBeGreaterThan(0);
      const totals = r.processes.map((p) => p.sendRate + p.receiveRate);
      expect(totals).toEqual([...totals].sort((a, b) => b - a));
    }
    const later = reports.slice(1);
    const sent = later.map((r) => r.processes.find((p) => p.pid === streamer.pid)?.sendRate ?? 0);
    const received = later.map((r) => r.processes.find((p) => p.pid === sink.pid)?.receiveRate ?? 0);
    const connection = later.map((r) => r.connections.find((c) => c.pid === streamer.pid && c.localPort === streamer.localPort)?.sendRate ?? 0);
    for (const rate of [median(sent), median(received), median(connection)]) expect(within(rate), `${rate} B/s`).toBe(true);
    const mine = reports.at(-1)!.processes.find((p) => p.pid === streamer.pid)!;
    expect(mine).toMatchObject({ name: expect.stringContaining('\x1b'), connections: 1 });
    expect(mine.bytesSent).toBeGreaterThan(RATE);
    expect(Object.keys(mine).sort()).toEqual(['bytesReceived', 'bytesSent', 'connections', 'exe', 'name', 'pid', 'receiveRate', 'sendRate']);
  });

  it('--json: one object after the last report; --once: one report', async (ctx) => {
    ctx.skip(!countersWork, whyNot);
    const { code, stdout } = await runCli(['top', '--json', '--interval', '500', '--once']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as TopReport;
    expect(report.intervalMs).toBeGreaterThan(0);
    expect(report.processes.find((p) => p.pid === streamer.pid)?.sendRate).toBeGreaterThan(0);
    expect(report.availability.connections).toBe(true);
  });

  it('text: the stream in the table, the hostile name escaped (no terminal control reaches stdout)', async (ctx) => {
    ctx.skip(!countersWork, whyNot);
    const { code, stdout } = await runCli(['top', '--interval', '500', '--count', '2']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^portwatch top {2}\d\d:\d\d:\d\d {2}every 0\.5 s/);
    const row = stdout.split('\n').find((l) => l.trimStart().startsWith(`${streamer.pid} `));
    expect(row).toMatch(/pw\\u\{1b\}\[31mred\\u\{7\}.* kB\/s/);
    // eslint-disable-next-line no-control-regex
    expect(stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(stdout).toContain(`tcp 127.0.0.1:${streamer.localPort} → 127.0.0.1:${sink.port}`);
  });

  it('stops cleanly on Ctrl+C', async (ctx) => {
    ctx.skip(!countersWork, whyNot);
    const live = liveCli(['top', '--interval', '300']);
    await live.until(/CONNECTION/);
    expect(await live.stop()).toBe(0);
  });

  it('on a terminal: refreshes in the alternate screen, and Ctrl+C gives the terminal back with the last report', async (ctx) => {
    ctx.skip(!countersWork, whyNot);
    // `script` gives the command a real pseudo-terminal; \x03 typed there is Ctrl+C. The shell execs
    // the command, so Ctrl+C reaches it alone (dash, a common /bin/sh, dies of it even when the
    // program handles it) and `script -e` exits with the command's status.
    const command = `stty cols 100 rows 30; exec "${process.execPath}" --import tsx src/cli/index.ts top --interval 300`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let wake = () => {};
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      wake();
    });
    const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    // Two frames: the second proves it refreshes in place (home and clear before each).
    while ((out.match(/Ctrl\+C quits/g) ?? []).length < 2) await new Promise<void>((r) => (wake = r));
    child.stdin.write('\x03');
    const code = await closed;
    expect(out.indexOf('\x1b[?1049h')).toBeGreaterThanOrEqual(0);
    expect(out.split('\x1b[H\x1b[2J').length).toBeGreaterThan(2);
    const left = out.lastIndexOf('\x1b[?25h\x1b[?1049l');
    expect(left).toBeGreaterThan(out.lastIndexOf('Ctrl+C quits'));
    // The last report stays below the prompt, the stream in it; the status is 0.
    expect(out.slice(left)).toMatch(new RegExp(`\\s${streamer.pid}\\s+pw`));
    expect(code).toBe(0);
  });

  it('ends quietly when its reader goes away (top --ndjson | head -n 1)', async () => {
    // head leaves after one line; top's own exit status is the first of the pipeline's.
    const script = `"${process.execPath}" --import tsx src/cli/index.ts top --ndjson --interval 250 | head -n 1; exit \${PIPESTATUS[0]}`;
    const child = spawn('bash', ['-c', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    const [first] = stdout.split('\n');
    expect(JSON.parse(first!)).toHaveProperty('processes');
    expect(stderr).toBe('');
  });

  it('refuses a malformed command line in one line, doing nothing', async () => {
    for (const args of [['top', '--interval', 'fast'], ['top', '--count', '0'], ['top', '--json', '--ndjson'], ['top', '--once', '--count', '2']]) {
      const { code, stdout, stderr } = await runCli(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
