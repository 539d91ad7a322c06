import { describe, expect, it } from 'vitest';
import type { TopConnection, TopProcess, TopReport } from '../../../src/cli/top-report.js';
import { topReport } from '../../../src/cli/top-report.js';
import { BATCH_LAYOUT, formatTop } from '../../../src/cli/top-screen.js';
import type { Socket } from '../../../src/shared/model.js';
import type { TrafficState } from '../../../src/shared/traffic.js';

const proc = (pid: number, sendRate: number, name = `p${pid}`): TopProcess => ({ pid, name, exe: null, sendRate, receiveRate: 0, bytesSent: sendRate * 10, bytesReceived: 0, connections: 1 });
const conn = (port: number, sendRate: number): TopConnection => ({
  id: `c${port}`,
  pid: 1,
  name: 'p1',
  protocol: 'tcp',
  localAddress: '127.0.0.1',
  localPort: port,
  remoteAddress: '127.0.0.1',
  remotePort: 80,
  state: 'ESTABLISHED',
  sendRate,
  receiveRate: 0,
  bytesSent: 1,
  bytesReceived: 0,
  rttMs: 0.1,
});

function report(processes: TopProcess[], connections: TopConnection[]): TopReport {
  return {
    takenAt: Date.UTC(2026, 0, 1, 12, 0, 0),
    intervalMs: 1000,
    processes,
    connections,
    interfaces: [{ name: 'eth\x1b[2J0', sendRate: 5, receiveRate: 6, bytesSent: 1, bytesReceived: 1 }],
    unattributed: { sendRate: 0, receiveRate: 0, bytesSent: 0, bytesReceived: 0 },
    total: { sendRate: 5, receiveRate: 6, basis: 'interfaces' },
    availability: { connections: true, closedConnections: true, interfaces: true, notes: [] },
  };
}

describe('formatTop', () => {
  const many = report(
    Array.from({ length: 50 }, (_, i) => proc(i + 1, 5000 - i)),
    Array.from({ length: 30 }, (_, i) => conn(40000 + i, 900 - i)),
  );

  it('fits a terminal: never more rows or columns than it has, processes first, "… N more" for the rest', () => {
    for (const layout of [{ columns: 80, rows: 24 }, { columns: 200, rows: 60 }, { columns: 40, rows: 10 }]) {
      const lines = formatTop(many, 1000, layout);
      expect(lines.length).toBeLessThanOrEqual(layout.rows);
      for (const l of lines) expect([...l].length).toBeLessThanOrEqual(layout.columns);
      expect(lines.at(-1)).toBe('Ctrl+C quits');
    }
    const lines = formatTop(many, 1000, { columns: 100, rows: 30 });
    expect(lines.findIndex((l) => l.includes('PROCESS'))).toBeLessThan(lines.findIndex((l) => l.startsWith('CONNECTION')));
    expect(lines.filter((l) => /^ {2}… \d+ more$/.test(l))).toHaveLength(2);
    expect(lines.some((l) => /^\s+1 {2}p1 .*5\.0 kB\/s/.test(l))).toBe(true);
  });

  it('piped: every row, 120 columns at most', () => {
    const lines = formatTop(many, 1000, BATCH_LAYOUT);
    expect(lines.filter((l) => /^\s+\d+ {2}p\d+ /.test(l))).toHaveLength(50);
    expect(lines.filter((l) => l.startsWith('tcp '))).toHaveLength(30);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(120);
  });

  it('escapes every OS string (process and interface names) and says when no connection moved', () => {
    const text = formatTop(report([proc(7, 10, 'evil\x1b]0;owned\x07\nname')], []), 1000, BATCH_LAYOUT).join('\n');
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(text).toContain('evil\\u{1b}]0;owned\\u{7}\\u{a}name');
    expect(text).toContain('eth\\u{1b}[2J0');
    expect(text).toContain('no connection moved data in this interval');
  });
});

describe('topReport', () => {
  it('sorts processes by rate, then bytes, then pid, and looks up only the sockets that move', () => {
    const p = (pid: number, sendRate: number, bytesSent: number) => ({ key: `${pid}:0`, pid, name: `p${pid}`, exe: null, startedAt: null, bytesSent, bytesReceived: 0, sendRate, receiveRate: 0, connections: 1, closedConnections: 0 });
    const traffic: TrafficState = {
      seq: 3,
      takenAt: 1,
      intervalMs: 1000,
      sockets: [['s2', 10, 0, 0.2, 10, 0], ['s1', 99, 0, 0.1, 50, 0]],
      processes: [p(3, 0, 5), p(2, 0, 50), p(1, 10, 0), p(4, 0, 5)],
      interfaces: [],
      unattributed: { bytesSent: 0, bytesReceived: 0, sendRate: 0, receiveRate: 0, closedConnections: 0 },
      availability: { connections: true, closedConnections: true, interfaces: false, notes: [] },
    };
    const socket = (id: string, port: number) => ({ id, protocol: 'tcp', family: 4, localAddress: '127.0.0.1', localPort: port, remoteAddress: '127.0.0.1', remotePort: 80, state: 'ESTABLISHED', listening: false, pid: 1, process: null }) as unknown as Socket;
    const r = topReport(traffic, [socket('s0', 1), socket('s1', 2), socket('s2', 3)]);
    expect(r.processes.map((x) => x.pid)).toEqual([1, 2, 3, 4]);
    expect(r.connections.map((c) => [c.id, c.localPort, c.sendRate, c.bytesSent])).toEqual([
      ['s1', 2, 50, 99],
      ['s2', 3, 10, 10],
    ]);
    expect(r.total).toEqual({ sendRate: 10, receiveRate: 0, basis: 'connections' });
  });
});
