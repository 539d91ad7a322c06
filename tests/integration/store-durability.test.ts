// The trust store against kill -9: a child trusts rule after rule and is killed at random moments, many
// times over. After each kill the store must open cleanly, and every rule whose trust() had resolved
// (the child printed "saved N") must be there. Nothing the user saved is lost, and nothing is torn.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertEngine } from '../../src/core/alert-engine.js';
import { Monitor } from '../../src/core/monitor.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import { TRUST_FILE, TrustStore } from '../../src/core/store/trust-store.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';

afterAll(removeDataDirs);

const WRITER = fileURLToPath(new URL('../helpers/trust-writer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KILLS = 60;

interface Run {
  saved: number;
  sawAny: boolean;
}

/** Starts the writer, lets it save for a random while, kills it with SIGKILL, reports what it had saved. */
function writeAndKill(dir: string, prefix: string): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, prefix], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  let saved = -1;
  // Kill after a random number of saves (0 to 40) plus a random sub-write delay, so the kill lands
  // anywhere: before the temp file, during its write, between fsync and rename, after the rename.
  const killAfter = Math.floor(Math.random() * 40);
  const delayUs = Math.floor(Math.random() * 3000);
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = /^saved (\d+)$/.exec(line);
      if (m === null) return;
      saved = Number(m[1]);
      if (saved === killAfter) setTimeout(() => child.kill('SIGKILL'), delayUs / 1000);
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer ended by itself (${code}): ${stderr}`));
      else resolve({ saved, sawAny: saved >= 0 });
    });
  });
}

describe('trust store durability', () => {
  it(`survives kill -9 in the middle of writes, ${KILLS} times, losing nothing that was saved`, { timeout: 600_000 }, async () => {
    const dir = tempDataDir('durable');
    await TrustStore.open(dir, { learnSeconds: 0 });
    const expected = new Set<string>();
    let killedMidStream = 0;
    let killedInWrite = 0;
    for (let k = 0; k < KILLS; k++) {
      const prefix = `run${k}`;
      const { saved } = await writeAndKill(dir, prefix);
      for (let i = 0; i <= saved; i++) expected.add(`/opt/${prefix}/app${i}`);
      if (readdirSync(dir).some((n) => n.startsWith(`${TRUST_FILE}.tmp-`))) killedInWrite++;
      const { store, warnings } = await TrustStore.open(dir, { learnSeconds: 0 });
      expect(warnings).toEqual([]);
      const present = new Set(store.state().rules.map((r) => r.exe));
      const missing = [...expected].filter((e) => !present.has(e));
      expect(missing).toEqual([]);
      // Anything beyond what was reported saved can only be the one write in flight when it died.
      const extra = [...present].filter((e) => e.startsWith(`/opt/${prefix}/`) && !expected.has(e));
      expect(extra.length).toBeLessThanOrEqual(1);
      if (extra.length === 1) killedMidStream++;
      // Never a backup: the file was never unreadable. Stale temp files of the dead writer are cleared.
      const names = readdirSync(dir);
      expect(names.filter((n) => n.includes('.corrupt-'))).toEqual([]);
      expect(names.filter((n) => n.startsWith(`${TRUST_FILE}.tmp-`))).toEqual([]);
    }
    expect(expected.size).toBeGreaterThan(KILLS);
    expect((await TrustStore.open(dir)).store.state().rules.length).toBeGreaterThanOrEqual(expected.size);
    // Not an assertion of timing, just what happened: how often the kill caught a write in flight.
    console.log(
      `durability: ${KILLS} kills, ${expected.size} rules saved; ${killedInWrite} kills left a half-written temp file, ` +
        `${killedMidStream} landed after a write reached disk but before "saved" was printed`,
    );
  });
});

describe('a corrupt store at start', () => {
  it('is kept aside with its bytes, the engine reports it and starts empty with alerts on (a damaged file buys no learning period)', async () => {
    const dir = tempDataDir('corrupt');
    const garbage = Buffer.from('{"version":1,"rules":[{"kind":"executable","exe":"/usr/bin/ss' + '\u0000'.repeat(3) + '\xff\xfe', 'latin1');
    writeFileSync(join(dir, TRUST_FILE), garbage);
    const engine = await AlertEngine.open(new Monitor({ source: new LinuxProcSource() }), { dataDir: dir, freshLearnSeconds: 60 });
    try {
      const status = engine.status();
      const backup = readdirSync(dir).find((n) => n.startsWith(`${TRUST_FILE}.corrupt-`));
      expect(backup).toBeDefined();
      expect(readFileSync(join(dir, backup!))).toEqual(garbage);
      expect(status.warnings).toHaveLength(1);
      expect(status.warnings[0]).toContain(`The file was kept as ${join(dir, backup!)}`);
      expect(status.learning).toBe(false);
      expect(engine.trustState().rules).toEqual([]);
      // And the new store is a good file already.
      expect(JSON.parse(readFileSync(join(dir, TRUST_FILE), 'utf8'))).toMatchObject({ version: 1, rules: [] });
    } finally {
      await engine.close();
    }
  });
});
