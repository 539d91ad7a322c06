// The views' exports beyond sockets and history: processes, alerts and port conflicts, each as CSV
// (header first, formula cells neutralised, controls escaped), JSON ({ takenAt, rows }) and NDJSON.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/shared/alerts.js';
import type { Conflict } from '../../../src/shared/conflicts.js';
import { exportAlerts, exportConflicts, exportProcesses, type ProcessExportRow } from '../../../src/shared/export.js';
import { socketId, type ProcessInfo, type Socket } from '../../../src/shared/model.js';

const python: ProcessInfo = { pid: 4242, name: 'python3', exe: '/usr/bin/python3.12', cmdline: 'python3 -m http.server 8000', user: 'ada', uid: 1000, ppid: 1, startedAt: 1 };

function listener(port: number, address: string, pid: number, name: string): Socket {
  const base: Omit<Socket, 'id'> = {
    protocol: 'tcp',
    family: address.includes(':') ? 6 : 4,
    localAddress: address,
    localPort: port,
    remoteAddress: null,
    remotePort: null,
    state: 'LISTEN',
    listening: true,
    pid,
    process: { ...python, pid, name, exe: `/usr/bin/${name}` },
    otherHolders: [],
    inode: 9000 + pid,
    firstSeen: 1,
    bytesSent: null,
    bytesReceived: null,
    rttMs: null,
  };
  return { ...base, id: socketId(base) };
}

const process: ProcessExportRow = { pid: 42, name: '=cmd|calc', exe: '/tmp/x\u001b[2J', user: 'ada', sendRate: 1200, receiveRate: null, bytesSent: 5000, bytesReceived: null, connections: 3, listeners: 1, remoteHosts: 2 };

describe('exports of the other views', () => {
  it('processes: one row a process, unmeasured cells empty, formulas and controls made harmless', () => {
    const rows = parse(exportProcesses([process], 'csv', 0), { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      { pid: '42', process: "'=cmd|calc", user: 'ada', exe: '/tmp/x\\u{1b}[2J', send_bytes_per_s: '1200', receive_bytes_per_s: '', bytes_sent: '5000', bytes_received: '', connections: '3', listeners: '1', remote_hosts: '2' },
    ]);
    expect(JSON.parse(exportProcesses([process], 'json', 7))).toEqual({ takenAt: 7, processes: [process] });
    expect(exportProcesses([process, process], 'ndjson', 0).trim().split('\n')).toHaveLength(2);
  });

  it('alerts: when, severity, kind, the sentence, the process and its first socket', () => {
    const a: Alert = {
      id: 'a-1',
      kind: 'new-listener',
      severity: 'high',
      message: 'New listener on all interfaces: python3 listens on 0.0.0.0:8000 (TCP)',
      at: Date.UTC(2026, 11, 2, 8, 0, 0),
      pid: 4242,
      process: python,
      sockets: [{ ...listener(8000, '0.0.0.0', 4242, 'python3'), process: python }],
      acknowledgedAt: null,
      snoozedUntil: null,
    };
    const [row] = parse(exportAlerts([a], 'csv', 0), { columns: true }) as Record<string, string>[];
    expect(row).toMatchObject({ at: '2026-12-02T08:00:00.000Z', severity: 'high', kind: 'new-listener', process: 'python3', exe: '/usr/bin/python3.12', local_address: '0.0.0.0', local_port: '8000', remote_address: '', sockets: '1', acknowledged_at: '' });
    expect(row!.message).toBe(a.message);
    expect(JSON.parse(exportAlerts([a], 'json', 1))).toMatchObject({ takenAt: 1, alerts: [{ id: a.id }] });
  });

  it('conflicts: the port, what kind, who, and the explanation', () => {
    const c: Conflict = {
      id: 'localhost-split|tcp|3000',
      port: 3000,
      protocol: 'tcp',
      kind: 'localhost-split',
      severity: 'warning',
      summary: 'localhost:3000 is two servers',
      explanation: 'vite listens on ::1 and node on 127.0.0.1.',
      sockets: [listener(3000, '::1', 10, 'vite'), listener(3000, '127.0.0.1', 11, 'node')],
      pids: [10, 11],
    };
    const [row] = parse(exportConflicts([c], 'csv', 0), { columns: true }) as Record<string, string>[];
    expect(row).toEqual({ severity: 'warning', kind: 'localhost-split', protocol: 'tcp', port: '3000', summary: 'localhost:3000 is two servers', pids: '10 11', processes: 'vite node', sockets: '2', explanation: 'vite listens on ::1 and node on 127.0.0.1.' });
  });
});
