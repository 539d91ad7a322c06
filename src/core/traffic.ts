// Traffic per socket, per process and per interface, from each poll's counter moves (see
// sources/source.ts TrafficSample): totals, rates over the poll interval, and the compact update of
// shared/traffic.ts that carries only what moved. Work per poll is in proportion to what moved.
import type { Delta, ProcessInfo, Socket } from '../shared/model.js';
import {
  processKey,
  type InterfaceTraffic,
  type ProcessTraffic,
  type SocketTraffic,
  type TrafficAvailability,
  type TrafficState,
  type TrafficUpdate,
  type UnattributedTraffic,
} from '../shared/traffic.js';
import type { InterfaceCounters, TrafficSample } from './sources/source.js';

interface ProcessAcc {
  record: ProcessTraffic;
  /** Bytes counted for it in this poll. */
  sent: number;
  received: number;
  /** The record as last sent, to send it again only when something changed. */
  sentRecord: ProcessTraffic | null;
}

const rate = (bytes: number, ms: number) => (ms > 0 ? Math.round((bytes * 1000) / ms) : 0);

/** A socket held by a process that counts as one of its connections (not a listener). */
function isConnection(s: Socket): boolean {
  return s.protocol === 'tcp' && !s.listening && s.pid !== null;
}

export class TrafficMeter {
  private takenAt = 0;
  private intervalMs = 0;
  private seq = 0;
  /** Sockets whose rates are not zero, as last sent. */
  private rated = new Map<string, SocketTraffic>();
  private readonly processes = new Map<string, ProcessAcc>();
  private readonly interfaces = new Map<string, { counters: InterfaceCounters; record: InterfaceTraffic }>();
  private unattributed: UnattributedTraffic = { bytesSent: 0, bytesReceived: 0, sendRate: 0, receiveRate: 0, closedConnections: 0 };
  private availability: TrafficAvailability = { connections: false, closedConnections: false, interfaces: false, notes: [] };

  /**
   * Takes one poll: the delta (to follow connection counts; `previous` holds what removed and changed
   * sockets were) and its traffic sample. Returns the update to send after the delta.
   */
  apply(delta: Delta, previous: ReadonlyMap<string, Socket>, sample: TrafficSample): TrafficUpdate {
    const first = this.takenAt === 0;
    const intervalMs = first ? 0 : Math.max(0, delta.takenAt - this.takenAt);
    this.takenAt = delta.takenAt;
    this.intervalMs = intervalMs;
    this.seq = delta.seq;
    this.availability = sample.availability;
    const touched = new Set<ProcessAcc>();

    // Connection counts follow the delta.
    const count = (s: Socket | undefined, by: number) => {
      if (s === undefined || !isConnection(s)) return;
      const acc = this.account(s.pid!, s.process);
      acc.record.connections += by;
      touched.add(acc);
    };
    for (const id of delta.removed) count(previous.get(id), -1);
    for (const s of delta.changed) {
      count(previous.get(s.id), -1);
      count(s, +1);
    }
    for (const s of delta.added) count(s, +1);

    // Bytes: counters that moved, and connections that closed since the last poll.
    const sockets: SocketTraffic[] = [];
    const rated = new Map<string, SocketTraffic>();
    let loseSent = 0;
    let loseReceived = 0;
    let loseClosed = 0;
    for (const m of sample.moves) {
      const s = m.socket;
      if (s.bytesSent === null || s.bytesReceived === null) continue;
      const sent = Math.max(0, s.bytesSent - m.sentBefore);
      const received = Math.max(0, s.bytesReceived - m.receivedBefore);
      const t: SocketTraffic = [s.id, s.bytesSent, s.bytesReceived, s.rttMs, rate(sent, intervalMs), rate(received, intervalMs)];
      sockets.push(t);
      if (t[4] !== 0 || t[5] !== 0) rated.set(s.id, t);
      if (s.pid === null) {
        loseSent += sent;
        loseReceived += received;
      } else {
        const acc = this.account(s.pid, s.process);
        acc.sent += sent;
        acc.received += received;
        touched.add(acc);
      }
    }
    for (const c of sample.closed) {
      if (c.pid === null) {
        loseSent += c.sent;
        loseReceived += c.received;
        loseClosed++;
        continue;
      }
      const acc = this.account(c.pid, c.owner);
      acc.sent += c.sent;
      acc.received += c.received;
      acc.record.closedConnections++;
      touched.add(acc);
    }
    // A socket that stopped moving is sent once more, with zero rates; one removed needs nothing.
    const removed = new Set(delta.removed);
    for (const [id, t] of this.rated) {
      if (rated.has(id) || removed.has(id)) continue;
      const now: SocketTraffic = [id, t[1], t[2], t[3], 0, 0];
      sockets.push(now);
    }
    this.rated = rated;

    // Processes: totals, rates, and the ones that left.
    const processes: ProcessTraffic[] = [];
    const processesGone: string[] = [];
    for (const acc of this.processes.values()) {
      if (acc.record.sendRate !== 0 || acc.record.receiveRate !== 0) touched.add(acc);
    }
    for (const acc of touched) {
      const r = acc.record;
      r.bytesSent += acc.sent;
      r.bytesReceived += acc.received;
      r.sendRate = rate(acc.sent, intervalMs);
      r.receiveRate = rate(acc.received, intervalMs);
      acc.sent = 0;
      acc.received = 0;
      if (r.connections <= 0 && r.sendRate === 0 && r.receiveRate === 0) {
        this.processes.delete(r.key);
        if (acc.sentRecord !== null) processesGone.push(r.key);
        continue;
      }
      if (acc.sentRecord === null || !sameProcessTraffic(acc.sentRecord, r)) {
        acc.sentRecord = { ...r };
        processes.push(acc.sentRecord);
      }
    }

    let unattributed: UnattributedTraffic | null = null;
    const u = this.unattributed;
    const next: UnattributedTraffic = {
      bytesSent: u.bytesSent + loseSent,
      bytesReceived: u.bytesReceived + loseReceived,
      sendRate: rate(loseSent, intervalMs),
      receiveRate: rate(loseReceived, intervalMs),
      closedConnections: u.closedConnections + loseClosed,
    };
    if (next.bytesSent !== u.bytesSent || next.bytesReceived !== u.bytesReceived || next.sendRate !== u.sendRate || next.receiveRate !== u.receiveRate) {
      unattributed = next;
    }
    this.unattributed = next;

    return { seq: delta.seq, takenAt: delta.takenAt, intervalMs, sockets, processes, processesGone, interfaces: this.applyInterfaces(sample.interfaces, intervalMs), unattributed };
  }

  /** The full picture, as of the last poll (the caller gives the seq of the state it goes with). */
  state(seq = this.seq): TrafficState {
    const processes: ProcessTraffic[] = [];
    for (const acc of this.processes.values()) processes.push({ ...acc.record });
    return {
      seq,
      takenAt: this.takenAt,
      intervalMs: this.intervalMs,
      sockets: [...this.rated.values()],
      processes,
      interfaces: [...this.interfaces.values()].map((i) => i.record),
      unattributed: { ...this.unattributed },
      availability: this.availability,
    };
  }

  getAvailability(): TrafficAvailability {
    return this.availability;
  }

  private lastAccount: { pid: number; info: ProcessInfo | null; acc: ProcessAcc } | null = null;

  private account(pid: number, info: ProcessInfo | null): ProcessAcc {
    // Sockets of one process come in runs and share its info object: skip the key for those.
    const last = this.lastAccount;
    if (last !== null && last.pid === pid && last.info === info && this.processes.get(last.acc.record.key) === last.acc) return last.acc;
    const acc = this.findAccount(pid, info);
    this.lastAccount = { pid, info, acc };
    return acc;
  }

  private findAccount(pid: number, info: ProcessInfo | null): ProcessAcc {
    const key = processKey(pid, info?.startedAt ?? null);
    let acc = this.processes.get(key);
    if (acc === undefined) {
      acc = {
        record: {
          key,
          pid,
          name: info?.name ?? null,
          exe: info?.exe ?? null,
          startedAt: info?.startedAt ?? null,
          bytesSent: 0,
          bytesReceived: 0,
          sendRate: 0,
          receiveRate: 0,
          connections: 0,
          closedConnections: 0,
        },
        sent: 0,
        received: 0,
        sentRecord: null,
      };
      this.processes.set(key, acc);
    } else if (info !== null && (acc.record.name !== info.name || acc.record.exe !== info.exe)) {
      // An exec: same identity, another program.
      acc.record.name = info.name;
      acc.record.exe = info.exe;
    }
    return acc;
  }

  private applyInterfaces(counters: InterfaceCounters[] | null, intervalMs: number): InterfaceTraffic[] {
    const out: InterfaceTraffic[] = [];
    if (counters === null) return out;
    const seen = new Set<string>();
    for (const c of counters) {
      seen.add(c.name);
      const before = this.interfaces.get(c.name);
      // Counters that went back (an interface re-created, a 32-bit wrap) start over rather than go negative.
      const sent = before === undefined ? 0 : Math.max(0, c.bytesSent - before.counters.bytesSent);
      const received = before === undefined ? 0 : Math.max(0, c.bytesReceived - before.counters.bytesReceived);
      const record: InterfaceTraffic = {
        name: c.name,
        bytesSent: c.bytesSent,
        bytesReceived: c.bytesReceived,
        sendRate: rate(sent, intervalMs),
        receiveRate: rate(received, intervalMs),
      };
      const r = before?.record;
      if (r === undefined || r.bytesSent !== record.bytesSent || r.bytesReceived !== record.bytesReceived || r.sendRate !== record.sendRate || r.receiveRate !== record.receiveRate) {
        out.push(record);
      }
      this.interfaces.set(c.name, { counters: c, record });
    }
    for (const name of this.interfaces.keys()) if (!seen.has(name)) this.interfaces.delete(name);
    return out;
  }
}

function sameProcessTraffic(a: ProcessTraffic, b: ProcessTraffic): boolean {
  return (
    a.bytesSent === b.bytesSent &&
    a.bytesReceived === b.bytesReceived &&
    a.sendRate === b.sendRate &&
    a.receiveRate === b.receiveRate &&
    a.connections === b.connections &&
    a.closedConnections === b.closedConnections &&
    a.name === b.name &&
    a.exe === b.exe
  );
}
