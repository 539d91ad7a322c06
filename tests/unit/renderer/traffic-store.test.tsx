// @vitest-environment happy-dom
// Traffic in the page: the traffic store starts from FullState.traffic, applies updates after the
// delta of their seq (waiting while a state loads, dropping stale ones), never touches a row, keeps
// rate history for the charts; the header shows the machine's total rate, or n/a where none is measured.
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../../src/renderer/src/components/app.js';
import { createNamesStore } from '../../../src/renderer/src/names-store.js';
import { createStore, type Store } from '../../../src/renderer/src/store.js';
import { delta, fakeTransport, fullState, processTraffic, settle, sock, storesUnderTest, trafficState, trafficUpdate } from './fixtures.js';

const a = sock({ localPort: 41000, pid: 100 });
const b = sock({ localPort: 41001, pid: 200 });
const eth = (sendRate: number, receiveRate: number) => ({ name: 'eth0', bytesSent: 1e6, bytesReceived: 1e6, sendRate, receiveRate });

describe('the traffic store', () => {
  const make = storesUnderTest();

  it('starts from FullState.traffic and applies updates in order, without touching a row', async () => {
    const t = fakeTransport({ ...fullState([a, b]), traffic: trafficState({ sockets: [[a.id, 10, 20, 0.1, 5, 6]], processes: [processTraffic(100, 'node', { sendRate: 5 })] }) });
    const store = make(t);
    await vi.advanceTimersByTimeAsync(0);
    const rowsVersion = store.getSnapshot().rowsVersion;
    const rowA = store.getSnapshot().rows.get(a.id);
    expect(store.traffic.counters(a.id)).toEqual([a.id, 10, 20, 0.1, 5, 6]);
    expect(store.traffic.getSnapshot().processes.get('100:1700000000000')?.sendRate).toBe(5);

    t.emitDelta(delta(2));
    t.emitTraffic(trafficUpdate(2, { sockets: [[a.id, 3000, 20, 0.1, 2990, 0]], processes: [processTraffic(100, 'node', { sendRate: 2990, bytesSent: 3000 })], interfaces: [eth(700, 800)] }));
    expect(store.traffic.counters(a.id)?.[4]).toBe(2990);
    expect(store.traffic.getSnapshot().total).toEqual({ sendRate: 700, receiveRate: 800, basis: 'interfaces' });
    // Counters moved: no row changed, no table re-renders for it.
    expect(store.getSnapshot().rowsVersion).toBe(rowsVersion + 1); // the delta's own commit
    expect(store.getSnapshot().rows.get(a.id)).toBe(rowA);

    // A stale update changes nothing.
    const before = store.traffic.getSnapshot();
    t.emitTraffic(trafficUpdate(2, { interfaces: [eth(1, 1)] }));
    expect(store.traffic.getSnapshot()).toBe(before);
    // A socket that leaves is forgotten.
    t.emitDelta(delta(3, { removed: [a.id] }));
    expect(store.traffic.counters(a.id)).toBeUndefined();
  });

  it('holds updates while the state loads and applies the newer ones on top of it', async () => {
    const t = fakeTransport({ ...fullState([a], 5), traffic: trafficState({ seq: 5 }) });
    let open: () => void = () => {};
    t.gate = new Promise<void>((r) => (open = r));
    const store = make(t);
    t.emitTraffic(trafficUpdate(5, { interfaces: [eth(1, 1)] }));
    t.emitTraffic(trafficUpdate(6, { interfaces: [eth(9, 9)] }));
    expect(store.traffic.getSnapshot().state).toBeNull();
    open();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.traffic.getSnapshot().state?.seq).toBe(6);
    expect(store.traffic.getSnapshot().total).toEqual({ sendRate: 9, receiveRate: 9, basis: 'interfaces' });
  });

  it('reads the state again when updates come but the state it holds had no traffic yet', async () => {
    const t = fakeTransport(fullState([a], 1));
    const store = make(t);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.getStateCalls).toBe(1);
    expect(store.traffic.getSnapshot().state).toBeNull();
    t.state = { ...fullState([a], 2), traffic: trafficState({ seq: 2, interfaces: [eth(3, 4)] }) };
    t.emitDelta(delta(2));
    t.emitTraffic(trafficUpdate(2));
    await vi.advanceTimersByTimeAsync(0);
    expect(t.getStateCalls).toBe(2);
    expect(store.traffic.getSnapshot().total).toEqual({ sendRate: 3, receiveRate: 4, basis: 'interfaces' });
  });

  it("keeps the machine's and each moving process's rates for the charts, on one time axis", async () => {
    const t = fakeTransport({ ...fullState([a, b]), traffic: trafficState({ processes: [processTraffic(100, 'node'), processTraffic(200, 'curl')] }) });
    const store = make(t);
    await vi.advanceTimersByTimeAsync(0);
    for (let seq = 2; seq <= 5; seq++) {
      t.emitDelta(delta(seq));
      // curl moves in seq 3 only (and is sent once more with zero rates in seq 4, as the engine does).
      const processes = seq === 3 ? [processTraffic(200, 'curl', { receiveRate: 5000 })] : seq === 4 ? [processTraffic(200, 'curl')] : [];
      t.emitTraffic(trafficUpdate(seq, { interfaces: [eth(seq, seq * 10)], processes }));
    }
    expect(store.traffic.totalHistory().map((s) => s.receiveRate)).toEqual([20, 30, 40, 50]);
    expect(store.traffic.processHistory('200:1700000000000').map((s) => s.receiveRate)).toEqual([0, 5000, 0, 0]);
    expect(store.traffic.processHistory('100:1700000000000').map((s) => s.receiveRate)).toEqual([0, 0, 0, 0]);
  });
});

describe('the total rate in the header', () => {
  let store: Store | null = null;
  afterEach(() => {
    cleanup();
    store?.dispose();
    store = null;
  });

  it('shows what leaves and enters the machine, following updates; n/a with the reason where nothing is measured', async () => {
    const t = fakeTransport({ ...fullState([a]), traffic: trafficState({ interfaces: [eth(1_500_000, 20_000), { ...eth(9e9, 9e9), name: 'lo' }] }) });
    store = createStore(t);
    render(<App store={store} names={createNamesStore(t.api, (l) => t.onConnection(l), null)} />);
    await act(settle);
    const rate = screen.getByTestId('total-rate');
    expect(rate.textContent).toBe('Network↑ 1.5 MB/s ↓ 20 kB/s');
    act(() => {
      t.emitDelta(delta(2));
      t.emitTraffic(trafficUpdate(2, { interfaces: [eth(0, 999)] }));
    });
    expect(rate.textContent).toBe('Network↑ 0 B/s ↓ 999 B/s');

    cleanup();
    store.dispose();
    const none = fakeTransport({ ...fullState([a]), traffic: trafficState({ availability: { connections: false, closedConnections: false, interfaces: false, notes: ['Per-connection traffic needs the sock_diag addon.'] } }) });
    store = createStore(none);
    render(<App store={store} names={createNamesStore(none.api, (l) => none.onConnection(l), null)} />);
    await act(settle);
    expect(screen.getByTestId('total-rate').textContent).toBe('Networkn/a');
    expect(screen.getByTestId('total-rate').title).toMatch(/^Traffic is not measured here\. Per-connection traffic needs the sock_diag addon\.$/);
  });
});
