// What `portwatch top` reports after each interval: processes and connections by rate, interfaces,
// and what could not be credited — built from the engine's traffic state and its socket table. The
// same object is the --json / --ndjson output and what the terminal view draws.
import type { Socket } from '../shared/model.js';
import type { TrafficAvailability, TrafficState } from '../shared/traffic.js';
import { totalRate, type TotalRate } from '../shared/traffic.js';

export interface TopProcess {
  pid: number;
  name: string | null;
  exe: string | null;
  sendRate: number;
  receiveRate: number;
  bytesSent: number;
  bytesReceived: number;
  connections: number;
}

export interface TopConnection {
  id: string;
  pid: number | null;
  name: string | null;
  protocol: 'tcp' | 'udp';
  localAddress: string;
  localPort: number;
  remoteAddress: string | null;
  remotePort: number | null;
  state: string;
  sendRate: number;
  receiveRate: number;
  bytesSent: number;
  bytesReceived: number;
  rttMs: number | null;
}

export interface TopInterface {
  name: string;
  sendRate: number;
  receiveRate: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface TopReport {
  takenAt: number;
  /** What the rates are measured over (bytes per second over the last interval). */
  intervalMs: number;
  /** Sorted by total rate, then total bytes, then pid. */
  processes: TopProcess[];
  /** Connections moving data now, sorted by total rate. */
  connections: TopConnection[];
  interfaces: TopInterface[];
  /** Bytes no process could be credited with (other users' sockets, short connections). */
  unattributed: { sendRate: number; receiveRate: number; bytesSent: number; bytesReceived: number };
  total: TotalRate | null;
  availability: TrafficAvailability;
}

const byRate = <T extends { sendRate: number; receiveRate: number }>(a: T, b: T) => b.sendRate + b.receiveRate - (a.sendRate + a.receiveRate);

export function topReport(traffic: TrafficState, sockets: Iterable<Socket>): TopReport {
  const processes: TopProcess[] = traffic.processes
    .map((p) => ({ pid: p.pid, name: p.name, exe: p.exe, sendRate: p.sendRate, receiveRate: p.receiveRate, bytesSent: p.bytesSent, bytesReceived: p.bytesReceived, connections: p.connections }))
    .sort((a, b) => byRate(a, b) || b.bytesSent + b.bytesReceived - (a.bytesSent + a.bytesReceived) || a.pid - b.pid);
  // Only the sockets moving data are looked up: the table stays untouched at 10,000 sockets.
  const moving = new Map(traffic.sockets.map((t) => [t[0], t]));
  const connections: TopConnection[] = [];
  if (moving.size > 0) {
    for (const s of sockets) {
      const t = moving.get(s.id);
      if (t === undefined) continue;
      connections.push({
        id: s.id,
        pid: s.pid,
        name: s.process?.name ?? null,
        protocol: s.protocol,
        localAddress: s.localAddress,
        localPort: s.localPort,
        remoteAddress: s.remoteAddress,
        remotePort: s.remotePort,
        state: s.state,
        sendRate: t[4],
        receiveRate: t[5],
        bytesSent: t[1],
        bytesReceived: t[2],
        rttMs: t[3],
      });
    }
  }
  connections.sort((a, b) => byRate(a, b) || a.id.localeCompare(b.id));
  const u = traffic.unattributed;
  return {
    takenAt: traffic.takenAt,
    intervalMs: traffic.intervalMs,
    processes,
    connections,
    interfaces: traffic.interfaces.map((i) => ({ name: i.name, sendRate: i.sendRate, receiveRate: i.receiveRate, bytesSent: i.bytesSent, bytesReceived: i.bytesReceived })),
    unattributed: { sendRate: u.sendRate, receiveRate: u.receiveRate, bytesSent: u.bytesSent, bytesReceived: u.bytesReceived },
    total: totalRate(traffic),
    availability: traffic.availability,
  };
}
