// Watched ports against the real machine: a real Monitor on /proc, the watcher following it, a real
// child listening on a watched port (a reserved port added to the list: see helpers/ports.ts), then exiting.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Monitor } from '../../src/core/monitor.js';
import { ApiError, ApiService, WATCHED_PORTS_DISABLED } from '../../src/core/service.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import { WatchedPortsWatcher } from '../../src/core/watched-ports-watcher.js';
import type { EventName } from '../../src/shared/api.js';
import type { WatchedPortEvent } from '../../src/shared/ports.js';
import { startHolder, stopAll } from '../helpers/children.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';
import { reservePort } from '../helpers/ports.js';

const watchers: WatchedPortsWatcher[] = [];
afterEach(async () => {
  await stopAll();
  for (const w of watchers.splice(0)) await w.close();
});
afterAll(removeDataDirs);

async function setUp() {
  const monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: 250 });
  const watcher = await WatchedPortsWatcher.open(monitor, { dataDir: tempDataDir('watched') });
  watchers.push(watcher);
  const api = new ApiService(monitor, { watchedPorts: watcher });
  const events: Array<[EventName, unknown]> = [];
  api.subscribe((event, payload) => events.push([event, payload]));
  const watched = () => events.filter(([e]) => e === 'watched-port').map(([, p]) => p as WatchedPortEvent);
  return { monitor, watcher, api, watched };
}

describe('WatchedPortsWatcher with a real monitor', () => {
  it('says "taken" naming the child that listens on a watched port, and "freed" when it exits', async () => {
    const { monitor, api, watched } = await setUp();
    const port = await reservePort();
    const before = (await api.call('getWatchedPorts', [])) as number[];
    await expect(api.call('setWatchedPorts', [[...before, port]])).resolves.toEqual([...before, port]);
    await monitor.pollOnce();
    // The first poll is the starting point: whatever already listens on a watched port is no event.
    expect(watched()).toEqual([]);

    const holder = await startHolder([{ name: 'srv', kind: 'tcp-listen', host: '127.0.0.1', port }], 'pw-holder');
    await monitor.pollOnce();
    const taken = watched().filter((e) => e.port === port);
    expect(taken).toEqual([
      expect.objectContaining({ port, protocol: 'tcp', change: 'taken', address: '127.0.0.1', pid: holder.pid, process: expect.objectContaining({ pid: holder.pid, name: 'pw-holder' }) }),
    ]);

    await monitor.pollOnce();
    expect(watched().filter((e) => e.port === port)).toHaveLength(1); // nothing changed, nothing said

    await holder.exit();
    await monitor.pollOnce();
    const all = watched().filter((e) => e.port === port);
    expect(all).toHaveLength(2);
    expect(all[1]).toEqual(expect.objectContaining({ port, change: 'freed', pid: holder.pid, process: expect.objectContaining({ name: 'pw-holder' }) }));
  });

  it('says nothing about a port that is not watched', async () => {
    const { monitor, watched } = await setUp();
    const port = await reservePort();
    await monitor.pollOnce();
    const holder = await startHolder([{ name: 'srv', kind: 'tcp-listen', host: '127.0.0.1', port }], 'pw-holder');
    await monitor.pollOnce();
    await holder.exit();
    await monitor.pollOnce();
    expect(watched().filter((e) => e.port === port)).toEqual([]);
  });

  it('ApiService refuses a bad list with a clear error and keeps the saved one', async () => {
    const { api } = await setUp();
    await api.call('setWatchedPorts', [[3000, 8080]]);
    const bad: Array<[unknown[], RegExp]> = [
      [[[0]], /^bad arguments for setWatchedPorts: 0\.0: /],
      [[[65536]], /bad arguments for setWatchedPorts: 0\.0: /],
      [[[80.5]], /bad arguments for setWatchedPorts/],
      [[[3000, 3000]], /a port is listed more than once/],
      [[Array.from({ length: 65 }, (_, i) => 1000 + i)], /bad arguments for setWatchedPorts: 0: /],
      [[['3000']], /bad arguments for setWatchedPorts/],
      [[], /bad arguments for setWatchedPorts/],
    ];
    for (const [args, message] of bad) await expect(api.call('setWatchedPorts', args), JSON.stringify(args)).rejects.toThrow(message);
    await expect(api.call('getWatchedPorts', [])).resolves.toEqual([3000, 8080]);
  });

  it('without a watcher, the requests say watched ports are not enabled', async () => {
    const api = new ApiService(new Monitor({ source: new LinuxProcSource() }));
    await expect(api.call('getWatchedPorts', [])).rejects.toThrow(new ApiError(WATCHED_PORTS_DISABLED, 'watched-ports-disabled'));
    await expect(api.call('setWatchedPorts', [[3000]])).rejects.toThrow(WATCHED_PORTS_DISABLED);
  });
});
