// `npm run bench`: the engine's CPU per poll against `ss -tunap` and systeminformation, measured in
// the same run on the same sockets, printed as ratios. CPU time, not wall time: the machines are
// shared and a busy neighbour stretches wall time but not the work we do.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import si from 'systeminformation';
import { Monitor } from '../src/core/monitor.js';
import { LinuxProcSource } from '../src/core/sources/linux-proc.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const SIZES = (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
/** BENCH_TABLES=proc measures the engine reading /proc/net instead of NETLINK_SOCK_DIAG. */
const NETLINK = process.env.BENCH_TABLES !== 'proc';

interface Farm {
  child: ChildProcess;
  sockets: number;
  send(line: string): Promise<string>;
}

async function startFarm(n: number): Promise<Farm> {
  // Root may raise its own fd limit; the farm needs one fd per socket.
  const child = spawn('sh', ['-c', `ulimit -n ${n + 1000} 2>/dev/null; exec "$0" "$@"`, process.execPath, here('./socket-farm.mjs'), String(n)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => String((await lines.next()).value);
  const ready = await next();
  return {
    child,
    sockets: Number(ready.split(' ')[1]),
    async send(line) {
      child.stdin!.write(line + '\n');
      return next();
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

/** A whole poll as the monitor runs it: read, attribute, diff. */
function monitorOn(source: LinuxProcSource): Monitor {
  return new Monitor({ source, intervalMs: 1000 });
}

/** CPU of this process and its reaped children (systeminformation shells out to ss/netstat). */
function selfAndChildrenMs(): number {
  const fields = readFileSync('/proc/self/stat', 'latin1').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  return (ticks * 1000) / 100;
}

function ssRuns(runs: number): number[] {
  const r = spawnSync('python3', [here('./cpu-of.py'), String(runs), 'ss', '-tunap'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not time ss: ${r.stderr}`);
  return JSON.parse(r.stdout) as number[];
}

async function siMs(runs: number): Promise<number> {
  // Tick-resolution counters, so time the whole batch and divide.
  await si.networkConnections();
  const t0 = selfAndChildrenMs();
  for (let i = 0; i < runs; i++) await si.networkConnections();
  return (selfAndChildrenMs() - t0) / runs;
}

async function watcherMemoryMb(polls: number): Promise<number> {
  // The watcher as a user runs it, alert engine included, on a data dir of its own.
  const dataDir = mkdtempSync(join(tmpdir(), 'portwatch-bench-'));
  const args = ['watch', '--ndjson', '--interval', '250', '--count', String(polls), '--data-dir', dataDir, '--learn', '0'];
  const child = spawn(process.execPath, [here('../bin/portwatch.js'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'latin1'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      // exited
    }
  }, 100);
  await new Promise((r) => child.once('exit', r));
  clearInterval(timer);
  rmSync(dataDir, { recursive: true, force: true });
  return peak;
}

const fmt = (ms: number) => `${ms.toFixed(2).padStart(8)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

async function benchSize(n: number): Promise<void> {
  const farm = await startFarm(n);
  try {
    // Cold: a fresh source learns every owner from scratch.
    const cold: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const m = monitorOn(new LinuxProcSource({ netlink: NETLINK }));
      cold.push((await cpuMs(() => m.pollOnce()))[0]);
    }
    const source = new LinuxProcSource({ netlink: NETLINK });
    const monitor = monitorOn(source);
    await monitor.pollOnce();
    const rows = monitor.getState().snapshot.sockets.length;
    for (let i = 0; i < 3; i++) await monitor.pollOnce(); // settle retries of sockets nobody holds
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) warm.push((await cpuMs(() => monitor.pollOnce()))[0]);
    const warmStats = source.lastStats;
    // 1% new: the farm swaps 0.5% of its connections (1% of sockets) between two polls.
    const churnPairs = Math.max(1, Math.round(n / 200));
    const churn: number[] = [];
    let churnStats = source.lastStats;
    for (let i = 0; i < RUNS; i++) {
      await farm.send(`churn ${churnPairs}`);
      churn.push((await cpuMs(() => monitor.pollOnce()))[0]);
      churnStats = source.lastStats;
    }
    const ss = median(ssRuns(RUNS));
    const siCost = await siMs(Math.max(3, Math.round(RUNS / 3)));
    const coldM = median(cold);
    const warmM = median(warm);
    const churnM = median(churn);
    console.log(`\n${farm.sockets} farm sockets (${rows} rows in the tables, read through ${source.tables}), median CPU per poll over ${RUNS} runs`);
    console.log(`  ss -tunap                          ${fmt(ss)}   1.00× ss`);
    console.log(`  systeminformation.networkConnections ${fmt(siCost)}   ${ratio(siCost, ss)} ss`);
    console.log(`  portwatch cold poll                ${fmt(coldM)}   ${ratio(coldM, ss)} ss   (goal ≤ 1×)`);
    console.log(`  portwatch warm poll (no change)    ${fmt(warmM)}   ${ratio(warmM, ss)} ss   (goal ≤ 0.2×)  fd links read: ${warmStats.fdLinksRead}`);
    console.log(
      `  portwatch poll, 1% new sockets     ${fmt(churnM)}   ${ratio(churnM, ss)} ss   fd links read: ${churnStats.fdLinksRead}, lookups: ${churnStats.lookups}`,
    );
    console.log(`  portwatch vs systeminformation: warm ${ratio(warmM, siCost)}, cold ${ratio(coldM, siCost)}`);
    if (n === Math.max(...SIZES)) {
      const peak = await watcherMemoryMb(40);
      console.log(`  watcher peak RSS (portwatch watch --ndjson with alerts, 40 polls at 250 ms): ${peak.toFixed(1)} MB   (goal < 200 MB)`);
    }
  } finally {
    farm.child.kill('SIGKILL');
  }
}

console.log(`Portwatch engine bench — ${new Date().toISOString()}, node ${process.version}, ${process.platform}`);
for (const n of SIZES) await benchSize(n);
