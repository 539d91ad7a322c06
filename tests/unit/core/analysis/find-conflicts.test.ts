import { describe, expect, it } from 'vitest';
import { findConflicts, type ConflictOptions } from '../../../../src/core/analysis/find-conflicts.js';
import type { Conflict } from '../../../../src/shared/conflicts.js';
import { proc, sock } from '../../../helpers/sockets.js';

const NOW = 1_700_000_100_000;
const v4first: ConflictOptions = { localhostOrder: [4, 6], now: NOW };
const v6first: ConflictOptions = { localhostOrder: [6, 4], now: NOW };

const vite = proc(100, 'node');
const py = proc(200, 'python3');
const intruder = proc(300, 'nc', { uid: 65534, user: 'nobody' });

const kinds = (list: Conflict[]) => list.map((c) => c.kind);

describe('localhost split', () => {
  const sockets = [
    sock({ address: '127.0.0.1', port: 5173, owner: vite }),
    sock({ address: '::1', port: 5173, owner: py }),
  ];

  it('says which process a client of localhost reaches, from the resolver order', () => {
    const [c] = findConflicts(sockets, v4first);
    expect(c).toMatchObject({ kind: 'localhost-split', port: 5173, protocol: 'tcp', pids: [100, 200], severity: 'warning' });
    expect(c!.localhostReaches).toEqual({ family: 4, address: '127.0.0.1', boundAddress: '127.0.0.1', pid: 100, name: 'node' });
    expect(c!.explanation).toContain('resolves "localhost" to 127.0.0.1 first (then ::1)');
    expect(c!.explanation).toContain('reaches node (pid 100)');
    expect(c!.explanation).toContain('python3 (pid 200), is reachable only as [::1]:5173, never by the name localhost');

    const [six] = findConflicts(sockets, v6first);
    expect(six!.localhostReaches).toMatchObject({ family: 6, pid: 200 });
    expect(six!.explanation).toContain('node (pid 100), is reachable only as 127.0.0.1:5173');
  });

  it('with localhost resolving to one family only, the other is unreachable by name', () => {
    const [c] = findConflicts(sockets, { localhostOrder: [4], now: NOW });
    expect(c!.explanation).toContain('resolves "localhost" to 127.0.0.1 only');
    expect(c!.localhostReaches?.pid).toBe(100);
  });

  it('with localhost not resolving, says neither is reached by name', () => {
    const [c] = findConflicts(sockets, { localhostOrder: [], now: NOW });
    expect(c!.localhostReaches).toBeNull();
    expect(c!.explanation).toContain('neither is reached by the name localhost');
  });

  it('counts a wildcard as the loopback of its family', () => {
    const [c] = findConflicts(
      [sock({ address: '0.0.0.0', port: 3000, owner: vite }), sock({ address: '::1', port: 3000, owner: py })],
      v6first,
    );
    expect(c).toMatchObject({ kind: 'localhost-split', pids: [100, 200] });
    expect(c!.localhostReaches).toMatchObject({ family: 6, boundAddress: '::1', pid: 200 });
  });

  it('is no conflict when one process holds both families', () => {
    expect(
      findConflicts([sock({ address: '127.0.0.1', port: 5173, owner: vite }), sock({ address: '::1', port: 5173, owner: { ...vite } })], v4first),
    ).toEqual([]);
  });

  it('applies to UDP too, with no fallback to the other family', () => {
    const [c] = findConflicts(
      [sock({ protocol: 'udp', address: '127.0.0.1', port: 5353, owner: vite }), sock({ protocol: 'udp', address: '::1', port: 5353, owner: py })],
      v6first,
    );
    expect(c).toMatchObject({ kind: 'localhost-split', protocol: 'udp' });
    expect(c!.localhostReaches?.pid).toBe(200);
  });
});

describe('dual-stack split', () => {
  it('reports 0.0.0.0 and [::] held by different processes, and explains IPV6_V6ONLY', () => {
    const found = findConflicts([sock({ address: '0.0.0.0', port: 8080, owner: vite }), sock({ address: '::', port: 8080, owner: py })], v4first);
    expect(kinds(found)).toEqual(['dual-stack-split']);
    const [c] = found;
    expect(c!.pids).toEqual([100, 200]);
    expect(c!.explanation).toMatch(/IPv6-only \(IPV6_V6ONLY\) or both set SO_REUSEPORT; \/proc\/net does not show which/);
    expect(c!.explanation).toContain('IPv4 clients reach node (pid 100) and IPv6 clients reach python3 (pid 200)');
    expect(c!.localhostReaches).toMatchObject({ family: 4, boundAddress: '0.0.0.0', pid: 100 });
  });

  it('is no conflict when one process holds both wildcards', () => {
    expect(findConflicts([sock({ address: '0.0.0.0', port: 8080, owner: vite }), sock({ address: '::', port: 8080, owner: vite })], v4first)).toEqual([]);
  });
});

describe('shared port', () => {
  it('reports several processes on one address (SO_REUSEPORT) and that the kernel spreads clients', () => {
    const found = findConflicts([sock({ address: '127.0.0.1', port: 9000, owner: vite }), sock({ address: '127.0.0.1', port: 9000, owner: py })], v4first);
    expect(kinds(found)).toEqual(['shared-port']);
    expect(found[0]).toMatchObject({ pids: [100, 200], severity: 'warning', possibleHijack: false });
    expect(found[0]!.explanation).toContain('spreads new connections between them');
  });

  it('calls a pool of the same program by the same user info', () => {
    const w1 = proc(11, 'nginx');
    const w2 = proc(12, 'nginx');
    const [c] = findConflicts([sock({ address: '0.0.0.0', port: 80, owner: w1 }), sock({ address: '0.0.0.0', port: 80, owner: w2 })], v4first);
    expect(c).toMatchObject({ kind: 'shared-port', severity: 'info' });
    expect(c!.explanation).toContain('pool of workers');
  });

  it('flags a different user on the same UDP address as a possible hijack', () => {
    const [c] = findConflicts(
      [sock({ protocol: 'udp', address: '127.0.0.1', port: 5000, owner: vite }), sock({ protocol: 'udp', address: '::ffff:127.0.0.1', port: 5000, owner: intruder })],
      v4first,
    );
    expect(c).toMatchObject({ kind: 'shared-port', protocol: 'udp', severity: 'danger', possibleHijack: true, pids: [100, 300] });
    expect(c!.explanation).toContain('different users (dev and nobody)');
    expect(c!.explanation).toContain('SO_REUSEADDR');
  });

  it('is no conflict when one process has several sockets on the address', () => {
    expect(findConflicts([sock({ address: '127.0.0.1', port: 9000, owner: vite }), sock({ address: '127.0.0.1', port: 9000, owner: vite })], v4first)).toEqual([]);
  });

  it('says when one owner cannot be seen', () => {
    const [c] = findConflicts([sock({ address: '127.0.0.1', port: 9000, owner: vite }), sock({ address: '127.0.0.1', port: 9000, owner: null })], v4first);
    expect(c).toMatchObject({ kind: 'shared-port', pids: [100] });
    expect(c!.explanation).toContain('cannot inspect');
  });
});

describe('wildcard and specific', () => {
  it('says the specific address gets its clients and the wildcard the rest', () => {
    const found = findConflicts([sock({ address: '0.0.0.0', port: 8000, owner: vite }), sock({ address: '127.0.0.1', port: 8000, owner: py })], v4first);
    expect(kinds(found)).toEqual(['wildcard-specific']);
    const [c] = found;
    expect(c!.pids).toEqual([100, 200]);
    expect(c!.explanation).toContain('node (pid 100) listens on every IPv4 address (0.0.0.0:8000)');
    expect(c!.explanation).toContain('clients of 127.0.0.1:8000 (and localhost:8000, which resolves to 127.0.0.1 first here) reach python3 (pid 200)');
  });

  it('works for IPv6 and for UDP', () => {
    const found = findConflicts(
      [sock({ protocol: 'udp', address: '::', port: 53, owner: vite }), sock({ protocol: 'udp', address: 'fd00::2', port: 53, owner: py })],
      v4first,
    );
    expect(found.map((c) => [c.kind, c.protocol])).toEqual([['wildcard-specific', 'udp']]);
    expect(found[0]!.explanation).toContain('every IPv6 address ([::]:53)');
  });
});

describe('still busy', () => {
  it('reports TIME_WAIT with no listener, and when it clears', () => {
    const [c, ...rest] = findConflicts(
      [
        sock({ address: '127.0.0.1', port: 3000, state: 'TIME_WAIT', remote: ['127.0.0.1', 45000] }),
        sock({ address: '127.0.0.1', port: 3000, state: 'TIME_WAIT', remote: ['127.0.0.1', 45001] }),
      ],
      v4first,
    );
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ kind: 'still-busy', port: 3000, protocol: 'tcp', severity: 'info', clearsBy: NOW + 60_000, pids: [] });
    expect(c!.explanation).toContain('2 in TIME_WAIT');
    expect(c!.explanation).toContain('60 s (TCP_TIMEWAIT_LEN)');
  });

  it('names the process that keeps a CLOSE_WAIT socket, and cannot say when it clears', () => {
    const [c] = findConflicts([sock({ address: '127.0.0.1', port: 3000, state: 'CLOSE_WAIT', remote: ['127.0.0.1', 45000], owner: vite })], v4first);
    expect(c).toMatchObject({ kind: 'still-busy', clearsBy: null, pids: [100] });
    expect(c!.explanation).toContain('node (pid 100) has not');
  });

  it('is not reported while a listener exists on the port', () => {
    expect(
      findConflicts(
        [sock({ address: '127.0.0.1', port: 3000, owner: vite }), sock({ address: '127.0.0.1', port: 3000, state: 'TIME_WAIT', remote: ['127.0.0.1', 45000] })],
        v4first,
      ),
    ).toEqual([]);
  });

  it('ignores TIME_WAIT on a client port of the ephemeral range, unless that port had a listener lately', () => {
    const tw = [sock({ address: '127.0.0.1', port: 45000, state: 'TIME_WAIT', remote: ['127.0.0.1', 3000] })];
    expect(findConflicts(tw, v4first)).toEqual([]);
    expect(kinds(findConflicts(tw, { ...v4first, recentListeners: new Set(['tcp:45000']) }))).toEqual(['still-busy']);
    expect(kinds(findConflicts(tw, { ...v4first, ephemeralPorts: [50000, 60000] }))).toEqual(['still-busy']);
  });
});

it('lists conflicts by port, then protocol, then kind, with stable ids', () => {
  const list = findConflicts(
    [
      sock({ address: '0.0.0.0', port: 9000, owner: vite }),
      sock({ address: '127.0.0.1', port: 9000, owner: py }),
      sock({ address: '::1', port: 9000, owner: intruder }),
      sock({ address: '127.0.0.1', port: 4000, owner: vite }),
      sock({ address: '127.0.0.1', port: 4000, owner: py }),
    ],
    v4first,
  );
  expect(list.map((c) => c.id)).toEqual(['shared-port tcp 4000 127.0.0.1', 'localhost-split tcp 9000', 'wildcard-specific tcp 9000 4']);
});
