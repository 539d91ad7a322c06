// @vitest-environment happy-dom
// The traffic charts' data: the store keeps each interface's rates (lo included) beside the machine's
// and each process's; the header's chooser offers the machine, every interface and the selected
// process; each series is drawn in human units, and where the OS gives no counters the chart says
// "Not available" rather than drawing zeros.
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../../src/renderer/src/components/app.js';
import { chartData, niceRate, TrafficChart } from '../../../src/renderer/src/components/traffic-chart.js';
import { createNamesStore } from '../../../src/renderer/src/names-store.js';
import { createStore, type Store } from '../../../src/renderer/src/store.js';
import { chartSeries, interfaceChoice, MACHINE, PROCESS, seriesOptions } from '../../../src/renderer/src/traffic-series.js';
import { formatRate } from '../../../src/shared/units.js';
import { delta, elementsSizedLikeAWindow, fakeTransport, fullState, proc, processTraffic, settle, sock, storesUnderTest, trafficState, trafficUpdate } from './fixtures.js';

elementsSizedLikeAWindow();

const a = sock({ localPort: 41000, pid: 100 });
const iface = (name: string, sendRate: number, receiveRate: number) => ({ name, bytesSent: 1e6, bytesReceived: 1e6, sendRate, receiveRate });
const curl = { key: '200:1700000000000', pid: 200, name: 'curl' };

describe('the chart series', () => {
  const make = storesUnderTest();

  async function streaming() {
    const t = fakeTransport({ ...fullState([a]), traffic: trafficState({ interfaces: [iface('eth0', 0, 0), iface('lo', 0, 0)], processes: [processTraffic(100, 'node'), processTraffic(200, 'curl')] }) });
    const store = make(t);
    await vi.advanceTimersByTimeAsync(0);
    for (let seq = 2; seq <= 4; seq++) {
      t.emitDelta(delta(seq));
      // lo moves every poll; eth0 only in seq 2 (absent afterwards: it kept its rate, as updates say).
      const interfaces = [iface('lo', seq * 100_000, seq * 100_000), ...(seq === 2 ? [iface('eth0', 700, 800)] : [])];
      t.emitTraffic(trafficUpdate(seq, { interfaces, processes: [processTraffic(200, 'curl', { sendRate: seq * 1000 })] }));
    }
    return { t, store };
  }

  it('keeps every interface’s rates, loopback included, on the machine’s time axis', async () => {
    const { store } = await streaming();
    const times = store.traffic.totalHistory().map((s) => s.t);
    expect(store.traffic.interfaceHistory('lo').map((s) => s.sendRate)).toEqual([200_000, 300_000, 400_000]);
    expect(store.traffic.interfaceHistory('eth0').map((s) => s.receiveRate)).toEqual([800, 800, 800]);
    expect(store.traffic.interfaceHistory('lo').map((s) => s.t)).toEqual(times);
    // The machine is every interface but loopback.
    expect(store.traffic.totalHistory().map((s) => s.sendRate)).toEqual([700, 700, 700]);
    expect(store.traffic.interfaceHistory('wlan0')).toEqual([]);
  });

  it('offers the machine, each interface by name (lo last, said to be loopback) and the selected process', async () => {
    const { store } = await streaming();
    const snap = store.traffic.getSnapshot();
    expect(seriesOptions(snap, null).map((o) => [o.value, o.label])).toEqual([
      [MACHINE, 'Whole machine'],
      [interfaceChoice('eth0'), 'eth0'],
      [interfaceChoice('lo'), 'lo (loopback)'],
    ]);
    expect(seriesOptions(snap, curl).at(-1)).toEqual({ value: PROCESS, label: 'curl · pid 200', group: 'process' });
  });

  it('gives each choice its own rates: the machine, lo, the process', async () => {
    const { store } = await streaming();
    const snap = store.traffic.getSnapshot();
    const machine = chartSeries(store.traffic, snap, MACHINE, null);
    expect(machine).toMatchObject({ label: 'this machine (all interfaces but loopback)', now: { sendRate: 700, receiveRate: 800 }, unavailable: null });
    const lo = chartSeries(store.traffic, snap, interfaceChoice('lo'), null);
    expect(lo.label).toBe('interface lo (loopback)');
    expect(lo.samples?.map((s) => s.receiveRate)).toEqual([200_000, 300_000, 400_000]);
    expect(lo.now).toEqual({ sendRate: 400_000, receiveRate: 400_000 });
    const process = chartSeries(store.traffic, snap, PROCESS, curl);
    expect(process.label).toBe('curl (pid 200)');
    expect(process.samples?.map((s) => s.sendRate)).toEqual([2000, 3000, 4000]);
    // "process" with none selected is the machine.
    expect(chartSeries(store.traffic, snap, PROCESS, null).label).toBe(machine.label);
  });

  it('says "Not available" where the OS gives no counters, never zeros', async () => {
    const { store } = await streaming();
    const snap = store.traffic.getSnapshot();
    // A process with no TCP connection counted (UDP or listeners only).
    const udp = chartSeries(store.traffic, snap, PROCESS, { key: '300:1700000000000', pid: 300, name: 'dnsmasq' });
    expect(udp).toMatchObject({ samples: null, now: null, unavailable: 'Not available: no TCP connection of dnsmasq counted' });
    // An interface that went away.
    expect(chartSeries(store.traffic, snap, interfaceChoice('wlan0'), null)).toMatchObject({ samples: null, unavailable: 'Not available: wlan0 is gone' });

    const none = fakeTransport({ ...fullState([a]), traffic: trafficState({ availability: { connections: false, closedConnections: false, interfaces: false, notes: ['No counters on this OS.'] } }) });
    const bare = make(none);
    await vi.advanceTimersByTimeAsync(0);
    const bareSnap = bare.traffic.getSnapshot();
    expect(seriesOptions(bareSnap, curl).map((o) => o.value)).toEqual([MACHINE, PROCESS]);
    expect(chartSeries(bare.traffic, bareSnap, MACHINE, null)).toMatchObject({ samples: null, now: null, unavailable: 'Not available: Traffic is not measured here. No counters on this OS.' });
    expect(chartSeries(bare.traffic, bareSnap, PROCESS, curl).unavailable).toMatch(/^Not available: no per-connection counters here\./);
  });
});

describe('the chart in human units', () => {
  afterEach(cleanup);

  it('scales to a round rate that reads well, the same up and down', () => {
    expect([0, 1, 7, 420, 999, 1000, 1001, 412_345, 1_800_000, 3e9].map(niceRate)).toEqual([1, 1, 10, 500, 1000, 1000, 2000, 500_000, 2_000_000, 5e9]);
    expect(formatRate(niceRate(412_345))).toBe('500 kB/s');
    const { points, peak } = chartData([
      { t: 1, sendRate: 1200, receiveRate: 30_000 },
      { t: 2, sendRate: 0, receiveRate: 45_000 },
    ]);
    expect(points).toEqual([
      { t: 1, up: 1200, down: -30_000 },
      { t: 2, up: 0, down: -45_000 },
    ]);
    expect(peak).toBe(50_000);
  });

  it('labels its axes: clock times and rates with units', () => {
    const t0 = new Date(2026, 11, 2, 11, 52, 0).getTime();
    const samples = Array.from({ length: 60 }, (_, i) => ({ t: t0 + i * 1000, sendRate: 400_000, receiveRate: 1000 }));
    const { container } = render(<TrafficChart samples={samples} label="interface lo (loopback)" width={480} height={64} compact />);
    const text = [...container.querySelectorAll('text')].map((e) => e.textContent);
    expect(text).toContain('500 kB/s');
    expect(text).toContain('0 B/s');
    expect(text).toContain('11:52:00');
    expect(screen.getByRole('img', { name: /^Traffic of interface lo \(loopback\) over the last 1 minutes: sent above, received below$/ })).toBeTruthy();
  });

  it('draws nothing where the OS gives no counters, and says so', () => {
    render(<TrafficChart samples={null} unavailable="Not available: no TCP connection of dnsmasq counted" label="dnsmasq (pid 300)" width={300} height={64} compact />);
    const box = screen.getByRole('img', { name: 'Traffic of dnsmasq (pid 300): Not available: no TCP connection of dnsmasq counted' });
    expect(box.textContent).toBe('Not available: no TCP connection of dnsmasq counted');
    expect(box.querySelector('svg')).toBeNull();
  });
});

describe('the header’s chooser', () => {
  let store: Store | null = null;
  afterEach(() => {
    cleanup();
    store?.dispose();
    store = null;
    vi.useRealTimers();
  });
  const row = (id: string) => document.querySelector(`[role="grid"] [role="row"][data-id="${CSS.escape(id)}"]`)!;
  // The header's chart follows the traffic at most once a second.
  const nextSecond = () => act(() => vi.advanceTimersByTimeAsync(1100));

  it('shows the machine by default, then lo, then the process of the selected row; rates n/a where not counted', async () => {
    const udp = sock({ protocol: 'udp', localPort: 5353, remoteAddress: null, remotePort: null, state: 'UNCONN', pid: 300, process: proc(300, 'dnsmasq'), inode: 5001 });
    vi.useFakeTimers();
    const t = fakeTransport({ ...fullState([a, udp]), traffic: trafficState({ interfaces: [iface('eth0', 1500, 2500), iface('lo', 465_000, 465_000)], processes: [processTraffic(100, 'node', { sendRate: 3000 })] }) });
    store = createStore(t);
    render(<App store={store} names={createNamesStore(t.api, (l) => t.onConnection(l), null)} />);
    await act(settle);
    await nextSecond();
    const header = within(screen.getByTestId('header-traffic'));
    const chooser = header.getByLabelText<HTMLSelectElement>('Traffic chart shows');
    const rates = header.getByTestId('chart-rates');
    expect(chooser.value).toBe(MACHINE);
    expect(rates.textContent).toBe('▲ sent1.5 kB/s▼ received2.5 kB/s');
    expect([...chooser.options].map((o) => o.text)).toEqual(['Whole machine', 'eth0', 'lo (loopback)']);

    fireEvent.change(chooser, { target: { value: interfaceChoice('lo') } });
    await nextSecond();
    expect(rates.textContent).toBe('▲ sent465 kB/s▼ received465 kB/s');

    // A row selected in Connections: its owner joins the chooser.
    await act(async () => {
      fireEvent.mouseDown(row(a.id));
    });
    await nextSecond();
    expect([...chooser.options].map((o) => o.text).at(-1)).toBe(`node · pid ${a.pid}`);
    fireEvent.change(chooser, { target: { value: PROCESS } });
    await nextSecond();
    expect(rates.textContent).toBe('▲ sent3.0 kB/s▼ received0 B/s');

    // A process with UDP only: n/a, not 0.
    await act(async () => {
      fireEvent.mouseDown(row(udp.id));
    });
    await nextSecond();
    expect(chooser.value).toBe(PROCESS);
    expect([...chooser.options].map((o) => o.text).at(-1)).toBe('dnsmasq · pid 300');
    expect(rates.textContent).toBe('▲ sentn/a▼ receivedn/a');
  });
});
