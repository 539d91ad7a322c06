// `npm run bench`: what Portwatch costs against `ss` and systeminformation, measured in the same run
// on the same sockets, printed as ratios (and the absolute figures behind them). CPU time, not wall
// time: the machines are shared and a busy neighbour stretches wall time more than the work we do.
//
// 1. The engine in this process: cold, warm and 1%-churn polls against `ss -tunap`.
// 2. The whole watcher as a user pays it: CPU of the `portwatch watch --ndjson` process per poll over
//    30 polls, minus its start-up, against `ss -tunap` (goal: warm ≤ 0.10×, cold ≤ 1×).
// 3. Traffic: 1,000 of 10,000 sockets moving data; our warm poll with counters against `ss -tinp`
//    and against our poll without them (which may leave ESTABLISHED out: counters cannot), tcp_info's
//    own cost on a dump of every state (goal: < 20% on top), and one traffic update's size.
//    The same for the two hosts that keep an engine running: the browser-mode server (`portwatch serve`,
//    one WebSocket client attached as a page would be) and the Electron utility process (serveEngine
//    over openEngine, bench/engine-host.mjs), each measured whole from /proc/PID/stat over 30 polls.
// 4. 100,000 sockets: every one in the table, and the watcher's peak RSS (goal < 400 MB).
//
// BENCH_SIZES (default 1000,10000), BENCH_RUNS (15), BENCH_BIG (100000; 0 skips), BENCH_WATCH_RUNS (5),
// BENCH_TABLES=proc measures the engine reading /proc/net instead of NETLINK_SOCK_DIAG; BENCH_ONLY (a comma list of
// engine, watcher, hosts, traffic, rss, big) runs only those parts.
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import si from 'systeminformation';
import WebSocket from 'ws';
import { Monitor } from '../src/core/monitor.js';
import { LinuxProcSource } from '../src/core/sources/linux-proc.js';
import { loadSockDiag } from '../src/core/sources/netlink.js';
import type { TrafficUpdate } from '../src/shared/traffic.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number).filter((n) => n > 0);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BIG = Number(process.env.BENCH_BIG ?? 100_000);
const WATCH_RUNS = Number(process.env.BENCH_WATCH_RUNS ?? 5);
const WATCH_POLLS = 30;
const NETLINK = process.env.BENCH_TABLES !== 'proc';
const CLI = here('../bin/portwatch.js');
const ONLY = process.env.BENCH_ONLY?.split(',') ?? null;
const want = (part: string) => ONLY === null || ONLY.includes(part);

interface Farm {
  /** The farm processes (one unless the fd limit splits it). */
  children: ChildProcess[];
  pids: number[];
  sockets: number;
  /** When it was ready (Date.now()). */
  readyAt: number;
  /** A command to the first farm process, and its answer. */
  send(line: string): Promise<string>;
  kill(): void;
}

/** The hard limit on open files: a farm process holds one fd per socket, and root may not raise it here. */
function fdHardLimit(): number {
  const r = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) && n > 0 ? n : 1024;
}

async function startFarm(n: number): Promise<Farm> {
  const per = Math.max(1000, fdHardLimit() - 1000);
  const parts = Math.ceil(n / per);
  const started = await Promise.all(
    Array.from({ length: parts }, async (_, i) => {
      const size = i === parts - 1 ? n - per * (parts - 1) : per;
      // Each raises its soft fd limit as far as the hard one allows.
      const child = spawn('sh', ['-c', `ulimit -n ${size + 1000} 2>/dev/null || ulimit -n $(ulimit -Hn); exec "$0" "$@"`, process.execPath, here('./socket-farm.mjs'), String(size)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const next = async () => String((await lines.next()).value);
      const ready = await next();
      if (!ready.startsWith('ready ')) throw new Error(`the socket farm did not start: ${ready}`);
      return { child, next, sockets: Number(ready.split(' ')[1]) };
    }),
  );
  const first = started[0]!;
  return {
    children: started.map((s) => s.child),
    pids: started.map((s) => s.child.pid!), // sh exec'd node: the same pid
    sockets: started.reduce((sum, s) => sum + s.sockets, 0),
    readyAt: Date.now(),
    async send(line) {
      first.child.stdin!.write(line + '\n');
      return first.next();
    },
    kill() {
      for (const s of started) s.child.kill('SIGKILL');
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function cpuMs<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const before = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(before);
  return [(used.user + used.system) / 1000, value];
}

/** CPU of this process and its reaped children (systeminformation shells out to ss/netstat). */
function selfAndChildrenMs(): number {
  const fields = readFileSync('/proc/self/stat', 'latin1').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  return (ticks * 1000) / 100;
}

/** CPU of a whole process (ms): user and system time apart, and their sum. */
interface Cpu {
  user: number;
  system: number;
  total: number;
}

/** CPU of each of `runs` runs of a command, from the kernel's rusage of the child. */
function cpuOf(runs: number, command: string[]): Cpu[] {
  const r = spawnSync('python3', [here('./cpu-of.py'), String(runs), ...command], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`could not time ${command.join(' ')}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as Array<[number, number]>).map(([user, system]) => ({ user, system, total: user + system }));
}

/** Each figure's median apart (so user + system need not add up to total exactly). */
function medianCpu(runs: Cpu[]): Cpu {
  return { user: median(runs.map((c) => c.user)), system: median(runs.map((c) => c.system)), total: median(runs.map((c) => c.total)) };
}

const minus = (a: Cpu, b: Cpu, per = 1): Cpu => ({ user: (a.user - b.user) / per, system: (a.system - b.system) / per, total: (a.total - b.total) / per });
const split = (c: Cpu) => `user ${c.user.toFixed(2)} + system ${c.system.toFixed(2)} ms`;

async function siMs(runs: number): Promise<number> {
  // Tick-resolution counters, so time the whole batch and divide.
  await si.networkConnections();
  const t0 = selfAndChildrenMs();
  for (let i = 0; i < runs; i++) await si.networkConnections();
  return (selfAndChildrenMs() - t0) / runs;
}

const fmt = (ms: number) => `${ms.toFixed(2).padStart(8)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const line = (label: string, ms: number, against: number, peer: string, goal = '') => console.log(`  ${label.padEnd(44)} ${fmt(ms)}   ${ratio(ms, against).padStart(6)} ${peer}${goal ? `   (goal ${goal})` : ''}`);

/** The engine in this process. */
async function benchEngine(farm: Farm, n: number): Promise<void> {
  // Cold: a fresh source learns every owner from scratch.
  const cold: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const source = new LinuxProcSource({ netlink: NETLINK });
    const m = new Monitor({ source, intervalMs: 1000 });
    cold.push((await cpuMs(() => m.pollOnce()))[0]);
    source.close();
  }
  const source = new LinuxProcSource({ netlink: NETLINK });
  const monitor = new Monitor({ source, intervalMs: 1000 });
  await monitor.pollOnce();
  const rows = monitor.getState().snapshot.sockets.length;
  for (let i = 0; i < 3; i++) await monitor.pollOnce(); // settle retries of sockets nobody holds
  const warm: number[] = [];
  let warmSkipped = 0;
  for (let i = 0; i < RUNS; i++) {
    warm.push((await cpuMs(() => monitor.pollOnce()))[0]);
    if (source.lastStats.establishedSkipped) warmSkipped++;
  }
  const warmStats = source.lastStats;
  // 1% new: the farm swaps 0.5% of its connections between two polls.
  const churnPairs = Math.max(1, Math.round(n / 200));
  const churn: number[] = [];
  let churnStats = source.lastStats;
  let churnSkipped = 0;
  for (let i = 0; i < RUNS; i++) {
    await farm.send(`churn ${churnPairs}`);
    churn.push((await cpuMs(() => monitor.pollOnce()))[0]);
    churnStats = source.lastStats;
    if (churnStats.establishedSkipped) churnSkipped++;
  }
  source.close();
  const ss = medianCpu(cpuOf(RUNS, ['ss', '-tunap'])).total;
  const siCost = await siMs(Math.max(3, Math.round(RUNS / 3)));
  const [coldM, warmM, churnM] = [median(cold), median(warm), median(churn)];
  console.log(`\n${farm.sockets} farm sockets (${rows} rows in the tables, read through ${source.tables}): the engine in-process (no traffic counters), median CPU per poll over ${RUNS} runs`);
  line('ss -tunap', ss, ss, 'ss');
  line('systeminformation.networkConnections', siCost, ss, 'ss');
  line('engine cold poll', coldM, ss, 'ss', '≤ 1×');
  line('engine warm poll (no change)', warmM, ss, 'ss');
  console.log(`    warm poll work: ${warmStats.changes} changes, ${warmStats.fdLinksRead} fd links read, ${warmStats.statReads} owner checks; the kernel's dump left ESTABLISHED out in ${warmSkipped} of ${RUNS} (its counters showed none came or went)`);
  line(`engine poll, 1% new sockets`, churnM, ss, 'ss');
  console.log(`    churn poll work: ${churnStats.changes} changes, ${churnStats.fdLinksRead} fd links read, ${churnStats.lookups} lookups; ESTABLISHED left out in ${churnSkipped} of ${RUNS}`);
  console.log(`  engine vs systeminformation: warm ${ratio(warmM, siCost)}, cold ${ratio(coldM, siCost)}`);
}

/** `portwatch watch --ndjson` as a user runs it, alert engine included, on a data folder of its own. */
function watchCommand(dataDir: string, count: number, extra: string[] = []): string[] {
  return [process.execPath, CLI, 'watch', '--ndjson', '--interval', '250', '--count', String(count), '--data-dir', dataDir, ...extra];
}

/** The whole watcher's CPU per poll, warm and cold, against `ss -tunap`. */
function benchWatcher(farm: Farm): void {
  // Learned once, as a user's trust store has, so the measured runs alert only on news.
  const dataDir = learnedDataDir();
  try {
    const running = ['--learn', '0'];
    // Start-up: the same command on an empty machine (new network and pid namespaces: no socket, no
    // process to read), so the first poll costs nothing.
    const empty = spawnSync('unshare', ['-n', '-p', '-f', '--mount-proc', 'true']).status === 0;
    const zero: Cpu = { user: 0, system: 0, total: 0 };
    // Interleaved, one of each per round: this machine's speed drifts over minutes, and a ratio of
    // figures taken minutes apart measured the drift as much as the watcher.
    const runs = { startup: [] as Cpu[], one: [] as Cpu[], many: [] as Cpu[], ss: [] as Cpu[] };
    for (let i = 0; i < WATCH_RUNS; i++) {
      if (empty) runs.startup.push(...cpuOf(1, ['unshare', '-n', '-p', '-f', '--mount-proc', ...watchCommand(dataDir, 1, running)]));
      runs.one.push(...cpuOf(1, watchCommand(dataDir, 1, running)));
      runs.many.push(...cpuOf(1, watchCommand(dataDir, WATCH_POLLS + 1, running)));
      runs.ss.push(...cpuOf(3, ['ss', '-tunap']));
    }
    const startup = empty ? medianCpu(runs.startup) : null;
    const one = medianCpu(runs.one);
    const many = medianCpu(runs.many);
    const ss = medianCpu(runs.ss);
    const spread = (xs: Cpu[]) => `${Math.min(...xs.map((c) => c.total)).toFixed(0)}–${Math.max(...xs.map((c) => c.total)).toFixed(0)} ms`;
    const warm = minus(many, one, WATCH_POLLS);
    const cold = minus(one, startup ?? zero);
    console.log(`\n  the whole watcher (portwatch watch --ndjson, alerts on, no traffic counters: it shows none), CPU of the process, median of ${WATCH_RUNS} interleaved rounds, ${farm.sockets} farm sockets`);
    console.log(`    start-up (empty namespaces) ${fmt(startup?.total ?? Number.NaN)};  1 poll ${fmt(one.total)};  ${WATCH_POLLS + 1} polls ${fmt(many.total)}`);
    line('ss -tunap', ss.total, ss.total, 'ss');
    console.log(`    ss: ${split(ss)}  (its ${runs.ss.length} runs: ${spread(runs.ss)}; the watcher's 31-poll runs: ${spread(runs.many)})`);
    if (startup !== null) {
      line('watcher cold poll (1 poll − start-up)', cold.total, ss.total, 'ss', '≤ 1×');
      console.log(`    cold: ${split(cold)}   (start-up: ${split(startup)})`);
    } else console.log('  watcher cold poll: not measured (unshare cannot make empty namespaces here)');
    line(`watcher warm poll ((${WATCH_POLLS + 1} − 1 polls) / ${WATCH_POLLS})`, warm.total, ss.total, 'ss', '≤ 0.10×');
    console.log(`    warm: ${split(warm)}   (user ${ratio(warm.user, ss.user)} ss's user, system ${ratio(warm.system, ss.system)} ss's system)`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** CPU of a running process so far, from /proc/PID/stat (clock ticks of 10 ms). */
function processCpu(pid: number): Cpu {
  const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ');
  const user = Number(fields[11]) * 10;
  const system = Number(fields[12]) * 10;
  return { user, system, total: user + system };
}

/** A data folder that has learned this machine, as a user's has (see benchWatcher). */
function learnedDataDir(): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'portwatch-bench-'));
  cpuOf(1, watchCommand(dataDir, 1, ['--learn', '3600']));
  return dataDir;
}

/**
 * A host that keeps an engine polling, measured whole: CPU of its process per poll over WATCH_POLLS
 * polls after `settle` polls, counted by `onPoll` (each delta the host sends out). Also the CPU until
 * its first delta (start-up and the cold poll together).
 */
async function hostCost(pid: number, polls: AsyncIterator<void>, settle = 3): Promise<{ first: Cpu; warm: Cpu }> {
  await polls.next();
  const first = processCpu(pid);
  for (let i = 1; i < settle; i++) await polls.next();
  const a = processCpu(pid);
  for (let i = 0; i < WATCH_POLLS; i++) await polls.next();
  return { first, warm: minus(processCpu(pid), a, WATCH_POLLS) };
}

/** A queue of poll notifications: push() from an event, next() waits for one. */
function pollQueue(): { push(): void; iterator: AsyncIterator<void> } {
  let pending = 0;
  let wake: (() => void) | null = null;
  return {
    push() {
      pending++;
      wake?.();
      wake = null;
    },
    iterator: {
      async next() {
        while (pending === 0) await new Promise<void>((r) => (wake = r));
        pending--;
        return { done: false, value: undefined };
      },
    },
  };
}

/** `portwatch serve` with one WebSocket client (getState once, then every event), as a page is. */
async function benchServe(dataDir: string): Promise<{ first: Cpu; warm: Cpu }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--no-open', '--no-agent', '--port', '0', '--interval', '250', '--learn', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    let url: URL | null = null;
    while (url === null) {
      const next = await lines.next();
      if (next.done) throw new Error('portwatch serve ended before it printed its URL');
      const m = /serving on (\S+)/.exec(String(next.value));
      if (m) url = new URL(m[1]!);
    }
    const ws = new WebSocket(`ws://127.0.0.1:${url.port}/ws?token=${url.searchParams.get('token')}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const queue = pollQueue();
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; event?: string };
      if (m.type === 'event' && m.event === 'delta') queue.push();
    });
    ws.send(JSON.stringify({ id: 1, method: 'getState', args: [] }));
    const cost = await hostCost(child.pid!, queue.iterator);
    ws.close();
    return cost;
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.once('close', r));
  }
}

/** The Electron utility process's engine (bench/engine-host.mjs), as main opens it. */
async function benchUtilityProcess(dataDir: string): Promise<{ first: Cpu; warm: Cpu }> {
  const child = fork(here('./engine-host.mjs'), [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  try {
    const queue = pollQueue();
    child.on('message', (m: { type: string; event?: string }) => {
      if (m.type === 'event' && m.event === 'delta') queue.push();
    });
    // reverseDns off: the bench never asks the machine's resolver.
    child.send({ type: 'open', version: 1, config: { dataDir, intervalMs: 250, paused: false, seqBase: 0, alerts: { learnSeconds: 0 }, watchedPorts: true, reverseDns: false } });
    child.send({ type: 'request', id: 1, method: 'getState', args: [] });
    return await hostCost(child.pid!, queue.iterator);
  } finally {
    child.send({ type: 'close' });
    await new Promise((r) => child.once('close', r));
  }
}

/** The hosts that keep an engine running, against `ss -tunap`, each whole. */
async function benchHosts(farm: Farm): Promise<void> {
  const dataDir = learnedDataDir();
  try {
    const serve = await benchServe(dataDir);
    const utility = await benchUtilityProcess(dataDir);
    const ss = medianCpu(cpuOf(RUNS, ['ss', '-tunap']));
    console.log(`\n  the hosts that keep an engine running, CPU of the whole process per poll over ${WATCH_POLLS} polls at 250 ms (10 ms ticks), ${farm.sockets} farm sockets`);
    line('ss -tunap', ss.total, ss.total, 'ss');
    for (const [label, cost] of [
      ['portwatch serve, one page attached', serve],
      ['the Electron utility process (engine-host)', utility],
    ] as const) {
      line(`${label}: warm poll`, cost.warm.total, ss.total, 'ss', '≤ 0.10×');
      console.log(`    warm: ${split(cost.warm)};  until its first delta (start-up + cold poll): ${split(cost.first)}`);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** 1,000 of the farm's sockets (both ends of 500 connections) moving data: counters against ss -tinp and against no counters. */
async function benchTraffic(farm: Farm): Promise<void> {
  const MOVING = 1000;
  await farm.send(`move ${MOVING / 2} 1000`);
  try {
    const withSource = new LinuxProcSource({ netlink: NETLINK, traffic: true });
    const withMonitor = new Monitor({ source: withSource, intervalMs: 1000 });
    const withoutSource = new LinuxProcSource({ netlink: NETLINK, traffic: false });
    const withoutMonitor = new Monitor({ source: withoutSource, intervalMs: 1000 });
    // Kept, and measured after the timed polls: serialising is the host's cost, not the poll's.
    const updates: TrafficUpdate[] = [];
    withMonitor.subscribeTraffic((u: TrafficUpdate) => updates.push(u));
    for (let i = 0; i < 4; i++) {
      await withMonitor.pollOnce();
      await withoutMonitor.pollOnce();
    }
    updates.length = 0;
    const withCounters: number[] = [];
    const without: number[] = [];
    let withoutSkipped = 0;
    // Alternate, so both see the same machine; a pause between polls lets the clients write.
    for (let i = 0; i < RUNS; i++) {
      await new Promise((r) => setTimeout(r, 150));
      withCounters.push((await cpuMs(() => withMonitor.pollOnce()))[0]);
      await new Promise((r) => setTimeout(r, 150));
      without.push((await cpuMs(() => withoutMonitor.pollOnce()))[0]);
      if (withoutSource.lastStats.establishedSkipped) withoutSkipped++;
    }
    // tcp_info's own cost, like for like: the reader alone, both dumping every state.
    const info = loadSockDiag()!;
    const plain = loadSockDiag()!;
    info.poll({ full: true, traffic: true });
    plain.poll({ full: true, everyState: true });
    const readerWith: number[] = [];
    const readerWithout: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      readerWith.push((await cpuMs(async () => info.poll({ traffic: true })))[0]);
      readerWithout.push((await cpuMs(async () => plain.poll({ everyState: true })))[0]);
    }
    info.close();
    plain.close();
    withSource.close();
    withoutSource.close();
    const sizes = updates.map((u) => Buffer.byteLength(JSON.stringify(u)));
    const moved = updates.map((u) => u.sockets.length);
    const ssTinp = medianCpu(cpuOf(RUNS, ['ss', '-tinp'])).total;
    const [w, wo] = [median(withCounters), median(without)];
    console.log(`\n  traffic: ${MOVING} of ${farm.sockets} farm sockets moving data (${MOVING / 2} connections, 10 KB/s each), median CPU per warm poll over ${RUNS} runs`);
    line('ss -tinp (the same counters, printed)', ssTinp, ssTinp, 'ss -tinp');
    line('engine warm poll with traffic counters', w, ssTinp, 'ss -tinp');
    line('engine warm poll without traffic counters', wo, ssTinp, 'ss -tinp');
    const [rw, rwo] = [median(readerWith), median(readerWithout)];
    console.log(`  counters on top of the engine's poll: ${ratio(w, wo)} the poll without them, +${(((w - wo) / wo) * 100).toFixed(0)}%   (that poll left ESTABLISHED out in ${withoutSkipped} of ${RUNS}: counters need every socket dumped)`);
    console.log(`  tcp_info on top of a dump of every state (the reader alone, ${fmt(rw).trim()} against ${fmt(rwo).trim()}): +${(((rw - rwo) / rwo) * 100).toFixed(0)}%   (goal < +20%)`);
    console.log(
      `  one traffic update: median ${(median(sizes) / 1024).toFixed(1)} KB of JSON, ${median(moved)} sockets in it (${(median(sizes) / Math.max(1, median(moved))).toFixed(0)} bytes per socket)`,
    );
  } finally {
    await farm.send('still');
  }
}

/** Peak RSS (VmHWM) of the watcher over `polls` polls, and its first line (the snapshot). */
async function watcherRun(polls: number): Promise<{ peakMb: number; snapshot: { sockets: Array<{ pid: number | null }> } | null }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'portwatch-bench-'));
  const [command, ...args] = watchCommand(dataDir, polls, ['--learn', '0']);
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let first: string | null = null;
  const lines = readline.createInterface({ input: child.stdout!, crlfDelay: Infinity });
  lines.on('line', (l) => (first ??= l));
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'latin1'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // exited
    }
  }, 50);
  await new Promise((r) => child.once('close', r));
  clearInterval(timer);
  rmSync(dataDir, { recursive: true, force: true });
  return { peakMb: peak, snapshot: first === null ? null : (JSON.parse(first) as { sockets: Array<{ pid: number | null }> }) };
}

async function benchBig(): Promise<void> {
  await settle();
  const farm = await startFarm(BIG);
  try {
    const pids = new Set(farm.pids);
    const source = new LinuxProcSource({ netlink: NETLINK });
    const monitor = new Monitor({ source, intervalMs: 1000 });
    const [cold] = await cpuMs(() => monitor.pollOnce());
    const held = monitor.getState().snapshot.sockets.filter((s) => s.pid !== null && pids.has(s.pid)).length;
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) warm.push((await cpuMs(() => monitor.pollOnce()))[0]);
    source.close();
    const ss = medianCpu(cpuOf(3, ['ss', '-tunap'])).total;
    const { peakMb, snapshot } = await watcherRun(5);
    const shown = snapshot?.sockets.filter((s) => s.pid !== null && pids.has(s.pid)).length ?? 0;
    console.log(`\n${farm.sockets} farm sockets (${farm.pids.length} farm processes: the fd limit here is ${fdHardLimit()})`);
    console.log(`  correct: the engine holds ${held} of the farm's ${farm.sockets} sockets, the watcher's snapshot shows ${shown}   ${held === farm.sockets && shown === farm.sockets ? 'OK' : 'MISSING SOCKETS'}`);
    line('ss -tunap', ss, ss, 'ss');
    line('engine cold poll', cold, ss, 'ss');
    line('engine warm poll', median(warm), ss, 'ss');
    console.log(`  watcher peak RSS (portwatch watch --ndjson with alerts, 5 polls): ${peakMb.toFixed(0)} MB   (goal < 400 MB)`);
  } finally {
    farm.kill();
  }
}

/** TCP sockets in TIME_WAIT in this namespace now (/proc/net/sockstat), null where unreadable. */
function timeWaitCount(): number | null {
  const m = /TCP: .*\btw (\d+)/.exec(readFileSync('/proc/net/sockstat', 'latin1'));
  return m ? Number(m[1]) : null;
}

const TW_AT_START = timeWaitCount() ?? 0;

/**
 * Waits (at most 70 s) for the TIME_WAIT sockets earlier parts left to expire: a killed or churned
 * farm leaves thousands, and their leaving the table within the next minute is work no steady
 * 10,000-socket machine does every poll. Says how long it waited.
 */
async function settle(): Promise<void> {
  const start = Date.now();
  const before = timeWaitCount();
  if (before === null || before <= TW_AT_START + 100) return;
  while (Date.now() - start < 70_000 && (timeWaitCount() ?? 0) > TW_AT_START + 100) await new Promise((r) => setTimeout(r, 500));
  console.log(`  (waited ${((Date.now() - start) / 1000).toFixed(0)} s for ${before} TIME_WAIT sockets of earlier parts to expire; ${timeWaitCount()} left)`);
}

console.log(`Portwatch engine bench — ${new Date().toISOString()}, node ${process.version}, ${process.platform}, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`);
for (const n of SIZES) {
  await settle();
  const farm = await startFarm(n);
  try {
    if (want('engine')) await benchEngine(farm, n);
    if (n === Math.max(...SIZES)) {
      await settle();
      // The engine reads a process's whole fd table each poll for its first 10 s (a starting program
      // reuses fd numbers): a farm that young is not the steady machine the watcher is measured on.
      const young = 11_000 - (Date.now() - farm.readyAt);
      if (young > 0) await new Promise((r) => setTimeout(r, young));
      if (want('watcher')) benchWatcher(farm);
      if (want('hosts')) await benchHosts(farm);
      if (NETLINK && want('traffic')) await benchTraffic(farm);
    }
    if (n === Math.max(...SIZES) && want('rss')) {
      const { peakMb } = await watcherRun(40);
      console.log(`  watcher peak RSS (portwatch watch --ndjson with alerts, 40 polls at 250 ms): ${peakMb.toFixed(1)} MB   (goal < 200 MB)`);
    }
  } finally {
    farm.kill();
  }
}
if (BIG > 0 && want('big')) await benchBig();
process.exit(0);
