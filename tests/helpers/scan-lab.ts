// Runs one port-scan scenario (scan-scenarios.py) under the real engine — Monitor, Linux source and
// AlertEngine — and prints what the engine raised as one JSON line. Meant to run inside a network
// namespace of its own (tests/integration/port-scans.test.ts starts it with `unshare -n`): the
// kernel's counters are per namespace, so they count this scenario and nothing else on the machine.
//
//   node --import tsx tests/helpers/scan-lab.ts <scenario> [arg]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AlertEngine } from '../../src/core/alert-engine.js';
import { readKernelCounters } from '../../src/core/kernel-counters.js';
import { Monitor } from '../../src/core/monitor.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';

const SCRIPT = fileURLToPath(new URL('./scan-scenarios.py', import.meta.url));
const [scenario, arg] = process.argv.slice(2);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'portwatch-scanlab-'));
  const monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: 250 });
  const engine = await AlertEngine.open(monitor, { dataDir, learnSeconds: 0 });
  try {
    await monitor.pollOnce();
    const before = readKernelCounters();
    const child = spawn('python3', [SCRIPT, scenario!, ...(arg === undefined ? [] : [arg])], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const next = async () => JSON.parse(String((await lines.next()).value)) as Record<string, unknown>;
    const ready = await next();
    // The engine sees the sockets while they exist…
    await monitor.pollOnce();
    await monitor.pollOnce();
    child.stdin!.write('go\n');
    // …and keeps polling while the scenario ends them, as it would running live.
    let done: Record<string, unknown> | null = null;
    const finished = next().then((d) => (done = d));
    while (done === null) {
      await monitor.pollOnce();
      await Promise.race([finished, new Promise((r) => setTimeout(r, 200))]);
    }
    // A burst seen only in the counters alerts a poll after it is seen: give it those polls.
    for (let i = 0; i < 4; i++) {
      await monitor.pollOnce();
      await new Promise((r) => setTimeout(r, 200));
    }
    const after = readKernelCounters();
    const scans = engine.list({ kinds: ['port-scan'] });
    process.stdout.write(`${JSON.stringify({ ready, done, before, after, scans })}\n`);
  } finally {
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`scan-lab: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
