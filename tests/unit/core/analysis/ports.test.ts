import { describe, expect, it } from 'vitest';
import { bindVerdicts, lookupPort, whoIsOnPort } from '../../../../src/core/analysis/ports.js';
import type { BindVerdict } from '../../../../src/shared/ports.js';
import { proc, sock } from '../../../helpers/sockets.js';

const node = proc(100, 'node');
const py = proc(200, 'python3');
const curl = proc(300, 'curl');

const table = (verdicts: BindVerdict[]) => Object.fromEntries(verdicts.map((v) => [`${v.protocol} ${v.address}`, v.text]));

describe('bind verdicts', () => {
  it('a 0.0.0.0 listener takes every IPv4 address; IPv6 and UDP stay free', () => {
    const t = table(bindVerdicts([sock({ address: '0.0.0.0', port: 3000, owner: node })], 3000));
    expect(t).toEqual({
      'tcp 127.0.0.1': 'taken by node (pid 100) on 0.0.0.0',
      'tcp ::1': 'free',
      'tcp 0.0.0.0': 'taken by node (pid 100)',
      'tcp ::': 'taken by node (pid 100) on 0.0.0.0 for a dual-stack server (an IPv6-only one could bind it)',
      'udp 127.0.0.1': 'free',
      'udp ::1': 'free',
      'udp 0.0.0.0': 'free',
      'udp ::': 'free',
    });
  });

  it('a dual-stack [::] takes IPv4 too; a specific address is listed and taken', () => {
    const t = table(bindVerdicts([sock({ address: '::', port: 80, owner: node }), sock({ protocol: 'udp', address: '10.1.2.3', port: 80, owner: py })], 80));
    expect(t['tcp 127.0.0.1']).toBe('taken by node (pid 100) on [::]');
    expect(t['tcp 0.0.0.0']).toBe('taken by node (pid 100) on [::]');
    expect(t['tcp ::1']).toBe('taken by node (pid 100) on [::]');
    expect(t['tcp 10.1.2.3']).toBe('taken by node (pid 100) on [::]');
    expect(t['udp 10.1.2.3']).toBe('taken by python3 (pid 200)');
    expect(t['udp 0.0.0.0']).toBe('taken by python3 (pid 200) on 10.1.2.3');
    expect(t['udp 127.0.0.1']).toBe('free');
  });

  it('a [::] next to an IPv4 listener is IPv6-only, so it does not take IPv4', () => {
    const t = table(bindVerdicts([sock({ address: '127.0.0.1', port: 80, owner: py }), sock({ address: '::', port: 80, owner: node })], 80));
    expect(t['tcp 127.0.0.1']).toBe('taken by python3 (pid 200)');
    expect(t['tcp 0.0.0.0']).toBe('taken by python3 (pid 200) on 127.0.0.1');
    expect(t['tcp ::1']).toBe('taken by node (pid 100) on [::]');
  });

  it('TIME_WAIT leaves an address free, with a note', () => {
    const t = table(bindVerdicts([sock({ address: '127.0.0.1', port: 3000, state: 'TIME_WAIT', remote: ['127.0.0.1', 40000] })], 3000));
    expect(t['tcp 127.0.0.1']).toMatch(/^free \(1 closing socket .* still holds it: a server without SO_REUSEADDR cannot bind yet\)$/);
    expect(t['tcp ::1']).toBe('free');
  });
});

describe('whoIsOnPort and lookupPort', () => {
  const sockets = [
    sock({ address: '127.0.0.1', port: 3000, owner: node }),
    sock({ address: '127.0.0.1', port: 3000, remote: ['127.0.0.1', 51000], owner: node }),
    sock({ address: '127.0.0.1', port: 51000, remote: ['127.0.0.1', 3000], owner: curl }),
    sock({ address: '10.0.0.5', port: 52000, remote: ['93.184.216.34', 3000], owner: py }),
  ];

  it('keeps holders and clients, and adds verdicts', () => {
    const who = whoIsOnPort(sockets, 3000);
    expect(who.holders.map((s) => s.pid)).toEqual([100, 100]);
    expect(who.clients.map((s) => s.pid)).toEqual([300]);
    expect(who.verdicts.find((v) => v.protocol === 'tcp' && v.address === '127.0.0.1')).toMatchObject({
      verdict: 'taken',
      takenBy: [{ pid: 100, name: 'node', boundAddress: '127.0.0.1' }],
    });
  });

  it('lists each process once, listeners first, with its working directory', () => {
    const cwds: Record<number, string | null> = { 100: '/home/dev/app', 300: null };
    const found = lookupPort(sockets, 3000, (pid) => cwds[pid] ?? null);
    expect(found.processes).toEqual([
      { pid: 100, name: 'node', cmdline: 'node --serve', user: 'dev', startedAt: node.startedAt, cwd: '/home/dev/app', role: 'listener' },
      { pid: 300, name: 'curl', cmdline: 'curl --serve', user: 'dev', startedAt: curl.startedAt, cwd: null, role: 'client' },
    ]);
  });
});
