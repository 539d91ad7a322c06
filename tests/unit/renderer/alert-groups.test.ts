// The Alerts list as a person reads it: one row per kind and program, leading with the port and the
// program; the search finds alerts by what is in them.
import { describe, expect, it } from 'vitest';
import { alertHeadline, alertOwner, groupAlerts, groupHeadline, matchAlert } from '../../../src/renderer/src/alert-groups.js';
import { alert, listener, proc } from './fixtures.js';

const python = proc(4242, 'python3', { exe: '/usr/bin/python3.12' });
const loopbackListener = (port: number, at: number) =>
  alert({
    id: `py-${port}`,
    severity: 'low',
    at,
    process: python,
    pid: 4242,
    sockets: [{ ...listener(port, '127.0.0.1', 4242, 'python3'), process: python }],
    message: `New listener: python3 listens on 127.0.0.1:${port} (TCP) — reachable from this machine only`,
  });

describe('groupAlerts', () => {
  it('thirteen loopback listeners of one python3 are one group of 13, low, in the place of its newest', () => {
    const many = Array.from({ length: 13 }, (_, i) => loopbackListener(8001 + i, 1000 - i));
    const other = alert({ id: 'nc', at: 2000, process: proc(99, 'ncat', { exe: '/usr/bin/ncat' }), pid: 99 });
    const groups = groupAlerts([other, ...many]);
    expect(groups.map((g) => [g.kind, g.who, g.alerts.length])).toEqual([
      ['new-listener', 'ncat', 1],
      ['new-listener', 'python3', 13],
    ]);
    expect(groups[1]).toMatchObject({ severity: 'low', unacknowledged: 13, key: 'new-listener|/usr/bin/python3.12' });
    const h = groupHeadline(groups[1]!);
    expect(h.who).toBe('python3');
    expect(h.what).toBe('13 new listeners: 8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008, … — loopback only');
  });

  it('one program’s alerts of different kinds are different groups; scans group by where they came from', () => {
    const groups = groupAlerts([
      alert({ id: 'a', kind: 'new-process', process: python }),
      alert({ id: 'b', kind: 'new-listener', process: python }),
      alert({ id: 's1', kind: 'port-scan', process: null, pid: null, scan: { remoteAddress: '203.0.113.9', localPorts: [22], windowMs: 10_000, refused: null, localAttemptFails: null } }),
      alert({ id: 's2', kind: 'port-scan', process: null, pid: null, scan: { remoteAddress: null, localPorts: [], windowMs: 10_000, refused: null, localAttemptFails: null } }),
    ]);
    expect(groups.map((g) => g.alerts.map((a) => a.id))).toEqual([['a'], ['b'], ['s1'], ['s2']]);
    expect(alertOwner(groups[3]!.alerts[0]!).name).toBe('kernel counters');
  });
});

describe('headlines lead with the port and the program', () => {
  it('new listener: port/protocol, program, where', () => {
    expect(alertHeadline(alert())).toEqual({ port: '8000/tcp', who: 'python3', what: 'listens on all interfaces' });
    expect(alertHeadline(loopbackListener(8001, 0))).toEqual({ port: '8001/tcp', who: 'python3', what: 'listens on 127.0.0.1, loopback only' });
  });

  it('a port scan: where from and how many ports', () => {
    const a = alert({ kind: 'port-scan', process: null, pid: null, scan: { remoteAddress: '203.0.113.9', localPorts: [22, 23, 80, 443, 445, 3306, 5432], windowMs: 10_000, refused: null, localAttemptFails: null } });
    expect(alertHeadline(a)).toEqual({ port: null, who: '203.0.113.9', what: 'touched 7 ports (22, 23, 80, 443, 445, 3306, …)' });
  });
});

describe('matchAlert', () => {
  it('every word must be somewhere in the alert: program, path, port, address, pid, kind', () => {
    const a = loopbackListener(8005, 0);
    expect(matchAlert(a, '')).toBe(true);
    expect(matchAlert(a, 'python')).toBe(true);
    expect(matchAlert(a, '127.0.0.1:8005')).toBe(true);
    expect(matchAlert(a, 'PYTHON 8005')).toBe(true);
    expect(matchAlert(a, '4242')).toBe(true);
    expect(matchAlert(a, 'new listener')).toBe(true);
    expect(matchAlert(a, 'python 8006')).toBe(false);
    expect(matchAlert(a, 'ncat')).toBe(false);
  });
});
