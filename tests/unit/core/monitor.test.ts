import { describe, expect, it } from 'vitest';
import { Monitor, type MonitorEvent } from '../../../src/core/monitor.js';
import { LinuxProcSource } from '../../../src/core/sources/linux-proc.js';
import { emptyWarnings, type Sample, type SocketSource, type SourceChanges } from '../../../src/core/sources/source.js';
import type { Socket } from '../../../src/shared/model.js';
import { sock } from '../../helpers/sockets.js';
import type { MonitorStatus } from '../../../src/shared/status.js';

/** A source whose polls take a while and can be made to fail: the loop's contract under stress. */
class SlowSource implements SocketSource {
  readonly name = 'slow';
  inFlight = 0;
  maxInFlight = 0;
  calls = 0;
  failNext = 0;
  startedAt: number[] = [];

  async sample(): Promise<Sample> {
    this.calls++;
    this.startedAt.push(performance.now());
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 30));
    this.inFlight--;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('EMFILE: too many open files, open /proc/net/tcp');
    }
    return { takenAt: Date.now(), sockets: [], warnings: emptyWarnings() };
  }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once check() holds, looking every 10 ms (a busy machine may be slow; the test's timeout bounds it). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await wait(10);
}

describe('Monitor', () => {
  it('accepts intervals from 250 ms to 60 s only', () => {
    const source = new SlowSource();
    for (const bad of [0, 249, 60_001, Number.NaN, Infinity, -1]) {
      expect(() => new Monitor({ source, intervalMs: bad })).toThrow(/between 250 and 60000/);
    }
    const m = new Monitor({ source, intervalMs: 250 });
    expect(() => m.setInterval(10)).toThrow(RangeError);
    expect(m.getStatus().intervalMs).toBe(250);
    m.setInterval(60_000);
    expect(m.getStatus().intervalMs).toBe(60_000);
  });

  it('never overlaps two polls, even when polls are slower than asked for and pollOnce is called meanwhile', async () => {
    const source = new SlowSource();
    const m = new Monitor({ source, intervalMs: 250 });
    await m.start();
    // Two polls asked for while the loop's own keep coming: at least two of those besides.
    await Promise.all([m.pollOnce(), m.pollOnce(), until(() => source.calls >= 5)]);
    m.stop();
    expect(source.calls).toBeGreaterThanOrEqual(4);
    expect(source.maxInFlight).toBe(1);
  });

  it('survives a failing poll: reports it, backs off, and goes on', async () => {
    const source = new SlowSource();
    const m = new Monitor({ source, intervalMs: 250 });
    const statuses: MonitorStatus[] = [];
    m.subscribe((e: MonitorEvent) => e.type === 'status' && statuses.push(e.status));
    source.failNext = 1;
    await m.start();
    expect(m.getStatus()).toMatchObject({ state: 'backing-off', consecutiveFailures: 1 });
    expect(m.getStatus().error).toContain('EMFILE');
    // Backing off doubles the wait (timers never fire early, so the gap is a safe lower bound).
    await until(() => source.calls >= 2);
    expect(source.startedAt[1]! - source.startedAt[0]!).toBeGreaterThanOrEqual(500);
    // The second poll succeeds: its status says so.
    await until(() => statuses.length > 0 && statuses.at(-1)!.consecutiveFailures === 0);
    expect(m.getStatus()).toMatchObject({ state: 'running', error: null, consecutiveFailures: 0 });
    expect(statuses.some((s) => s.error?.includes('EMFILE'))).toBe(true);
    m.stop();
  });

  it('pauses and resumes; a listener that throws does not stop the others', async () => {
    const source = new SlowSource();
    const m = new Monitor({ source, intervalMs: 250 });
    let deltas = 0;
    m.subscribe(() => {
      throw new Error('broken view');
    });
    m.subscribe((e) => e.type === 'delta' && deltas++);
    await m.start();
    m.pause();
    expect(m.getStatus().state).toBe('paused');
    const calls = source.calls;
    await wait(600);
    expect(source.calls).toBe(calls);
    m.resume();
    // The poll resume starts has finished; stop the loop there, so no further poll is half done.
    await until(() => source.calls > calls && source.inFlight === 0);
    expect(m.getStatus().state).toBe('running');
    m.stop();
    await until(() => source.inFlight === 0);
    expect(deltas).toBe(source.calls);
    expect(m.getStatus().state).toBe('stopped');
  });

  it('measures its own cost per poll and numbers deltas from 1, keeping firstSeen', async () => {
    const m = new Monitor({ source: new LinuxProcSource(), intervalMs: 250 });
    const d1 = (await m.pollOnce())!;
    const d2 = (await m.pollOnce())!;
    expect([d1.seq, d2.seq]).toEqual([1, 2]);
    const { lastPoll } = m.getStatus();
    expect(lastPoll!.seq).toBe(2);
    expect(lastPoll!.cpuMs).toBeGreaterThanOrEqual(0);
    expect(lastPoll!.durationMs).toBeGreaterThan(0);
    const state = m.getState();
    expect(state.seq).toBe(2);
    for (const s of state.snapshot.sockets) {
      const first = d1.added.find((x) => x.id === s.id);
      if (first) expect(s.firstSeen).toBe(first.firstSeen);
    }
  });

  it('applies an incremental source by id: the delta, the table before it, then traffic with the same seq, then status', async () => {
    const a = sock({ address: '127.0.0.1', port: 1 });
    const b = sock({ address: '127.0.0.1', port: 2 });
    const c = sock({ address: '127.0.0.1', port: 3 });
    const polls: Array<Partial<SourceChanges>> = [{ added: [a, b] }, { removed: [a], changed: [{ ...b, state: 'CLOSE' }], added: [c] }, {}];
    const source: SocketSource = {
      name: 'incremental',
      sample: () => Promise.reject(new Error('not used')),
      poll: async () => ({
        takenAt: Date.now(),
        added: [],
        changed: [],
        removed: [],
        warnings: emptyWarnings(),
        traffic: { availability: { connections: true, closedConnections: true, interfaces: false, notes: [] }, moves: [], closed: [], interfaces: null },
        scope: null,
        ...polls.shift(),
      }),
    };
    const m = new Monitor({ source, intervalMs: 250 });
    const order: string[] = [];
    let previous: Array<[string, Socket]> = [];
    m.subscribe((e) => {
      order.push(e.type === 'delta' ? `delta ${e.delta.seq}` : `status ${e.status.seq}`);
      if (e.type === 'delta') previous = [...e.previous];
    });
    m.subscribeTraffic((u) => order.push(`traffic ${u.seq}`));
    expect(await m.pollOnce()).toMatchObject({ seq: 1, added: [a, b], removed: [], changed: [] });
    expect(previous).toEqual([]);
    const d2 = (await m.pollOnce())!;
    expect(d2).toMatchObject({ seq: 2, added: [c], removed: [a.id] });
    expect(d2.changed.map((s) => [s.id, s.state])).toEqual([[b.id, 'CLOSE']]);
    // The listener saw the table as it was before poll 2.
    expect(new Map(previous)).toEqual(new Map([[a.id, a], [b.id, b]]));
    expect(await m.pollOnce()).toMatchObject({ seq: 3, added: [], removed: [], changed: [] });
    expect(order).toEqual(['delta 1', 'traffic 1', 'status 1', 'delta 2', 'traffic 2', 'status 2', 'delta 3', 'traffic 3', 'status 3']);
    expect(m.getState().snapshot.sockets.map((s) => s.id).sort()).toEqual([b.id, c.id].sort());
    expect(m.getTraffic()).toMatchObject({ seq: 3 });
    expect(m.getStatus().traffic).toMatchObject({ connections: true });
  });
});
