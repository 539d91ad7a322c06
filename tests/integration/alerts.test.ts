// The alert engine against real processes holding real sockets, polled by the real Linux source, with a
// real trust store and alert log in a temporary data directory. Each test first learns the machine as it
// is (everything already running becomes the baseline), then makes the thing it expects an alert for.
import { readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AlertEngine, type AlertEngineOptions } from '../../src/core/alert-engine.js';
import { Monitor } from '../../src/core/monitor.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import type { Alert, AlertEvent } from '../../src/shared/alerts.js';
import { startHolder, stopAll } from '../helpers/children.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';
import { cleanUpExeHolders, privateNode, startConnector, startHolderWith, tempNodeCopy } from '../helpers/exe-holders.js';

const engines: AlertEngine[] = [];

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
});
afterAll(async () => {
  await stopAll();
  await cleanUpExeHolders();
  removeDataDirs();
});

interface Running {
  monitor: Monitor;
  engine: AlertEngine;
  events: AlertEvent[];
}

async function start(dataDir: string, options: AlertEngineOptions = {}): Promise<Running> {
  const monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: 250 });
  const engine = await AlertEngine.open(monitor, { dataDir, ...options });
  engines.push(engine);
  const events: AlertEvent[] = [];
  engine.subscribe((e) => events.push(e));
  return { monitor, engine, events };
}

/** An engine whose baseline is this machine as it is now: learn over one poll, then stop learning. */
async function baselined(dataDir = tempDataDir('alerts'), options: AlertEngineOptions = {}): Promise<Running> {
  const running = await start(dataDir, { learnSeconds: 3600, ...options });
  await running.monitor.pollOnce();
  await running.engine.stopLearning();
  running.events.length = 0;
  return running;
}

const byPid = (engine: AlertEngine, pid: number, kind?: Alert['kind']) => engine.list().filter((a) => a.pid === pid && (kind === undefined || a.kind === kind));

/** Polls until pred holds, at most `polls` times; returns how many polls it took (or Infinity). */
async function pollUntil(monitor: Monitor, pred: () => boolean, polls = 2): Promise<number> {
  for (let i = 1; i <= polls; i++) {
    await monitor.pollOnce();
    if (pred()) return i;
  }
  return Infinity;
}

describe('new-process', () => {
  it('a never-seen program opening a socket alerts within two polls, once; trusting its executable keeps it quiet, across a restart', async () => {
    const dir = tempDataDir('alerts');
    const { monitor, engine, events } = await baselined(dir);
    const exe = privateNode('pw-stranger');
    const stranger = await startHolderWith(exe, [
      { name: 'l', kind: 'tcp-listen', host: '127.0.0.1' },
      { name: 'c', kind: 'tcp-connect', to: 'l' },
    ]);
    const polls = await pollUntil(monitor, () => byPid(engine, stranger.pid, 'new-process').length > 0);
    expect(polls).toBeLessThanOrEqual(2);
    const [alert] = byPid(engine, stranger.pid, 'new-process');
    expect(alert!.severity).toBe('medium');
    expect(alert!.message).toMatch(new RegExp(`^pw-stranger \\(${exe.replace(/[.]/g, '\\.')}, pid ${stranger.pid}, user \\w+\\) opened its first network socket: TCP (listening on )?127\\.0\\.0\\.1:\\d+`));
    expect(alert!.rule).toEqual({ kind: 'executable', exe });
    expect(alert!.sockets.every((s) => s.pid === stranger.pid)).toBe(true);
    expect(events).toContainEqual({ type: 'alert', alert });
    // The event and the log agree, and the line is on disk.
    await engine.flush();
    expect(readFileSync(join(dir, 'alerts.jsonl'), 'utf8')).toContain(alert!.id);

    // Once: more polls, more sockets of the same program, no second alert.
    await monitor.pollOnce();
    expect(engine.list({ kinds: ['new-process'] }).filter((a) => a.rule?.kind === 'executable' && a.rule.exe === exe)).toHaveLength(1);

    const { acknowledged } = await engine.trust(alert!.rule!);
    expect(acknowledged).toContain(alert!.id);
    expect(engine.get(alert!.id)?.acknowledgedAt).not.toBeNull();

    const again = await startHolderWith(exe, [{ name: 'u', kind: 'udp-bind', host: '127.0.0.1' }]);
    await monitor.pollOnce();
    await monitor.pollOnce();
    expect(byPid(engine, again.pid, 'new-process')).toEqual([]);
    await engine.close();

    // Restart: a new monitor and engine on the same data directory.
    const restarted = await start(dir);
    expect(restarted.engine.status().learning).toBe(false);
    const third = await startHolderWith(exe, [{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    await restarted.monitor.pollOnce();
    await restarted.monitor.pollOnce();
    for (const pid of [stranger.pid, again.pid, third.pid]) expect(byPid(restarted.engine, pid, 'new-process').filter((a) => a.acknowledgedAt === null)).toEqual([]);
    // The stranger's listener alerted before the restart; raised subjects are remembered, so not again.
    const listenerAlerts = restarted.engine.list({ kinds: ['new-listener'] }).filter((a) => a.pid === stranger.pid);
    expect(listenerAlerts).toHaveLength(1);
    expect(restarted.engine.list().filter((a) => a.pid === stranger.pid)).toHaveLength(byPid(engine, stranger.pid).length);
    await Promise.all([stranger.exit(), again.exit(), third.exit()]);
  });
});

describe('new-listener', () => {
  it('a listener on 0.0.0.0 is high, one on 127.0.0.1 low, each in plain words; a trusted one stays quiet after a restart', async () => {
    const dir = tempDataDir('alerts');
    const { monitor, engine } = await baselined(dir);
    const holder = await startHolder(
      [
        { name: 'all', kind: 'tcp-listen', host: '0.0.0.0' },
        { name: 'local', kind: 'tcp-listen', host: '127.0.0.1' },
      ],
      'pw-listener',
    );
    const port = (name: string) => holder.endpoints[name]!.port;
    // Another program on this machine may listen on the same port number elsewhere: ours are this pid's.
    const find = (p: number) => engine.list({ kinds: ['new-listener'] }).find((a) => a.pid === holder.pid && a.sockets.some((s) => s.localPort === p));
    await pollUntil(monitor, () => find(port('all')) !== undefined && find(port('local')) !== undefined);
    const all = find(port('all'))!;
    const local = find(port('local'))!;
    expect(all.severity).toBe('high');
    expect(all.message).toContain(`New listener on all interfaces: pw-listener listens on 0.0.0.0:${port('all')} (TCP) — reachable from any network this machine is on`);
    expect(local.severity).toBe('low');
    expect(local.message).toContain(`New listener: pw-listener listens on 127.0.0.1:${port('local')} (TCP) — reachable from this machine only`);
    expect(all.rule).toEqual({ kind: 'listener', exe: process.execPath, port: port('all'), protocol: 'tcp' });

    // Trusting the listener acknowledges its alert, and the trust lasts: restarted with the alert log
    // gone (so nothing is remembered as raised), the trusted listener stays quiet; the other alerts again.
    const { acknowledged } = await engine.trust(all.rule!);
    expect(acknowledged).toEqual([all.id]);
    await engine.close();
    rmSync(join(dir, 'alerts.jsonl'));
    const restarted = await start(dir);
    await restarted.monitor.pollOnce();
    const after = restarted.engine.list({ kinds: ['new-listener'] }).filter((a) => a.pid === holder.pid);
    expect(after.filter((a) => a.sockets.some((s) => s.localPort === port('all')))).toEqual([]);
    expect(after.filter((a) => a.sockets.some((s) => s.localPort === port('local')))).toHaveLength(1);
    await holder.exit();
  });
});

describe('suspicious-exe', () => {
  it('a program run from a copy of node in a temporary folder is high', async () => {
    const { monitor, engine } = await baselined();
    const exe = tempNodeCopy('pw-tmpexe');
    const holder = await startHolderWith(exe, [{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    await pollUntil(monitor, () => byPid(engine, holder.pid, 'suspicious-exe').length > 0);
    const [alert] = byPid(engine, holder.pid, 'suspicious-exe');
    expect(alert!.severity).toBe('high');
    expect(alert!.message).toContain(`pw-tmpexe (${exe}, pid ${holder.pid}`);
    expect(alert!.message).toContain(`uses the network from an executable in a temporary folder: ${exe}`);
    expect(alert!.rule).toEqual({ kind: 'executable', exe });
    await holder.exit();
  });

  it('a program whose executable was deleted while it runs is high, and says "(deleted)"', async () => {
    const { monitor, engine } = await baselined();
    const exe = tempNodeCopy('pw-ghost');
    const holder = await startHolderWith(exe, [{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    unlinkSync(exe);
    await pollUntil(monitor, () => byPid(engine, holder.pid, 'suspicious-exe').length > 0);
    const [alert] = byPid(engine, holder.pid, 'suspicious-exe');
    expect(alert!.severity).toBe('high');
    expect(alert!.message).toContain(`an executable that was deleted after it started: ${exe} (deleted)`);
    expect(alert!.rule).toBeNull();
    // explain(): the process itself, then its parents up to pid 1 (this test runner among them).
    const explained = engine.explain(alert!.id)!;
    expect(explained.processTree[0]?.pid).toBe(holder.pid);
    expect(explained.processTree.map((p) => p?.pid)).toContain(process.pid);
    await holder.exit();
    expect(engine.explain(alert!.id)!.processTree[0]).toBeNull();
  });
});

describe('port-scan', () => {
  it('a local connect scan over open and closed ports: an alert with the kernel counters, and the sockets of the open ports it holds', async () => {
    const { monitor, engine } = await baselined();
    const targets = await startHolder(
      Array.from({ length: 12 }, (_, i) => ({ name: `p${i}`, kind: 'tcp-listen' as const, host: '127.0.0.1' })),
      'pw-scan-target',
    );
    const open = Object.values(targets.endpoints).map((e) => e.port);
    await monitor.pollOnce(); // the listeners, and a counter reading from before the scan
    // 300 ports below 1024 that nothing here listens on are refused: each one a reset the kernel sends.
    const closed = Array.from({ length: 300 }, (_, i) => 700 + i);
    // From a loopback address of its own: every program on this machine connects from 127.0.0.1, and
    // ten of their connections in ten seconds would be a "scan" from there too.
    const from = `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
    const scanner = await startConnector(privateNode('pw-scanner'), '127.0.0.1', [...open, ...closed], from);
    expect(scanner.connected).toEqual(expect.arrayContaining(open));
    expect(scanner.refused).toBeGreaterThanOrEqual(250);
    const scans = () => engine.list({ kinds: ['port-scan'] }).filter((a) => a.scan?.remoteAddress === from);
    await pollUntil(monitor, () => scans().length > 0, 3);
    const [alert] = scans();
    expect(alert).toBeDefined();
    expect(alert!.evidence).toContain('kernel-counters');
    expect(alert!.scan!.refused!.tcpResets).toBeGreaterThanOrEqual(250);
    // The scanner holds the connections it made, so a poll sees them: one remote, many local ports.
    expect(alert!.evidence).toContain('sockets');
    expect(alert!.scan!.remoteAddress).toBe(from);
    expect(alert!.scan!.localPorts).toEqual(expect.arrayContaining(open));
    // On loopback the peer is the program holding the client ends.
    expect(alert!.message).toContain(`Port scan from ${from} (this machine: pw-scanner, pid ${scanner.pid})`);
    expect(alert!.pid).toBe(scanner.pid);
    expect(alert!.message).toMatch(/the kernel refused \d+ TCP connection attempts \(resets sent\)/);
    // The same scan is one episode: more polls, no second alert.
    await monitor.pollOnce();
    expect(scans()).toHaveLength(1);
    await Promise.all([scanner.exit(), targets.exit()]);
  });
});

describe('new-destination', () => {
  it('a trusted program watched closely alerts when it reaches a loopback port it was not known to use', async () => {
    const { monitor, engine } = await baselined();
    const servers = await startHolder(
      [
        { name: 'known', kind: 'tcp-listen', host: '127.0.0.1' },
        { name: 'new', kind: 'tcp-listen', host: '127.0.0.1' },
      ],
      'pw-dest-server',
    );
    const known = servers.endpoints.known!.port;
    const fresh = servers.endpoints.new!.port;
    const exe = privateNode('pw-watched');
    const first = await startConnector(exe, '127.0.0.1', [known]);
    await monitor.pollOnce();
    await engine.trust({ kind: 'executable', exe });
    await engine.setWatchClosely(exe, true); // what it has open now counts as known
    expect(engine.trustState().watchClosely).toEqual([exe]);

    const same = await startConnector(exe, '127.0.0.1', [known]);
    await monitor.pollOnce();
    expect(engine.list({ kinds: ['new-destination'] })).toEqual([]);

    const other = await startConnector(exe, '127.0.0.1', [fresh]);
    await pollUntil(monitor, () => byPid(engine, other.pid, 'new-destination').length > 0);
    const [alert] = byPid(engine, other.pid, 'new-destination');
    expect(alert!.message).toContain(`which you watch closely, connected to a destination it was not known to use: 127.0.0.1:${fresh} (TCP)`);
    expect(alert!.rule).toEqual({ kind: 'destination', exe, host: '127.0.0.1', port: fresh });
    await Promise.all([first.exit(), same.exit(), other.exit(), servers.exit()]);
  });
});

describe('learning', () => {
  it('a fresh data directory learns for the configured time with no alerts; after it a new program alerts; learning can be re-entered', async () => {
    const dir = tempDataDir('alerts');
    const learnedExe = privateNode('pw-learned');
    const early = await startHolderWith(learnedExe, [{ name: 'l', kind: 'tcp-listen', host: '0.0.0.0' }]);
    const { monitor, engine, events } = await start(dir, { freshLearnSeconds: 5 });
    const status = engine.status();
    expect(status.learning).toBe(true);
    expect(status.learningUntil).toBeGreaterThan(Date.now());
    await monitor.pollOnce();
    await monitor.pollOnce();
    // On a busy machine a poll can take seconds, and the second may land after the learning time:
    // whatever it raised then is not the question. Nothing may come from a poll taken while learning.
    const whileLearning = (a: Alert) => a.at < status.learningUntil!;
    expect(engine.list().filter(whileLearning)).toEqual([]);
    expect(events.filter((e) => e.type === 'alert' && whileLearning(e.alert))).toEqual([]);
    expect(engine.trustState().baselineSize!.processes).toBeGreaterThan(0);

    await new Promise((r) => setTimeout(r, Math.max(0, status.learningUntil! - Date.now()) + 50));
    await monitor.pollOnce();
    expect(engine.status().learning).toBe(false);
    expect(events.some((e) => e.type === 'status' && !e.status.learning)).toBe(true);

    // Learned: another process of the same program, on the same listener kind, is known.
    const sibling = await startHolderWith(learnedExe, [{ name: 'c', kind: 'udp-bind', host: '127.0.0.1' }]);
    const newcomer = await startHolderWith(privateNode('pw-newcomer'), [{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    await pollUntil(monitor, () => byPid(engine, newcomer.pid, 'new-process').length > 0);
    expect(byPid(engine, newcomer.pid, 'new-process')).toHaveLength(1);
    expect(byPid(engine, sibling.pid, 'new-process')).toEqual([]);
    expect(byPid(engine, early.pid)).toEqual([]);

    // Re-entering learning: a new program now is learned, not alerted.
    await engine.startLearning(60);
    expect(engine.status().learning).toBe(true);
    const during = await startHolderWith(privateNode('pw-during'), [{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
    await monitor.pollOnce();
    await monitor.pollOnce();
    expect(byPid(engine, during.pid)).toEqual([]);
    await engine.stopLearning();
    await Promise.all([early.exit(), sibling.exit(), newcomer.exit(), during.exit()]);
  });
});

describe('acknowledging and snoozing', () => {
  it('status counts active alerts by severity; acknowledge and snooze take them out, and both survive a restart', async () => {
    const dir = tempDataDir('alerts');
    const { monitor, engine, events } = await baselined(dir);
    const holder = await startHolder(
      [
        { name: 'all', kind: 'tcp-listen', host: '0.0.0.0' },
        { name: 'local', kind: 'tcp-listen', host: '127.0.0.1' },
      ],
      'pw-ack',
    );
    const mine = () => engine.list({ kinds: ['new-listener'] }).filter((a) => a.pid === holder.pid);
    await pollUntil(monitor, () => mine().length === 2);
    const high = mine().find((a) => a.severity === 'high')!;
    // A loopback-only listener is low.
    const low = mine().find((a) => a.severity === 'low')!;
    const before = engine.status();
    expect(before.counts.high).toBeGreaterThanOrEqual(1);

    await engine.acknowledge(high.id);
    await engine.snooze(low.id, 3_600_000);
    const after = engine.status();
    expect(after.counts.high).toBe(before.counts.high - 1);
    expect(after.counts.low).toBe(before.counts.low - 1);
    expect(after.unacknowledged).toBe(before.unacknowledged - 2);
    expect(events.filter((e) => e.type === 'updated').map((e) => (e.type === 'updated' ? e.alert.id : ''))).toEqual([high.id, low.id]);
    await expect(engine.acknowledge('no-such-alert')).rejects.toThrow(RangeError);
    await expect(engine.snooze(low.id, -5)).rejects.toThrow(RangeError);
    await engine.close();

    const restarted = await start(dir);
    expect(restarted.engine.get(high.id)?.acknowledgedAt).not.toBeNull();
    expect(restarted.engine.get(low.id)?.snoozedUntil).toBeGreaterThan(Date.now());
    expect(restarted.engine.list({ unacknowledged: true }).map((a) => a.id)).toContain(low.id);
    await holder.exit();
  });
});

describe('without a monitor', () => {
  it('manages alerts and trust for commands that do not watch (trust, alerts, learn)', async () => {
    const dir = tempDataDir('alerts');
    const { monitor, engine } = await baselined(dir);
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '0.0.0.0' }], 'pw-nomon');
    await pollUntil(monitor, () => byPid(engine, holder.pid, 'new-listener').length > 0);
    const [alert] = byPid(engine, holder.pid, 'new-listener');
    await engine.close();

    const admin = await AlertEngine.open(null, { dataDir: dir });
    engines.push(admin);
    expect(admin.list({ unacknowledged: true }).map((a) => a.id)).toContain(alert!.id);
    const { acknowledged } = await admin.trust(alert!.rule!);
    expect(acknowledged).toEqual([alert!.id]);
    expect(admin.trustState().rules).toContainEqual(alert!.rule);
    await expect(admin.trust({ kind: 'listener', exe: '/x', port: -1, protocol: 'tcp' } as never)).rejects.toThrow(/not a trust rule: port/);
    await holder.exit();
  });
});
