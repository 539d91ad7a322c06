import { describe, expect, it } from 'vitest';
import { applySocketCounters, applyTraffic, isLoopbackInterface, processKey, totalRate, type TrafficState, type TrafficUpdate } from '../../../src/shared/traffic.js';
import { formatBytes, formatRate } from '../../../src/shared/units.js';

const state: TrafficState = {
  seq: 5,
  takenAt: 5000,
  intervalMs: 1000,
  sockets: [['a', 10, 20, 1, 100, 0]],
  processes: [{ key: '1:0', pid: 1, name: 'x', exe: null, startedAt: null, bytesSent: 10, bytesReceived: 20, sendRate: 100, receiveRate: 0, connections: 1, closedConnections: 0 }],
  interfaces: [{ name: 'lo', bytesSent: 1, bytesReceived: 1, sendRate: 0, receiveRate: 0 }],
  unattributed: { bytesSent: 0, bytesReceived: 0, sendRate: 0, receiveRate: 0, closedConnections: 0 },
  availability: { connections: true, closedConnections: true, interfaces: true, notes: [] },
};

const update = (u: Partial<TrafficUpdate>): TrafficUpdate => ({ seq: 6, takenAt: 6000, intervalMs: 1000, sockets: [], processes: [], processesGone: [], interfaces: [], unattributed: null, ...u });

describe('applyTraffic', () => {
  it('merges what moved, drops sockets whose rates fell to zero and processes gone, and ignores stale updates', () => {
    const next = applyTraffic(
      state,
      update({
        sockets: [
          ['a', 10, 20, 1, 0, 0],
          ['b', 5, 5, null, 5, 5],
        ],
        processes: [{ ...state.processes[0]!, key: '2:0', pid: 2 }],
        processesGone: ['1:0'],
        interfaces: [{ name: 'lo', bytesSent: 9, bytesReceived: 9, sendRate: 8, receiveRate: 8 }],
        unattributed: { bytesSent: 3, bytesReceived: 0, sendRate: 3, receiveRate: 0, closedConnections: 1 },
      }),
    );
    expect(next.seq).toBe(6);
    expect(next.sockets).toEqual([['b', 5, 5, null, 5, 5]]);
    expect(next.processes.map((p) => p.key)).toEqual(['2:0']);
    expect(next.interfaces[0]!.sendRate).toBe(8);
    expect(next.unattributed.closedConnections).toBe(1);
    expect(state.sockets).toHaveLength(1); // the input is not changed
    expect(applyTraffic(next, update({ seq: 6 }))).toBe(next);
    expect(applyTraffic(next, update({ seq: 3 }))).toBe(next);
  });

  it('applySocketCounters puts new counters into the sockets named and keeps the others as they are', () => {
    const sockets = [
      { id: 'a', bytesSent: 1, bytesReceived: 1, rttMs: null, port: 1 },
      { id: 'b', bytesSent: 2, bytesReceived: 2, rttMs: 1, port: 2 },
    ];
    const out = applySocketCounters(sockets, { sockets: [['b', 7, 8, 0.5, 1, 1]] });
    expect(out[0]).toBe(sockets[0]);
    expect(out[1]).toEqual({ id: 'b', bytesSent: 7, bytesReceived: 8, rttMs: 0.5, port: 2 });
    expect(applySocketCounters(sockets, { sockets: [] })).toBe(sockets);
    expect(processKey(7, null)).toBe('7:0');
  });
});

describe('totalRate', () => {
  const iface = (name: string, sendRate: number, receiveRate: number) => ({ name, bytesSent: 0, bytesReceived: 0, sendRate, receiveRate });

  it('adds the interfaces but loopback (a local transfer is not network traffic, and would count twice)', () => {
    const s = { ...state, interfaces: [iface('lo', 500, 500), iface('eth0', 10, 20), iface('wlan0', 1, 2)] };
    expect(totalRate(s)).toEqual({ sendRate: 11, receiveRate: 22, basis: 'interfaces' });
    expect(['lo', 'lo0', 'Loopback Pseudo-Interface 1'].every(isLoopbackInterface)).toBe(true);
    expect(['eth0', 'wlo1', 'lowpan0', 'en0'].some(isLoopbackInterface)).toBe(false);
  });

  it('adds the connections (processes and what no process was credited with) where no interface totals exist', () => {
    const s = {
      ...state,
      interfaces: [],
      availability: { ...state.availability, interfaces: false },
      unattributed: { ...state.unattributed, sendRate: 1, receiveRate: 2 },
      processes: [state.processes[0]!, { ...state.processes[0]!, key: '2:0', pid: 2, sendRate: 5, receiveRate: 7 }],
    };
    expect(totalRate(s)).toEqual({ sendRate: 106, receiveRate: 9, basis: 'connections' });
  });

  it('is null when nothing is measured', () => {
    expect(totalRate(null)).toBeNull();
    expect(totalRate({ ...state, interfaces: [], availability: { connections: false, closedConnections: false, interfaces: false, notes: [] } })).toBeNull();
  });
});

describe('formatBytes and formatRate', () => {
  it('uses decimal units with at most three significant digits, and says n/a for what the OS does not give', () => {
    const cases: Array<[number, string]> = [
      [0, '0 B'],
      [999, '999 B'],
      [1000, '1.0 kB'],
      [1234, '1.2 kB'],
      [9_949, '9.9 kB'],
      [9_960, '10 kB'],
      [999_400, '999 kB'],
      [999_600, '1.0 MB'],
      [12_345_678, '12 MB'],
      [3.2e12, '3.2 TB'],
      [-5, '0 B'],
    ];
    for (const [n, text] of cases) expect(formatBytes(n), String(n)).toBe(text);
    expect(formatBytes(null)).toBe('n/a');
    expect(formatBytes(Number.NaN)).toBe('n/a');
    expect(formatRate(2_500_000)).toBe('2.5 MB/s');
    expect(formatRate(null)).toBe('n/a');
  });
});
