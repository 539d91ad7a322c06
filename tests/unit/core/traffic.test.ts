// The traffic meter on constructed polls: rates over the interval, totals per process including
// connections that closed, a rate that stops sent once as zero, processes leaving, interfaces.
import { describe, expect, it } from 'vitest';
import type { TrafficSample } from '../../../src/core/sources/source.js';
import { TrafficMeter } from '../../../src/core/traffic.js';
import type { Delta, Socket } from '../../../src/shared/model.js';
import { applyTraffic } from '../../../src/shared/traffic.js';
import { proc, sock } from '../../helpers/sockets.js';

const web = proc(10, 'web');
const db = proc(20, 'db');

function conn(port: number, owner: ReturnType<typeof proc> | null, sent: number, received: number): Socket {
  return { ...sock({ address: '127.0.0.1', port, remote: ['127.0.0.1', 5432], owner }), bytesSent: sent, bytesReceived: received, rttMs: 0.05 };
}

const AVAILABLE = { connections: true, closedConnections: true, interfaces: true, notes: [] };

function delta(seq: number, takenAt: number, d: Partial<Delta> = {}): Delta {
  return { seq, takenAt, added: [], removed: [], changed: [], ...d };
}

function sample(t: Partial<TrafficSample> = {}): TrafficSample {
  return { availability: AVAILABLE, moves: [], closed: [], interfaces: null, ...t };
}

describe('TrafficMeter', () => {
  it('counts a new connection whole, then rates over the interval, per socket and per process', () => {
    const meter = new TrafficMeter();
    const a = conn(40001, web, 1000, 500);
    const first = meter.apply(delta(1, 1_000, { added: [a] }), new Map(), sample({ moves: [{ socket: a, sentBefore: 0, receivedBefore: 0 }] }));
    // The first poll has no interval: totals, no rates.
    expect(first.intervalMs).toBe(0);
    expect(first.sockets).toEqual([[a.id, 1000, 500, 0.05, 0, 0]]);
    expect(first.processes).toEqual([expect.objectContaining({ key: `10:${web.startedAt}`, pid: 10, name: 'web', bytesSent: 1000, bytesReceived: 500, sendRate: 0, connections: 1 })]);

    a.bytesSent = 3000; // in place, as the source does
    a.bytesReceived = 1500;
    const second = meter.apply(delta(2, 1_500), new Map([[a.id, a]]), sample({ moves: [{ socket: a, sentBefore: 1000, receivedBefore: 500 }] }));
    expect(second).toMatchObject({ seq: 2, intervalMs: 500 });
    expect(second.sockets).toEqual([[a.id, 3000, 1500, 0.05, 4000, 2000]]);
    expect(second.processes).toEqual([expect.objectContaining({ bytesSent: 3000, bytesReceived: 1500, sendRate: 4000, receiveRate: 2000 })]);

    // Nothing moves: the socket and the process are sent once more with zero rates, then not at all.
    const third = meter.apply(delta(3, 2_500), new Map([[a.id, a]]), sample());
    expect(third.sockets).toEqual([[a.id, 3000, 1500, 0.05, 0, 0]]);
    expect(third.processes).toEqual([expect.objectContaining({ sendRate: 0, receiveRate: 0, bytesSent: 3000 })]);
    const fourth = meter.apply(delta(4, 3_500), new Map([[a.id, a]]), sample());
    expect(fourth).toMatchObject({ sockets: [], processes: [], processesGone: [], unattributed: null });
  });

  it('credits a connection that closed since the last poll to its process, and an unattributable one to no one, never dropped', () => {
    const meter = new TrafficMeter();
    const a = conn(40001, web, 100, 100);
    meter.apply(delta(1, 1_000, { added: [a] }), new Map(), sample({ moves: [{ socket: a, sentBefore: 0, receivedBefore: 0 }] }));
    const u = meter.apply(
      delta(2, 2_000, { removed: [a.id] }),
      new Map([[a.id, a]]),
      sample({
        closed: [
          { socket: a, owner: web, pid: 10, sent: 900, received: 50 },
          { socket: null, owner: db, pid: 20, sent: 0, received: 7000 },
          { socket: null, owner: null, pid: null, sent: 3000, received: 1 },
        ],
      }),
    );
    const byPid = new Map(u.processes.map((p) => [p.pid, p]));
    expect(byPid.get(10)).toMatchObject({ bytesSent: 1000, bytesReceived: 150, sendRate: 900, receiveRate: 50, connections: 0, closedConnections: 1 });
    expect(byPid.get(20)).toMatchObject({ bytesReceived: 7000, receiveRate: 7000, connections: 0, closedConnections: 1 });
    expect(u.unattributed).toEqual({ bytesSent: 3000, bytesReceived: 1, sendRate: 3000, receiveRate: 1, closedConnections: 1 });
    // No connection left and nothing moving: they leave the table.
    const next = meter.apply(delta(3, 3_000), new Map(), sample());
    expect(next.processesGone.sort()).toEqual([`10:${web.startedAt}`, `20:${db.startedAt}`]);
    expect(meter.state().processes).toEqual([]);
    expect(next.unattributed).toMatchObject({ sendRate: 0, receiveRate: 0, bytesSent: 3000 });
  });

  it('follows connection counts through the delta: an owner change moves the count', () => {
    const meter = new TrafficMeter();
    const a = conn(40001, web, 0, 0);
    meter.apply(delta(1, 1_000, { added: [a] }), new Map(), sample());
    expect(meter.state().processes.map((p) => [p.pid, p.connections])).toEqual([[10, 1]]);
    const moved = { ...a, pid: 20, process: db };
    const u = meter.apply(delta(2, 2_000, { changed: [moved] }), new Map([[a.id, a]]), sample());
    expect(u.processes.map((p) => [p.pid, p.connections])).toEqual([[20, 1]]);
    expect(u.processesGone).toEqual([`10:${web.startedAt}`]);
  });

  it('rates interfaces from their counters, sends only those that changed, and a full state a view can follow', () => {
    const meter = new TrafficMeter();
    const ifs = (lo: number, eth: number) => [
      { name: 'lo', bytesSent: lo, bytesReceived: lo },
      { name: 'eth0', bytesSent: eth, bytesReceived: eth * 2 },
    ];
    const u1 = meter.apply(delta(1, 1_000), new Map(), sample({ interfaces: ifs(100, 1000) }));
    expect(u1.interfaces.map((i) => [i.name, i.sendRate])).toEqual([
      ['lo', 0],
      ['eth0', 0],
    ]);
    let state = meter.state();
    const u2 = meter.apply(delta(2, 2_000), new Map(), sample({ interfaces: ifs(100, 3000) }));
    expect(u2.interfaces).toEqual([{ name: 'eth0', bytesSent: 3000, bytesReceived: 6000, sendRate: 2000, receiveRate: 4000 }]);
    state = applyTraffic(state, u2);
    expect(state).toEqual(meter.state());
    // A counter that went back (the interface was re-created) starts over rather than go negative.
    const u3 = meter.apply(delta(3, 3_000), new Map(), sample({ interfaces: ifs(100, 10) }));
    expect(u3.interfaces[0]).toMatchObject({ name: 'eth0', sendRate: 0, receiveRate: 0 });
  });

  it('an exec keeps the process key and renames it', () => {
    const meter = new TrafficMeter();
    const a = conn(40001, web, 10, 0);
    meter.apply(delta(1, 1_000, { added: [a] }), new Map(), sample({ moves: [{ socket: a, sentBefore: 0, receivedBefore: 0 }] }));
    const execd = { ...a, process: { ...web, name: 'miner', exe: '/tmp/miner' }, bytesSent: 20 };
    const u = meter.apply(delta(2, 2_000, { changed: [execd] }), new Map([[a.id, a]]), sample({ moves: [{ socket: execd, sentBefore: 10, receivedBefore: 0 }] }));
    expect(u.processes).toEqual([expect.objectContaining({ key: `10:${web.startedAt}`, name: 'miner', exe: '/tmp/miner', bytesSent: 20, connections: 1 })]);
  });
});
