// The port tools through the one door every transport uses: a real Monitor over the real Linux source.
import { afterAll, describe, expect, it } from 'vitest';
import { Monitor } from '../../../src/core/monitor.js';
import { ApiError, ApiService } from '../../../src/core/service.js';
import { LinuxProcSource } from '../../../src/core/sources/linux-proc.js';
import type { Conflict } from '../../../src/shared/conflicts.js';
import type { EndProcessResult, PortLookup } from '../../../src/shared/ports.js';
import { startHolder, stopAll } from '../../helpers/children.js';
import { reservePort } from '../../helpers/ports.js';

afterAll(stopAll);

async function service(): Promise<{ monitor: Monitor; api: ApiService }> {
  const monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: 250 });
  const api = new ApiService(monitor, { localhostOrder: async () => [6, 4] });
  await monitor.pollOnce();
  return { monitor, api };
}

describe('ApiService port tools', () => {
  // lookupPort and the conflicts answer for every socket on the port, whoever holds it: a reserved
  // port (helpers/ports.ts) carries no other program's socket.
  it('lookupPort answers who holds a port, with verdicts and cwd', async () => {
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '::1', port: await reservePort() }]);
    const port = holder.endpoints.l!.port;
    const { api } = await service();
    const found = (await api.call('lookupPort', [port])) as PortLookup;
    expect(found.port).toBe(port);
    expect(found.holders[0]).toMatchObject({ pid: holder.pid, listening: true });
    expect(found.verdicts.find((v) => v.protocol === 'tcp' && v.address === '::1')).toMatchObject({ verdict: 'taken' });
    expect(found.processes).toEqual([expect.objectContaining({ pid: holder.pid, cwd: process.cwd(), role: 'listener' })]);
    await holder.exit();
  });

  it('getConflicts finds a localhost split, reached as the resolver order says', async () => {
    const port = await reservePort();
    const a = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1', port }], 'pw-svc-a');
    const b = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '::1', port }], 'pw-svc-b');
    const { api } = await service();
    const conflicts = (await api.call('getConflicts', [])) as Conflict[];
    const c = conflicts.find((x) => x.port === port)!;
    expect(c).toMatchObject({ kind: 'localhost-split', localhostReaches: { family: 6, pid: b.pid } });
    await Promise.all([a.exit(), b.exit()]);
  });

  it('endProcess ends a process it shows, and refuses one it does not', async () => {
    const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }], 'pw-svc-end');
    const { api, monitor } = await service();
    const s = monitor.getState().snapshot.sockets.find((x) => x.pid === holder.pid)!;
    const startedAt = s.process!.startedAt!;
    await expect(api.call('endProcess', [{ pid: holder.pid, startedAt: startedAt + 1 }])).rejects.toThrow(/owns no socket Portwatch shows/);
    await expect(api.call('endProcess', [{ pid: process.pid, startedAt: 5 }])).rejects.toThrow(ApiError);
    const exited = new Promise((r) => holder.child.once('exit', r));
    const result = (await api.call('endProcess', [{ pid: holder.pid, startedAt, graceMs: 2000 }])) as EndProcessResult;
    expect(result).toMatchObject({ pid: holder.pid, name: 'pw-svc-end', outcome: 'terminated', exited: true });
    await exited;
  });

  it('checks the arguments before anything runs', async () => {
    const { api } = await service();
    const bad: Array<[string, unknown[], RegExp]> = [
      ['lookupPort', [70000], /bad arguments for lookupPort: 0:/],
      ['lookupPort', ['80'], /bad arguments for lookupPort/],
      ['lookupPort', [], /bad arguments for lookupPort/],
      ['endProcess', [{ pid: 1, startedAt: 0 }], /bad arguments for endProcess: 0\.pid/],
      ['endProcess', [{ pid: 0, startedAt: 0 }], /0\.pid/],
      ['endProcess', [{ pid: 1.5, startedAt: 0 }], /0\.pid/],
      ['endProcess', [{ pid: 1234 }], /0\.startedAt/],
      ['endProcess', [{ pid: 1234, startedAt: 0, graceMs: 60_001 }], /0\.graceMs/],
      ['endProcess', [{ pid: 1234, startedAt: 0, signal: 'SIGKILL' }], /bad arguments for endProcess/],
      ['getConflicts', [1], /bad arguments for getConflicts/],
    ];
    for (const [method, args, message] of bad) await expect(api.call(method, args)).rejects.toThrow(message);
  });
});
