// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { applyDelta } from '../../../src/shared/delta.js';
import type { Delta, Socket } from '../../../src/shared/model.js';
import { bandOf, type Store } from '../../../src/renderer/src/store.js';
import { delta, fakeTransport, fullState, listener, many, settle, sock, status, storesUnderTest } from './fixtures.js';

const createStore = storesUnderTest();

const a = sock({ localPort: 1001 });
const b = sock({ localPort: 1002 });
const c = sock({ localPort: 1003 });

async function started(sockets: Socket[], seq = 1) {
  const t = fakeTransport(fullState(sockets, seq));
  const store = createStore(t);
  await settle();
  return { t, s: store };
}

const ids = (s: Store) => [...s.getSnapshot().rows.keys()];
const flagOf = (s: Store, id: string) => s.getSnapshot().rows.get(id)?.flag;

describe('store: loading and applying deltas', () => {
  it('starts loading, then holds the full state without highlights', async () => {
    const t = fakeTransport(fullState([a, b]));
    t.gate = new Promise(() => {});
    const store = createStore(t);
    expect(store.getSnapshot().phase).toBe('loading');
    store.dispose();

    const { s } = await started([a, b]);
    const snap = s.getSnapshot();
    expect(snap.phase).toBe('ready');
    expect(snap.seq).toBe(1);
    expect(ids(s)).toEqual([a.id, b.id]);
    expect(flagOf(s, a.id)).toBeNull();
    expect(snap.counts.sockets).toBe(2);
    expect(snap.counts.established).toBe(2);
  });

  it('applies deltas in seq order: added, removed, changed', async () => {
    const { t, s } = await started([a, b]);
    t.emitDelta(delta(2, { added: [c] }));
    expect(s.getSnapshot().seq).toBe(2);
    expect(flagOf(s, c.id)).toBe('new');

    t.emitDelta(delta(3, { removed: [a.id] }));
    expect(flagOf(s, a.id)).toBe('closing');
    expect(s.getSnapshot().counts.sockets).toBe(2);

    const b2 = { ...b, state: 'CLOSE_WAIT' as const };
    t.emitDelta(delta(4, { changed: [b2] }));
    expect(s.getSnapshot().rows.get(b.id)?.socket.state).toBe('CLOSE_WAIT');
    expect(flagOf(s, b.id)).toBe('changed');
    expect(s.getSnapshot().counts.byState).toEqual({ ESTABLISHED: 1, CLOSE_WAIT: 1 });
    expect(t.getStateCalls).toBe(1);
  });

  it('drops a delta it has already seen', async () => {
    const { t, s } = await started([a], 5);
    const before = s.getSnapshot();
    t.emitDelta(delta(5, { added: [b] }));
    t.emitDelta(delta(3, { removed: [a.id] }));
    expect(s.getSnapshot()).toBe(before);
  });

  it('on a seq gap fetches the full state again, then applies what followed it', async () => {
    const { t, s } = await started([a]);
    t.state = fullState([a, b], 3);
    t.emitDelta(delta(3, { added: [b] })); // 2 was lost
    expect(t.getStateCalls).toBe(2);
    t.emitDelta(delta(4, { added: [c] })); // arrives while the state is on its way
    await settle();
    const snap = s.getSnapshot();
    expect(snap.seq).toBe(4);
    expect(ids(s).sort()).toEqual([a.id, b.id, c.id].sort());
    // What the refetch revealed is new to the user, as is what followed.
    expect(flagOf(s, b.id)).toBe('new');
    expect(flagOf(s, c.id)).toBe('new');
    expect(flagOf(s, a.id)).toBeNull();
  });

  it('buffers deltas that arrive before the first state and applies the ones after it', async () => {
    const t = fakeTransport(fullState([a, b], 2));
    let open!: () => void;
    t.gate = new Promise((r) => (open = r));
    const store = createStore(t);
    t.emitDelta(delta(2, { added: [b] })); // already inside the state
    t.emitDelta(delta(3, { added: [c] }));
    open();
    await settle();
    expect(store.getSnapshot().seq).toBe(3);
    expect(ids(store)).toEqual([a.id, b.id, c.id]);
    expect(t.getStateCalls).toBe(1);
  });

  it('keeps unchanged rows as the same objects, so memoised rows skip them', async () => {
    const { t, s } = await started([a, b]);
    const rowA = s.getSnapshot().rows.get(a.id);
    t.emitDelta(delta(2, { added: [c], changed: [{ ...b, state: 'CLOSE_WAIT' }] }));
    expect(s.getSnapshot().rows.get(a.id)).toBe(rowA);
    expect(s.getSnapshot().rows.get(b.id)).not.toBe(undefined);
  });

  it('notifies subscribers once per delta and bumps rowsVersion only for row changes', async () => {
    const { t, s } = await started([a]);
    const listener = vi.fn();
    s.subscribe(listener);
    const rv = s.getSnapshot().rowsVersion;
    t.emitStatus(status({ state: 'paused' }));
    expect(listener).toHaveBeenCalledTimes(1);
    expect(s.getSnapshot().rowsVersion).toBe(rv);
    expect(s.getSnapshot().status?.state).toBe('paused');
    t.emitDelta(delta(2, { added: [b] }));
    expect(listener).toHaveBeenCalledTimes(2);
    expect(s.getSnapshot().rowsVersion).toBe(rv + 1);
  });
});

describe('store: highlights that lapse (TCPView behaviour)', () => {
  it('flags new rows for about 3 s', async () => {
    const { t, s } = await started([a]);
    t.emitDelta(delta(2, { added: [b] }));
    vi.advanceTimersByTime(2900);
    expect(flagOf(s, b.id)).toBe('new');
    vi.advanceTimersByTime(200);
    expect(flagOf(s, b.id)).toBeNull();
    expect(s.getSnapshot().rows.has(b.id)).toBe(true);
  });

  it('keeps removed rows as closing for about 3 s, then lets them go', async () => {
    const { t, s } = await started([a, b]);
    t.emitDelta(delta(2, { removed: [a.id] }));
    expect(flagOf(s, a.id)).toBe('closing');
    expect(s.getSnapshot().counts.sockets).toBe(1);
    vi.advanceTimersByTime(2900);
    expect(s.getSnapshot().rows.has(a.id)).toBe(true);
    vi.advanceTimersByTime(200);
    expect(s.getSnapshot().rows.has(a.id)).toBe(false);
    expect(ids(s)).toEqual([b.id]);
  });

  it('marks changed rows briefly', async () => {
    const { t, s } = await started([a]);
    t.emitDelta(delta(2, { changed: [{ ...a, state: 'FIN_WAIT1' }] }));
    expect(flagOf(s, a.id)).toBe('changed');
    vi.advanceTimersByTime(1600);
    expect(flagOf(s, a.id)).toBeNull();
  });

  it('a socket that closes and reopens within the window is new again, not removed by the old timer', async () => {
    const { t, s } = await started([a]);
    t.emitDelta(delta(2, { removed: [a.id] }));
    vi.advanceTimersByTime(2000);
    t.emitDelta(delta(3, { added: [a] }));
    expect(flagOf(s, a.id)).toBe('new');
    vi.advanceTimersByTime(1500); // the closing timer's moment passes
    expect(s.getSnapshot().rows.has(a.id)).toBe(true);
    expect(flagOf(s, a.id)).toBe('new');
    vi.advanceTimersByTime(1600);
    expect(flagOf(s, a.id)).toBeNull();
    expect(s.getSnapshot().counts.sockets).toBe(1);
  });

  it('a new row that changes stays new', async () => {
    const { t, s } = await started([]);
    t.emitDelta(delta(2, { added: [a] }));
    t.emitDelta(delta(3, { changed: [{ ...a, state: 'CLOSE_WAIT' }] }));
    expect(flagOf(s, a.id)).toBe('new');
    expect(s.getSnapshot().rows.get(a.id)?.socket.state).toBe('CLOSE_WAIT');
  });
});

describe('store: connection and control', () => {
  it('after the connection comes back it reads the state again and shows what happened meanwhile', async () => {
    const { t, s } = await started([a, b]);
    t.setConnection('lost');
    expect(s.getSnapshot().connection).toBe('lost');
    t.state = fullState([b, c], 9);
    t.setConnection('open');
    await settle();
    expect(t.getStateCalls).toBe(2);
    const snap = s.getSnapshot();
    expect(snap.connection).toBe('open');
    expect(snap.seq).toBe(9);
    expect(flagOf(s, a.id)).toBe('closing');
    expect(flagOf(s, c.id)).toBe('new');
    expect(flagOf(s, b.id)).toBeNull();
    expect(snap.counts.sockets).toBe(2);
  });

  it('says when reading the state fails, and tries again', async () => {
    const t = fakeTransport(fullState([a]));
    t.failNext = new Error('engine stopped');
    const store = createStore(t);
    await settle();
    expect(store.getSnapshot().error).toContain('engine stopped');
    expect(store.getSnapshot().phase).toBe('loading');
    await vi.advanceTimersByTimeAsync(600);
    expect(t.getStateCalls).toBe(2);
    expect(store.getSnapshot().phase).toBe('ready');
    expect(store.getSnapshot().error).toBeNull();
  });

  it('pause and resume call the API and show the new state at once', async () => {
    const { t, s } = await started([a]);
    await s.pause();
    expect(t.pauses).toBe(1);
    expect(s.getSnapshot().status?.state).toBe('paused');
    await s.resume();
    expect(t.resumes).toBe(1);
    expect(s.getSnapshot().status?.state).toBe('running');
  });
});

describe('store: counts and history', () => {
  it('keeps counts by band, process and owner in step with the rows', async () => {
    const l = listener(80, '0.0.0.0', 7, 'nginx');
    const orphan = sock({ localPort: 1010, state: 'TIME_WAIT', pid: null, process: null, inode: 0 });
    const hidden = sock({ localPort: 1011, pid: null, process: null, inode: 4242 });
    const { t, s } = await started([a, l, orphan, hidden]);
    expect(s.getSnapshot().counts).toMatchObject({ sockets: 4, established: 2, listening: 1, timeWait: 1, other: 0, processes: 2, unattributed: 1 });
    t.emitDelta(delta(2, { removed: [l.id, hidden.id] }));
    expect(s.getSnapshot().counts).toMatchObject({ sockets: 2, established: 1, listening: 0, timeWait: 1, processes: 1, unattributed: 0 });
  });
});

describe('store: at scale', () => {
  it('applies a 100-change delta to 10,000 sockets exactly as applyDelta does', async () => {
    const sockets = many(10_000);
    const { t, s } = await started(sockets);
    const removed = sockets.slice(0, 35).map((x) => x.id);
    const changed = sockets.slice(5000, 5030).map((x) => ({ ...x, state: 'CLOSE_WAIT' as const }));
    const added = many(10_035).slice(10_000);
    const d: Delta = delta(2, { added, removed, changed });
    t.emitDelta(d);

    const expected = applyDelta(fullState(sockets).snapshot, d).sockets;
    const snap = s.getSnapshot();
    const live = [...snap.rows.values()].filter((r) => r.flag !== 'closing').map((r) => r.socket);
    expect(live.map((x) => x.id).sort()).toEqual(expected.map((x) => x.id).sort());
    for (const x of expected) expect(snap.rows.get(x.id)?.socket).toEqual(x);
    expect(snap.rows.size).toBe(10_000 - 35 + 35 + 35);
    expect(snap.counts.sockets).toBe(expected.length);
    expect(snap.counts.other).toBe(30);
    expect([...snap.rows.values()].filter((r) => r.flag === 'new')).toHaveLength(35);
    expect([...snap.rows.values()].filter((r) => r.flag === 'changed')).toHaveLength(30);
    expect([...snap.rows.values()].filter((r) => r.flag === 'closing')).toHaveLength(35);

    vi.advanceTimersByTime(3100);
    expect(s.getSnapshot().rows.size).toBe(expected.length);
    expect([...s.getSnapshot().rows.values()].every((r) => r.flag === null)).toBe(true);
  });

  it('counts after many random deltas equal a recount from scratch', async () => {
    const sockets = many(2000);
    const { t, s } = await started(sockets);
    let snapshot = fullState(sockets).snapshot;
    let next = 3000;
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let seq = 2; seq < 60; seq++) {
      const pool = snapshot.sockets;
      const removed = [...new Set(Array.from({ length: 5 }, () => pool[Math.floor(rand() * pool.length)]!.id))];
      const changed = pool
        .filter((x) => !removed.includes(x.id))
        .slice(0, 3)
        .map((x) => ({ ...x, state: x.state === 'ESTABLISHED' ? ('TIME_WAIT' as const) : ('ESTABLISHED' as const), pid: null, process: null }));
      const added = many(next + 4).slice(next);
      next += 4;
      const d = delta(seq, { added, removed, changed });
      snapshot = applyDelta(snapshot, d);
      t.emitDelta(d);
    }
    const counts = s.getSnapshot().counts;
    const bands = { established: 0, listening: 0, timeWait: 0, other: 0 };
    for (const x of snapshot.sockets) bands[bandOf(x)]++;
    expect(counts).toMatchObject({ sockets: snapshot.sockets.length, ...bands, processes: new Set(snapshot.sockets.flatMap((x) => (x.pid === null ? [] : [x.pid]))).size });
  });
});
