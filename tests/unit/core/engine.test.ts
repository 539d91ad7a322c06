// The composition root and its one failure policy, with the real sources, stores and a real child:
// a working folder gives every part, a folder that is a file gives one warning and no alerts, no
// folder touches nothing, and the watched ports honour what the user saved.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../../src/core/engine.js';
import { LinuxProcSource } from '../../../src/core/sources/linux-proc.js';
import type { WatchedPortEvent } from '../../../src/shared/ports.js';
import { startHolder, stopAll } from '../../helpers/children.js';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';
import { reservePort } from '../../helpers/ports.js';
import { WAIT } from '../../helpers/wait.js';

const opened: Engine[] = [];
afterEach(async () => {
  await stopAll();
  for (const e of opened.splice(0)) await e.close();
});
afterAll(removeDataDirs);

async function open(options: Parameters<typeof openEngine>[0]): Promise<Engine> {
  const engine = await openEngine({ source: new LinuxProcSource(), intervalMs: 250, ...options });
  opened.push(engine);
  return engine;
}

describe('openEngine', () => {
  it('opens every part on a working folder, answers through its service, and closes idempotently', async () => {
    const dataDir = tempDataDir('engine');
    const engine = await open({ dataDir, alerts: { learnSeconds: 0 } });
    expect(engine.warnings).toEqual([]);
    expect(engine.alerts?.dataDir).toBe(dataDir);
    expect(engine.watchedPorts?.settingsPath).toBe(join(dataDir, 'settings.json'));
    expect(engine.service.alertsEnabled).toBe(true);
    await engine.start();
    expect(engine.monitor.getStatus()).toMatchObject({ state: 'running', seq: 1 });
    await expect(engine.service.call('getAlertStatus', [])).resolves.toMatchObject({ learning: false });
    await expect(engine.service.call('getWatchedPorts', [])).resolves.toEqual([3000, 5173, 8000, 8080, 5432, 6379]);
    await Promise.all([engine.close(), engine.close()]);
    expect(engine.monitor.getStatus().state).toBe('stopped');
    expect(existsSync(join(dataDir, 'trust.json'))).toBe(true);
  });

  it('a folder that is a file: one warning naming it and why, no alerts, watched ports on the defaults in memory', async () => {
    const file = join(tempDataDir('engine'), 'a-file');
    writeFileSync(file, 'x');
    const engine = await open({ dataDir: file });
    expect(engine.warnings).toEqual([
      { code: 'data-dir-unusable', dataDir: file, reason: 'it, or a folder above it, is a file', message: `cannot keep alerts or settings in ${file}: it, or a folder above it, is a file` },
    ]);
    expect(engine.alerts).toBeNull();
    await expect(engine.service.call('listAlerts', [])).rejects.toThrow('alerts are not enabled in this host');
    expect(engine.watchedPorts?.settingsPath).toBeNull();
    // The list can still change for this run; the rule is the one settings.json keeps.
    await expect(engine.service.call('setWatchedPorts', [[4000]])).resolves.toEqual([4000]);
    await expect(engine.service.call('setWatchedPorts', [[4000, 4000]])).rejects.toThrow(/more than once/);
    await engine.start();
    expect(engine.monitor.getStatus().state).toBe('running');
  });

  it('no folder: nothing is read or written, no alerts, the default watched ports', async () => {
    const engine = await open({ dataDir: null });
    expect(engine.warnings).toEqual([]);
    expect(engine.alerts).toBeNull();
    expect(engine.watchedPorts?.getWatchedPorts()).toEqual([3000, 5173, 8000, 8080, 5432, 6379]);
  });

  it('store warnings come once each, as they come: a trust store nobody can read is kept aside and said', async () => {
    const dataDir = tempDataDir('engine');
    writeFileSync(join(dataDir, 'trust.json'), '{ not json');
    const engine = await open({ dataDir });
    expect(engine.warnings).toEqual([{ code: 'store', message: expect.stringMatching(/could not read its trust store .*kept as/) }]);
    expect(readdirSync(dataDir).some((f) => f.startsWith('trust.json.') && f !== 'trust.json')).toBe(true);
  });

  it("follows the user's saved watched ports: a real child taking one is an event", async () => {
    const dataDir = tempDataDir('engine');
    const port = await reservePort();
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ version: 1, watchedPorts: [port] }));
    const engine = await open({ dataDir, alerts: false });
    const events: WatchedPortEvent[] = [];
    engine.watchedPorts!.subscribe((e) => events.push(e.event));
    await engine.start();
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1', port }]);
    await expect.poll(() => events.filter((e) => e.port === port), WAIT).toEqual([expect.objectContaining({ change: 'taken', pid: holder.pid })]);
  });

  it('a restarted engine continues the numbering and keeps a pause: seqBase and paused', async () => {
    const engine = await open({ dataDir: null, seqBase: 41, paused: true });
    await engine.start();
    expect(engine.monitor.getStatus()).toMatchObject({ state: 'paused', seq: 42 });
  });
});
