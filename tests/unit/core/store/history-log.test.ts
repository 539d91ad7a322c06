// The history's bounds on disk: segments roll, the oldest go past maxBytes or maxAge, and the same
// closing told by two engines is answered once.
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryLog } from '../../../../src/core/store/history-log.js';
import { removeDataDirs, tempDataDir } from '../../../helpers/data-dirs.js';
import { historyEntry as entry } from '../../../helpers/history-entries.js';

afterAll(removeDataDirs);

const segments = (dir: string) => readdirSync(join(dir, 'history')).filter((n) => n.endsWith('.ndjson'));

describe('HistoryLog bounds', () => {
  it('never holds much more than maxBytes: segments roll at a tenth of it and the oldest go', async () => {
    const dir = tempDataDir('history-size');
    let now = Date.now(); // pruning by age reads the files' real mtimes
    const maxBytes = 100_000;
    const log = await HistoryLog.open(dir, { maxBytes, now: () => now });
    for (let i = 0; i < 2000; i++) {
      now += 100;
      log.append([entry(i, now)]);
      if (i % 50 === 49) {
        await log.flush();
        // A minute passes between batches, so pruning runs (it runs at most once a minute).
        now += 60_001;
      }
    }
    await log.flush();
    const size = await log.size();
    expect(size).toBeLessThanOrEqual(maxBytes + maxBytes / 10);
    expect(segments(dir).length).toBeGreaterThan(3);
    // The newest are kept, the oldest went.
    const result = await log.query({ limit: 5 });
    expect(result.entries[0]!.pid).toBe(100 + 1999);
    expect(result.matched).toBeLessThan(2000);
    expect(result.totals.connections).toBe(result.matched);
  });

  it('drops segments older than maxAge when it opens', async () => {
    const dir = tempDataDir('history-age');
    const day = 86_400_000;
    const now = Date.now();
    const old = await HistoryLog.open(dir, { now: () => now - 40 * day });
    old.append([entry(1, now - 40 * day)]);
    await old.flush();
    const [first] = segments(dir);
    utimesSync(join(dir, 'history', first!), (now - 40 * day) / 1000, (now - 40 * day) / 1000);
    const log = await HistoryLog.open(dir, { maxAgeMs: 30 * day });
    log.append([entry(2, now)]);
    await log.flush();
    expect(segments(dir)).not.toContain(first);
    expect((await log.query()).entries.map((e) => e.pid)).toEqual([102]);
  });

  it('answers the same closing recorded by two engines once, newest first, and files are private', async () => {
    const dir = tempDataDir('history-two');
    const a = await HistoryLog.open(dir);
    const b = await HistoryLog.open(dir);
    const t = Date.now();
    a.append([entry(1, t)]);
    b.append([entry(1, t + 250)]); // the other engine's poll saw it a little later
    a.append([entry(2, t + 1000)]);
    await Promise.all([a.flush(), b.flush()]);
    const result = await a.query();
    expect(result.entries.map((e) => e.pid)).toEqual([102, 101]);
    for (const name of segments(dir)) expect(statSync(join(dir, 'history', name)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'history')).mode & 0o777).toBe(0o700);
  });

  it('filters with the filter language, by time and kind', async () => {
    const dir = tempDataDir('history-query');
    const log = await HistoryLog.open(dir);
    const t = Date.now();
    log.append([entry(1, t - 5000), entry(2, t - 3000), { ...entry(3, t - 1000), kind: 'listener', listening: true, state: 'LISTEN', remoteAddress: null, remotePort: null }]);
    await log.flush();
    expect((await log.query({ filter: `port:${10002}` })).entries.map((e) => e.pid)).toEqual([102]);
    expect((await log.query({ since: t - 4000 })).entries.map((e) => e.pid)).toEqual([103, 102]);
    expect((await log.query({ until: t - 4000 })).entries.map((e) => e.pid)).toEqual([101]);
    expect((await log.query({ kinds: ['listener'] })).entries.map((e) => e.pid)).toEqual([103]);
    expect((await log.query({ filter: '-state:listen proc:curl', limit: 1 })).entries.map((e) => e.pid)).toEqual([102]);
  });
});
