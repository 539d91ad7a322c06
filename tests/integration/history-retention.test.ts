// The history's retention as a setting: set through the API (as the History view and `portwatch
// retention` do), kept in settings.json, applied at once — a smaller one prunes what it no longer
// keeps — and read again by the next engine. Bad values are refused and change nothing.
import { readdirSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/core/engine.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import { HistoryLog } from '../../src/core/store/history-log.js';
import { SETTINGS_FILE } from '../../src/core/store/settings.js';
import { DEFAULT_HISTORY_RETENTION } from '../../src/shared/history.js';
import { runCli } from '../helpers/cli.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';
import { historyEntry as entry } from '../helpers/history-entries.js';

const opened: Engine[] = [];
afterEach(async () => {
  for (const e of opened.splice(0)) await e.close();
});
afterAll(removeDataDirs);

const DAY = 86_400_000;

async function open(dataDir: string): Promise<Engine> {
  const engine = await openEngine({ dataDir, source: new LinuxProcSource(), intervalMs: 250, alerts: false, names: false });
  opened.push(engine);
  return engine;
}

/** A history with a segment last written `daysAgo` days ago, and one written now. */
async function historyWith(dataDir: string, daysAgo: number): Promise<string[]> {
  const now = Date.now();
  const old = await HistoryLog.open(dataDir, { now: () => now - daysAgo * DAY });
  old.append([entry(1, now - daysAgo * DAY)]);
  await old.flush();
  const dir = join(dataDir, 'history');
  const [first] = readdirSync(dir);
  utimesSync(join(dir, first!), (now - daysAgo * DAY) / 1000, (now - daysAgo * DAY) / 1000);
  const fresh = await HistoryLog.open(dataDir);
  fresh.append([entry(2, now)]);
  await fresh.flush();
  return readdirSync(dir).sort();
}

describe('history retention', () => {
  it('starts at 30 days / 200 MB; a smaller one set through the API prunes at once, is saved, and the next engine keeps it', async () => {
    const dataDir = tempDataDir('retention');
    const before = await historyWith(dataDir, 3);
    expect(before).toHaveLength(2);
    const engine = await open(dataDir);
    await expect(engine.service.call('getHistoryRetention', [])).resolves.toEqual(DEFAULT_HISTORY_RETENTION);
    // 30 days keeps the 3-day-old segment.
    expect((await engine.service.queryHistory({})).entries.map((e) => e.pid)).toEqual([102, 101]);

    await expect(engine.service.call('setHistoryRetention', [{ maxAgeDays: 2, maxMegabytes: 50 }])).resolves.toEqual({ maxAgeDays: 2, maxMegabytes: 50 });
    expect(readdirSync(join(dataDir, 'history')).sort()).toEqual(before.slice(1));
    expect((await engine.service.queryHistory({})).entries.map((e) => e.pid)).toEqual([102]);
    const saved = JSON.parse(readFileSync(join(dataDir, SETTINGS_FILE), 'utf8')) as unknown;
    expect(saved).toEqual({ version: 1, watchedPorts: [3000, 5173, 8000, 8080, 5432, 6379], historyRetention: { maxAgeDays: 2, maxMegabytes: 50 } });
    expect(readdirSync(dataDir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    await engine.close();

    const next = await open(dataDir);
    await expect(next.service.call('getHistoryRetention', [])).resolves.toEqual({ maxAgeDays: 2, maxMegabytes: 50 });
    expect(next.history?.maxAgeMs).toBe(2 * DAY);
    expect(next.history?.maxBytes).toBe(50 * 1024 * 1024);
  });

  it('refuses a bad retention with a clear message and changes nothing', async () => {
    const dataDir = tempDataDir('retention');
    const engine = await open(dataDir);
    await engine.service.call('setHistoryRetention', [{ maxAgeDays: 7, maxMegabytes: 100 }]);
    const file = readFileSync(join(dataDir, SETTINGS_FILE), 'utf8');
    for (const bad of [{ maxAgeDays: 0, maxMegabytes: 100 }, { maxAgeDays: 1.5, maxMegabytes: 100 }, { maxAgeDays: 7, maxMegabytes: 0 }, { maxAgeDays: 3651, maxMegabytes: 100 }, { maxAgeDays: 7 }, { maxAgeDays: 7, maxMegabytes: 100, extra: 1 }]) {
      await expect(engine.service.call('setHistoryRetention', [bad]), JSON.stringify(bad)).rejects.toMatchObject({ code: 'bad-arguments' });
    }
    await expect(engine.service.call('setHistoryRetention', [{ maxAgeDays: 0, maxMegabytes: 100 }])).rejects.toThrow(/at least 1 day/);
    expect(readFileSync(join(dataDir, SETTINGS_FILE), 'utf8')).toBe(file);
    await expect(engine.service.call('getHistoryRetention', [])).resolves.toEqual({ maxAgeDays: 7, maxMegabytes: 100 });
    expect(engine.history?.maxAgeMs).toBe(7 * DAY);
  });

  it('setting the retention keeps the watched ports another Portwatch saved meanwhile', async () => {
    const dataDir = tempDataDir('retention');
    const a = await open(dataDir);
    const b = await open(dataDir);
    await b.service.call('setWatchedPorts', [[4444]]);
    await a.service.call('setHistoryRetention', [{ maxAgeDays: 10, maxMegabytes: 20 }]);
    expect(JSON.parse(readFileSync(join(dataDir, SETTINGS_FILE), 'utf8'))).toEqual({ version: 1, watchedPorts: [4444], historyRetention: { maxAgeDays: 10, maxMegabytes: 20 } });
  });

  it('portwatch retention shows it, sets it (pruning at once), and refuses a bad value with a clear message', async () => {
    const dataDir = tempDataDir('retention');
    const before = await historyWith(dataDir, 3);
    const shown = await runCli(['--data-dir', dataDir, 'retention']);
    expect(shown).toMatchObject({ code: 0, stdout: 'History is kept 30 days, at most 200 MB.\n' });
    const bad = await runCli(['--data-dir', dataDir, 'retention', '--days', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('portwatch: keep history at least 1 day\n');
    const notNumber = await runCli(['--data-dir', dataDir, 'retention', '--size', '1.5']);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toContain("'1.5' is not a number of megabytes (a whole number)");
    expect(readdirSync(dataDir)).not.toContain(SETTINGS_FILE);
    expect(readdirSync(join(dataDir, 'history')).sort()).toEqual(before);

    const set = await runCli(['--data-dir', dataDir, 'retention', '--days', '2']);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^History is now kept 2 days, at most 200 MB\.\nIt holds [\d.]+ [kKM]?B now\.\n$/);
    expect(readdirSync(join(dataDir, 'history')).sort()).toEqual(before.slice(1));
    expect(JSON.parse(readFileSync(join(dataDir, SETTINGS_FILE), 'utf8'))).toMatchObject({ version: 1, historyRetention: { maxAgeDays: 2, maxMegabytes: 200 } });
    expect(await runCli(['--data-dir', dataDir, 'retention', '--json'])).toMatchObject({ code: 0, stdout: '{"maxAgeDays":2,"maxMegabytes":200}\n' });
  });

  it('a running history log follows a retention changed elsewhere when it next prunes', async () => {
    const dataDir = tempDataDir('retention');
    await historyWith(dataDir, 3);
    let now = Date.now();
    let limits = { maxAgeMs: 30 * DAY, maxBytes: 200 * 1024 * 1024 };
    const log = await HistoryLog.open(dataDir, { ...limits, now: () => now, retention: async () => limits });
    expect((await log.query()).entries).toHaveLength(2);
    limits = { maxAgeMs: 2 * DAY, maxBytes: 200 * 1024 * 1024 };
    now += 61_000; // pruning runs at most once a minute, after a write
    log.append([entry(3, now)]);
    await log.flush();
    expect(log.maxAgeMs).toBe(2 * DAY);
    expect((await log.query()).entries.map((e) => e.pid)).toEqual([103, 102]);
  });

  it('a host without a data folder keeps no history, and says so for its retention too', async () => {
    const engine = await openEngine({ dataDir: null, source: new LinuxProcSource(), intervalMs: 250, alerts: false, names: false });
    opened.push(engine);
    await expect(engine.service.call('getHistoryRetention', [])).rejects.toMatchObject({ code: 'history-disabled' });
    await expect(engine.service.call('setHistoryRetention', [{ maxAgeDays: 1, maxMegabytes: 1 }])).rejects.toMatchObject({ code: 'history-disabled' });
  });
});
