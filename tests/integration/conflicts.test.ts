// Each kind of port conflict, produced for real by child processes on loopback (and wildcard binds
// of loopback-only tests: nothing is sent off this machine), found through the real Linux source.
import { lookup } from 'node:dns/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { ephemeralPortRange, findConflicts, localhostOrder } from '../../src/core/analysis/find-conflicts.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import type { Conflict } from '../../src/shared/conflicts.js';
import { runCli } from '../helpers/cli.js';
import { reservePort } from '../helpers/ports.js';
import { makeTimeWait, startCloseWaitHolder, startPyHolder, stopAllPy } from '../helpers/py-holders.js';

afterAll(stopAllPy);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

async function conflictsOn(port: number): Promise<Conflict[]> {
  const sample = await new LinuxProcSource().sample();
  const all = findConflicts(sample.sockets, { localhostOrder: await localhostOrder(), now: sample.takenAt, ephemeralPorts: ephemeralPortRange() });
  return all.filter((c) => c.port === port);
}

describe('port conflicts between real processes', () => {
  it('localhost split: 127.0.0.1 and [::1] by two processes; localhost reaches the family the resolver gives first', async () => {
    const a = await startPyHolder([{ name: 'l', type: 'tcp', host: '127.0.0.1' }], { title: 'pw-split-v4' });
    const port = a.endpoints.l!.port;
    const b = await startPyHolder([{ name: 'l', type: 'tcp', host: '::1', port }], { title: 'pw-split-v6' });
    const found = await conflictsOn(port);
    expect(found.map((c) => c.kind)).toEqual(['localhost-split']);
    const [c] = found;
    expect(c!.pids).toEqual([a.pid, b.pid].sort((x, y) => x - y));
    const first = await lookup('localhost');
    const reached = first.family === 6 ? b : a;
    expect(c!.localhostReaches).toMatchObject({ family: first.family, pid: reached.pid, name: reached.title });
    expect(c!.explanation).toContain(`reaches ${reached.title} (pid ${reached.pid})`);
    expect(c!.explanation).toContain('never by the name localhost');
    await Promise.all([a.exit(), b.exit()]);
  });

  it('one process on both loopbacks is no conflict', async () => {
    const a = await startPyHolder(
      [
        { name: 'v4', type: 'tcp', host: '127.0.0.1' },
        { name: 'v6', type: 'tcp', host: '::1', port: 'v4' },
      ],
      { title: 'pw-both' },
    );
    expect(await conflictsOn(a.endpoints.v4!.port)).toEqual([]);
    await a.exit();
  });

  it('dual-stack split: 0.0.0.0 by one process and an IPV6_V6ONLY [::] by another', async () => {
    const a = await startPyHolder([{ name: 'l', type: 'tcp', host: '0.0.0.0' }], { title: 'pw-any-v4' });
    const port = a.endpoints.l!.port;
    const b = await startPyHolder([{ name: 'l', type: 'tcp', host: '::', port, v6only: true }], { title: 'pw-any-v6' });
    const found = await conflictsOn(port);
    expect(found.map((c) => c.kind)).toEqual(['dual-stack-split']);
    expect(found[0]!.pids).toEqual([a.pid, b.pid].sort((x, y) => x - y));
    expect(found[0]!.explanation).toContain('IPV6_V6ONLY');
    expect(found[0]!.explanation).toContain(`IPv4 clients reach pw-any-v4 (pid ${a.pid}) and IPv6 clients reach pw-any-v6 (pid ${b.pid})`);
    await Promise.all([a.exit(), b.exit()]);
  });

  it('dual-stack split also when a dual-stack [::] and 0.0.0.0 share the port with SO_REUSEPORT', async () => {
    const a = await startPyHolder([{ name: 'l', type: 'tcp', host: '::', reuseport: true }], { title: 'pw-dual' });
    const port = a.endpoints.l!.port;
    const b = await startPyHolder([{ name: 'l', type: 'tcp', host: '0.0.0.0', port, reuseport: true }], { title: 'pw-any-v4' });
    const found = await conflictsOn(port);
    expect(found.map((c) => c.kind)).toEqual(['dual-stack-split']);
    expect(found[0]!.pids).toEqual([a.pid, b.pid].sort((x, y) => x - y));
    await Promise.all([a.exit(), b.exit()]);
  });

  it('shared port: two processes listen on the same address with SO_REUSEPORT', async () => {
    const a = await startPyHolder([{ name: 'l', type: 'tcp', host: '127.0.0.1', reuseport: true }], { title: 'pw-share-a' });
    const port = a.endpoints.l!.port;
    const b = await startPyHolder([{ name: 'l', type: 'tcp', host: '127.0.0.1', port, reuseport: true }], { title: 'pw-share-b' });
    const found = await conflictsOn(port);
    expect(found.map((c) => c.kind)).toEqual(['shared-port']);
    expect(found[0]).toMatchObject({ protocol: 'tcp', possibleHijack: false, pids: [a.pid, b.pid].sort((x, y) => x - y) });
    expect(found[0]!.explanation).toContain('spreads new connections');
    await Promise.all([a.exit(), b.exit()]);
  });

  it.skipIf(!isRoot)('shared port: UDP with SO_REUSEADDR by another user is flagged as a possible hijack', async () => {
    const a = await startPyHolder([{ name: 'u', type: 'udp', host: '127.0.0.1', reuseaddr: true }], { title: 'pw-udp-root' });
    const port = a.endpoints.u!.port;
    const b = await startPyHolder([{ name: 'u', type: 'udp', host: '127.0.0.1', port, reuseaddr: true }], { title: 'pw-udp-nobody', uid: 65534 });
    const found = await conflictsOn(port);
    expect(found.map((c) => [c.kind, c.protocol])).toEqual([['shared-port', 'udp']]);
    expect(found[0]).toMatchObject({ severity: 'danger', possibleHijack: true, pids: [a.pid, b.pid].sort((x, y) => x - y) });
    expect(found[0]!.sockets.map((s) => s.process?.uid).sort()).toEqual([0, 65534]);
    expect(found[0]!.explanation).toContain('different users');
    await Promise.all([a.exit(), b.exit()]);
  });

  it('wildcard and specific: 0.0.0.0 by one process, 127.0.0.1 by another (SO_REUSEPORT)', async () => {
    const a = await startPyHolder([{ name: 'l', type: 'tcp', host: '0.0.0.0', reuseport: true }], { title: 'pw-wild' });
    const port = a.endpoints.l!.port;
    const b = await startPyHolder([{ name: 'l', type: 'tcp', host: '127.0.0.1', port, reuseport: true }], { title: 'pw-specific' });
    const found = await conflictsOn(port);
    expect(found.map((c) => c.kind)).toEqual(['wildcard-specific']);
    expect(found[0]!.pids).toEqual([a.pid, b.pid].sort((x, y) => x - y));
    expect(found[0]!.explanation).toContain(`clients of 127.0.0.1:${port}`);
    expect(found[0]!.explanation).toContain(`reach pw-specific (pid ${b.pid})`);
    await Promise.all([a.exit(), b.exit()]);
  });

  it('wildcard and specific over UDP with SO_REUSEADDR', async () => {
    const a = await startPyHolder([{ name: 'u', type: 'udp', host: '0.0.0.0', reuseaddr: true }], { title: 'pw-wild-udp' });
    const port = a.endpoints.u!.port;
    const b = await startPyHolder([{ name: 'u', type: 'udp', host: '127.0.0.1', port, reuseaddr: true }], { title: 'pw-spec-udp' });
    const found = await conflictsOn(port);
    expect(found.map((c) => [c.kind, c.protocol])).toEqual([['wildcard-specific', 'udp']]);
    expect(found[0]!.pids).toEqual([a.pid, b.pid].sort((x, y) => x - y));
    await Promise.all([a.exit(), b.exit()]);
  });

  // A server's port (below the ephemeral range), reserved so that no other socket joins it.
  it('still busy: TIME_WAIT left by a closed server, clearing within 60 s', async () => {
    const port = await reservePort();
    makeTimeWait(port);
    const found = await conflictsOn(port);
    expect(found.map((c) => c.kind)).toEqual(['still-busy']);
    const [c] = found;
    expect(c!.sockets.every((s) => s.state === 'TIME_WAIT' && s.localPort === port)).toBe(true);
    expect(c!.clearsBy).toBeGreaterThan(Date.now());
    expect(c!.clearsBy).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(c!.explanation).toContain('TIME_WAIT');
  });

  it('still busy: a CLOSE_WAIT socket names the process that has not closed it', async () => {
    const port = await reservePort();
    const holder = await startCloseWaitHolder(port, 'pw-leaky');
    const found = await conflictsOn(port);
    const busy = found.find((c) => c.kind === 'still-busy')!;
    expect(busy.pids).toEqual([holder.pid]);
    expect(busy.clearsBy).toBeNull();
    expect(busy.explanation).toContain(`pw-leaky (pid ${holder.pid}) has not`);
    await holder.exit();
  });

  it('portwatch conflicts --json lists them as { conflicts: [...] }, and text mode explains them; exit 0', async () => {
    const a = await startPyHolder([{ name: 'l', type: 'tcp', host: '127.0.0.1' }], { title: 'pw-cli-v4' });
    const port = a.endpoints.l!.port;
    const b = await startPyHolder([{ name: 'l', type: 'tcp', host: '::1', port }], { title: 'pw-cli-v6' });
    const { code, stdout, stderr } = await runCli(['conflicts', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { conflicts: Conflict[] };
    const c = out.conflicts.find((x) => x.port === port)!;
    expect(c).toMatchObject({ port, protocol: 'tcp', kind: 'localhost-split' });
    expect(c.sockets.map((s) => s.pid).sort()).toEqual([a.pid, b.pid].sort());
    expect(typeof c.explanation).toBe('string');

    const text = await runCli(['conflicts']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^localhost-split  tcp ${port}  \\[warning\\]`, 'm'));
    expect(text.stdout).toContain(`pw-cli-v4[${a.pid}]`);
    expect(text.stdout).toContain(`pw-cli-v6[${b.pid}]`);
    await Promise.all([a.exit(), b.exit()]);
  });
});
