// Writers sharing one data folder, for real: many `portwatch trust` processes at once, a running
// `serve` taking trust calls while the command line writes, writers killed with -9 mid-way, and two
// engines appending to one alert log. Nothing reported saved may be lost, and nothing said twice.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertLog } from '../../src/core/store/alert-log.js';
import type { Alert, TrustRule } from '../../src/shared/alerts.js';
import { ROOT, runCli, type CliResult } from '../helpers/cli.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';
import { ApiClient, ensureUiBuilt, startServe, stopAllServes } from '../helpers/serve.js';

beforeAll(ensureUiBuilt);

afterAll(async () => {
  await stopAllServes();
  removeDataDirs();
});

function rulesOnDisk(dir: string): TrustRule[] {
  return (JSON.parse(readFileSync(join(dir, 'trust.json'), 'utf8')) as { rules: TrustRule[] }).rules;
}

const exes = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `/opt/${prefix}/app${i}`);

describe('the trust store, written by many processes at once', () => {
  it('10 parallel `trust --exe` save 10 of 10; 10 parallel `--remove` leave none', async () => {
    const dir = tempDataDir('parallel');
    const added = exes('par', 10);
    const adds = await Promise.all(added.map((exe) => runCli(['trust', '--exe', exe, '--data-dir', dir])));
    for (const r of adds) expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(rulesOnDisk(dir).map((r) => r.exe).sort()).toEqual([...added].sort());

    const removes = await Promise.all(added.map((exe) => runCli(['trust', '--exe', exe, '--remove', '--data-dir', dir])));
    for (const r of removes) expect(r, r.stderr).toMatchObject({ code: 0, stdout: expect.stringMatching(/^No longer trusted/) as unknown });
    expect(rulesOnDisk(dir)).toEqual([]);
  });

  it('a running serve taking trust calls while the command line writes loses none of either', async () => {
    const dir = tempDataDir('serve-and-cli');
    const served = await startServe(['--no-open', '--interval', '1000', '--learn', '0', '--data-dir', dir]);
    const client = await ApiClient.open(served);
    const viaApi = exes('api', 15); // within what one client may trust at once (rate limit)
    const viaCli = exes('cli', 8);
    const [answers, clis] = await Promise.all([
      Promise.all(viaApi.map((exe) => client.call('trust', [{ kind: 'executable', exe }]))),
      Promise.all(viaCli.map((exe) => runCli(['trust', '--exe', exe, '--data-dir', dir]))),
    ]);
    for (const a of answers) expect(a, JSON.stringify(a)).toMatchObject({ ok: true, value: { added: true } });
    for (const r of clis) expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(rulesOnDisk(dir).map((r) => r.exe).sort()).toEqual([...viaApi, ...viaCli].sort());
    // The server's own view took the command line's rules in too, and its next write keeps them.
    await client.call('trust', [{ kind: 'executable', exe: '/opt/api/last' }]);
    expect(rulesOnDisk(dir)).toHaveLength(viaApi.length + viaCli.length + 1);
    const state = await client.call('getTrustState');
    expect((state as { value: { rules: TrustRule[] } }).value.rules).toHaveLength(viaApi.length + viaCli.length + 1);
    client.close();
    expect(await served.stop()).toBe(0);
  });

  it('writers killed with -9 at random moments lose nothing another reported saved, and do not block the next', async () => {
    const dir = tempDataDir('killed');
    const wanted = exes('kill', 12);
    const runs = wanted.map((exe, i) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'trust', '--exe', exe, '--data-dir', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d));
      child.stderr!.on('data', (d: Buffer) => (stderr += d));
      // Every other one is killed once it is running (start-up, lock, write: wherever it is by then).
      if (i % 2 === 1) setTimeout(() => child.kill('SIGKILL'), 600 + Math.random() * 1500);
      return new Promise<CliResult & { exe: string }>((resolve) => child.once('close', (code) => resolve({ exe, code, stdout, stderr })));
    });
    const results = await Promise.all(runs);
    const saved = results.filter((r) => r.code === 0 && r.stdout.startsWith('Trusted:')).map((r) => r.exe);
    expect(saved.length).toBeGreaterThanOrEqual(6);
    const onDisk = rulesOnDisk(dir).map((r) => r.exe);
    for (const exe of saved) expect(onDisk).toContain(exe);
    // A lock a killed writer held is seen dead and handed on: the next writer gets through.
    const after = await runCli(['trust', '--exe', '/opt/kill/after', '--data-dir', dir]);
    expect(after).toMatchObject({ code: 0, stderr: '' });
    expect(rulesOnDisk(dir).map((r) => r.exe)).toEqual(expect.arrayContaining([...saved, '/opt/kill/after']));
  });
});

describe('one alert log, two engines', () => {
  let n = 0;
  const alert = (subject: string, more: Partial<Alert> = {}): Alert => ({
    id: `a${++n}-${Math.random().toString(36).slice(2, 8)}`,
    kind: 'new-listener',
    severity: 'medium',
    message: `m ${subject}`,
    at: 1_700_000_000_000 + n,
    pid: 1,
    process: null,
    sockets: [],
    acknowledgedAt: null,
    snoozedUntil: null,
    subject,
    rule: null,
    ...more,
  });

  it('an alert both raise about one subject is written once; the later one answers to the first id', async () => {
    const dir = tempDataDir('two-logs');
    const a = (await AlertLog.open(dir)).log;
    const b = (await AlertLog.open(dir)).log;
    const first = alert('new-listener|/usr/bin/nc|tcp|4444|network');
    a.append(first);
    await a.flush();
    const second = alert('new-listener|/usr/bin/nc|tcp|4444|network');
    b.append(second);
    b.acknowledge(second.id, 42);
    await b.flush();
    const reread = (await AlertLog.open(dir)).log;
    expect(reread.list().map((x) => x.id)).toEqual([first.id]);
    expect(reread.get(first.id)?.acknowledgedAt).toBe(42);
    expect(b.get(second.id)?.id).toBe(first.id);
  });

  it('what one appends survives the other rotating: carried, not dropped', async () => {
    const dir = tempDataDir('two-logs-rotate');
    const options = { maxBytes: 3000, keep: 2 };
    const a = (await AlertLog.open(dir, options)).log;
    const b = (await AlertLog.open(dir, options)).log;
    const fromB = alert('new-process|/usr/bin/b');
    b.append(fromB);
    await b.flush();
    // A rotates several times, knowing nothing of B's alert until it reads the file under the lock.
    for (let i = 0; i < 40; i++) {
      const x = alert(`new-process|/opt/a${i}`, { message: 'y'.repeat(200) });
      a.append(x);
      a.acknowledge(x.id, 1);
      await a.flush();
    }
    expect(readFileSync(join(dir, 'alerts.1.jsonl'), 'utf8').length).toBeGreaterThan(0);
    const reread = (await AlertLog.open(dir, options)).log;
    expect(reread.get(fromB.id)?.message).toBe(fromB.message);
    expect(reread.hasRaised(fromB.subject!)).toBe(true);
  });
});
