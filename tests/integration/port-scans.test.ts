// What is and is not a port scan, with real sockets and real processes: the engine (Monitor, Linux
// source, AlertEngine) and a scenario (tests/helpers/scan-scenarios.py) run together inside a network
// namespace made for each test (`unshare -n`), so the kernel's counters they read count that scenario
// alone, whatever else runs on this machine. A scan is one peer touching many distinct ports: a real
// connect scan and a real SYN scan (raw SYNs) are caught; a burst of connections overflowing a small
// listen queue, and a server with 4,500 clients stopping, are not. Where namespaces cannot be made
// (not root, no unshare) the tests are skipped; the analysis is covered by
// tests/unit/core/analysis/alert-candidates.test.ts with the counters these scenarios produced.
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { KernelCounters } from '../../src/core/kernel-counters.js';
import type { Alert } from '../../src/shared/alerts.js';

const canUnshare =
  process.platform === 'linux' && spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore', timeout: 10_000 }).status === 0;

interface LabResult {
  ready: Record<string, unknown>;
  before: KernelCounters;
  after: KernelCounters;
  scans: Alert[];
}

/** Runs a scenario with the engine watching, in a namespace of its own; resolves with what it raised. */
function lab(scenario: string, ...args: string[]): Promise<LabResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'unshare',
      ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" --import tsx tests/helpers/scan-lab.ts "$@"', process.execPath, scenario, ...args],
      { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`scan lab ${scenario} exited ${code}: ${err.trim()}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as LabResult);
    });
  });
}

const delta = (r: LabResult, k: keyof KernelCounters) => Number(r.after[k]) - Number(r.before[k]);

describe.skipIf(!canUnshare)('port scans, in a network namespace of their own', () => {
  it('300 connections at once to a listener with a backlog of 1 overflow its queue: no scan', async () => {
    const r = await lab('overflow');
    // The scenario did what it says: the kernel dropped SYNs at the full queue.
    expect(delta(r, 'listenDrops')).toBeGreaterThan(100);
    expect(r.scans).toEqual([]);
  });

  it('a server with 4,500 clients stopping resets its own connections: no scan', async () => {
    const r = await lab('shutdown', '4500');
    expect(r.ready.clients).toBe(4500);
    // Thousands of resets: its unread data, and its clients' late writes.
    expect(delta(r, 'tcpResets')).toBeGreaterThan(1000);
    expect(r.scans).toEqual([]);
  });

  it('a connect scan of 12 open and 300 closed ports from one program: a scan from that program, with both kinds of evidence', async () => {
    const r = await lab('connect');
    expect(r.ready.refused).toBe(300);
    expect(r.scans).toHaveLength(1);
    const [scan] = r.scans;
    expect(scan!.evidence).toEqual(['sockets', 'kernel-counters']);
    expect(scan!.scan!.remoteAddress).toBe('127.0.0.1');
    expect(scan!.scan!.localPorts).toEqual([...(r.ready.open as number[])].sort((a, b) => a - b));
    expect(scan!.process?.name).toBe('python3');
    expect(scan!.message).toMatch(/^Port scan from 127\.0\.0\.1 \(this machine: python3, pid \d+\): it connected to 12 different local ports/);
    expect(scan!.message).toContain('the kernel refused 300 TCP connection attempts (resets sent)');
  });

  it('a SYN scan (raw SYNs, no connection ever made) of 312 ports: caught by the kernel counters alone', async () => {
    const r = await lab('syn');
    expect(r.ready.sent).toBe(312);
    expect(r.scans).toHaveLength(1);
    const [scan] = r.scans;
    expect(scan!.evidence).toEqual(['kernel-counters']);
    expect(scan!.scan!.refused!.tcpResets).toBeGreaterThanOrEqual(300);
    expect(scan!.message).toMatch(/^Possible port scan: in 10 s the kernel refused 3\d\d TCP connection attempts \(resets sent\)/);
  });
});
