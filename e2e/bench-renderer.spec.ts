// The renderer's benchmark: the shipped UI holding 10,000 sockets, fed 100-change deltas through its
// real WebSocket transport (the engine behind it is scripted, see fake-portwatch.ts). It prints:
//   - delta → commit: from the message reaching the page to React having committed the table
//     (JSON.parse + store + filter/sort + render), and to the next animation frame; p50/p95/max of 50
//   - the store alone applying the same delta to 10,000 rows (in Node, same code)
//   - the size of a delta message with 10 and with 100 changes
//   - the JS heap with 10,000 sockets on screen, after a garbage collection
//   - frame intervals while scrolling the 10,000 rows
// Not part of the normal run (timings are for reading, not asserting): npx playwright test --grep @bench
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { AlertsApi, WatchedPortsApi } from '../src/shared/api.js';
import { ApiError } from '../src/shared/api-errors.js';
import type { Socket } from '../src/shared/model.js';
import { createStore } from '../src/renderer/src/store.js';
import { screenshot, socketRows } from './app.js';
import { openFake } from './fake-portwatch.js';
import { nextDelta, rng, syntheticState } from './synthetic.js';

// Tracing snapshots the DOM after every action, in the page: it would be timed along with the app.
test.use({ trace: 'off' });

const SOCKETS = 10_000;
const CHANGES = 100;
const WARMUP = 5;
const RUNS = 50;

// Runs in the page before the app: notes when each WebSocket message arrives (before the app's own
// handler, which is attached later) and when React commits a change of rows.
const INSTRUMENT = `(() => {
  const pw = (window.__pwBench = { arrivals: [], commits: [], frames: [] });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener('message', () => pw.arrivals.push(performance.now()));
    }
  };
  document.addEventListener('portwatch:rows-committed', (e) => {
    const seq = e.detail.seq;
    pw.commits.push({ seq, t: performance.now() });
    requestAnimationFrame(() => pw.frames.push({ seq, t: performance.now() }));
  });
})();`;

interface BenchWindow {
  __pwBench: { arrivals: number[]; commits: { seq: number; t: number }[]; frames: { seq: number; t: number }[] };
}

function stats(values: number[]): { p50: number; p95: number; max: number; mean: number } {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), max: v[v.length - 1] ?? NaN, mean: v.reduce((a, b) => a + b, 0) / v.length };
}

const notEnabled = () => Promise.reject(new ApiError('alerts are not enabled in this host', 'alerts-disabled'));
const NO_ALERTS: AlertsApi & WatchedPortsApi = {
  listAlerts: notEnabled,
  getAlertStatus: notEnabled,
  explainAlert: notEnabled,
  acknowledgeAlert: notEnabled,
  acknowledgeAllAlerts: notEnabled,
  snoozeAlert: notEnabled,
  trust: notEnabled,
  untrust: notEnabled,
  setWatchClosely: notEnabled,
  getTrustState: notEnabled,
  startLearning: notEnabled,
  onAlert: () => () => {},
  onOpenAlert: () => () => {},
  getWatchedPorts: notEnabled,
  setWatchedPorts: notEnabled,
  onWatchedPort: () => () => {},
};

const ms = (n: number) => `${n.toFixed(1)} ms`;

test('@bench renderer with 10,000 sockets and 100-change deltas', async ({ page }) => {
  test.setTimeout(240_000);
  const state = syntheticState(SOCKETS);
  const live = new Map<string, Socket>(state.snapshot.sockets.map((s) => [s.id, s]));
  await page.addInitScript({ content: INSTRUMENT });
  const fake = await openFake(page, state);
  await expect(socketRows(page).first()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('tab', { name: /Connections/ })).toContainText('10,000');

  const firstTable = await page.evaluate(() => {
    const w = globalThis as unknown as BenchWindow;
    const commit = w.__pwBench.commits.find((c) => c.seq === 1);
    return commit?.t ?? NaN;
  });

  // Deltas, one at a time: each is timed from arrival to commit and to the next frame.
  const r = rng(99);
  let seq = state.seq;
  const sizes: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    seq++;
    const delta = nextDelta(live, seq, CHANGES, r);
    const text = JSON.stringify({ type: 'event', event: 'delta', payload: delta });
    sizes.push(Buffer.byteLength(text));
    fake.sendRaw(text);
    await page.waitForFunction((s) => (globalThis as unknown as BenchWindow).__pwBench.frames.some((f) => f.seq === s), seq);
  }
  const timings = await page.evaluate(
    ({ first, count }) => {
      const pw = (globalThis as unknown as BenchWindow).__pwBench;
      const commit: number[] = [];
      const frame: number[] = [];
      for (let s = first; s < first + count; s++) {
        const c = pw.commits.find((x) => x.seq === s);
        const f = pw.frames.find((x) => x.seq === s);
        if (!c || !f) continue;
        const arrival = Math.max(...pw.arrivals.filter((t) => t <= c.t));
        commit.push(c.t - arrival);
        frame.push(f.t - arrival);
      }
      return { commit, frame };
    },
    { first: state.seq + 1 + WARMUP, count: RUNS },
  );
  expect(timings.commit).toHaveLength(RUNS);

  // The store alone, in Node: the same code applying the same kind of delta to 10,000 rows.
  const storeOnly: number[] = [];
  {
    const listeners = new Set<(d: unknown) => void>();
    const nodeState = syntheticState(SOCKETS, 7);
    const nodeLive = new Map<string, Socket>(nodeState.snapshot.sockets.map((s) => [s.id, s]));
    const store = createStore({
      api: {
        getState: async () => nodeState,
        pause: async () => {},
        resume: async () => {},
        setInterval: async () => {},
        getConflicts: async () => [],
        lookupPort: async (port) => ({ port, holders: [], clients: [], verdicts: [], processes: [] }),
        endProcess: async () => {
          throw new Error('not in the benchmark');
        },
        onDelta: (l) => (listeners.add(l as (d: unknown) => void), () => listeners.delete(l as (d: unknown) => void)),
        onStatus: () => () => {},
        getNames: async () => ({ version: 0, reverseDns: false, addresses: {} }),
        setReverseDns: async () => ({ version: 0, reverseDns: false, addresses: {} }),
        onNames: () => () => {},
        onTraffic: () => () => {},
        // The benchmark's host has no alert engine, as `portwatch serve --no-alerts` would say.
        ...NO_ALERTS,
      },
      onConnection: (l) => (l('open'), () => {}),
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const nr = rng(5);
    for (let i = 0; i < WARMUP + RUNS * 4; i++) {
      const d = nextDelta(nodeLive, nodeState.seq + 1 + i, CHANGES, nr);
      const t0 = performance.now();
      for (const l of listeners) l(d);
      const t1 = performance.now();
      if (i >= WARMUP) storeOnly.push(t1 - t0);
    }
    expect(store.getSnapshot().seq).toBe(nodeState.seq + WARMUP + RUNS * 4);
    store.dispose();
  }

  // Message sizes.
  const sizeLive = new Map(live);
  const ten = JSON.stringify({ type: 'event', event: 'delta', payload: nextDelta(sizeLive, 10_000, 10, rng(1)) });
  const hundred = JSON.stringify({ type: 'event', event: 'delta', payload: nextDelta(sizeLive, 10_001, 100, rng(2)) });

  // Heap, after the highlights have lapsed and a collection.
  await page.waitForTimeout(3500);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await page.evaluate(() => {
    const m = (performance as unknown as { memory?: { usedJSHeapSize: number; totalJSHeapSize: number } }).memory;
    return m ? { used: m.usedJSHeapSize, total: m.totalJSHeapSize } : null;
  });
  const domNodes = await page.evaluate(() => (globalThis as unknown as { document: { getElementsByTagName(t: string): { length: number } } }).document.getElementsByTagName('*').length);

  await screenshot(page, 'bench-10k');

  // Scrolling the 10,000 rows for 120 frames, a step each frame: 3 rows (a brisk mouse wheel) and a
  // whole page (a fling). Reported as the gaps between frames; 16.7 ms is every frame on time.
  const scrollGaps = (rowsPerFrame: number) =>
    page.evaluate(async (step) => {
      type El = { scrollTop: number; scrollHeight: number; clientHeight: number };
      const g = globalThis as unknown as { document: { querySelector(s: string): El | null }; requestAnimationFrame(cb: (t: number) => void): void };
      const grid = g.document.querySelector('[role="grid"]')!;
      const stamps: number[] = [];
      await new Promise<void>((done) => {
        const frame = (t: number) => {
          stamps.push(t);
          grid.scrollTop = (grid.scrollTop + step) % (grid.scrollHeight - grid.clientHeight);
          if (stamps.length < 121) g.requestAnimationFrame(frame);
          else done();
        };
        g.requestAnimationFrame(frame);
      });
      return stamps.slice(1).map((t, i) => t - stamps[i]!);
    }, rowsPerFrame * 22);
  const wheel = await scrollGaps(3);
  const fling = await scrollGaps(37);

  const commit = stats(timings.commit);
  const frame = stats(timings.frame);
  const store = stats(storeOnly);
  const wheelFrames = stats(wheel);
  const flingFrames = stats(fling);
  const report = {
    sockets: SOCKETS,
    changesPerDelta: CHANGES,
    runs: RUNS,
    firstTableCommittedMs: firstTable,
    deltaToCommitMs: commit,
    deltaToNextFrameMs: frame,
    storeApplyOnlyMs: store,
    deltaMessageBytes: { tenChanges: Buffer.byteLength(ten), hundredChanges: Buffer.byteLength(hundred), hundredChangesMeanInRun: Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length) },
    heap: heap && { usedJSHeapSize: heap.used, totalJSHeapSize: heap.total },
    domElements: domNodes,
    scrollFrameGapMs: { threeRowsPerFrame: wheelFrames, onePagePerFrame: flingFrames },
  };
  writeFileSync(join(process.cwd(), 'test-results', 'bench-renderer.json'), JSON.stringify(report, null, 2));
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  console.log(
    [
      '',
      `Renderer benchmark — ${SOCKETS.toLocaleString('en-US')} sockets, ${CHANGES}-change deltas, ${RUNS} runs (after ${WARMUP} warm-up)`,
      `  first table on screen (from navigation)   ${ms(firstTable)}`,
      `  delta → React commit     p50 ${ms(commit.p50)}   p95 ${ms(commit.p95)}   max ${ms(commit.max)}`,
      `  delta → next frame       p50 ${ms(frame.p50)}   p95 ${ms(frame.p95)}   max ${ms(frame.max)}`,
      `  store apply only (Node)  p50 ${ms(store.p50)}   p95 ${ms(store.p95)}   max ${ms(store.max)}`,
      `  delta message size       10 changes ${Buffer.byteLength(ten).toLocaleString('en-US')} B   100 changes ${Buffer.byteLength(hundred).toLocaleString('en-US')} B`,
      `  JS heap (after GC)       ${heap ? `${mb(heap.used)} used of ${mb(heap.total)}` : 'performance.memory unavailable'}   DOM elements ${domNodes}`,
      `  scroll 3 rows/frame      frame gap p50 ${ms(wheelFrames.p50)}   p95 ${ms(wheelFrames.p95)}   max ${ms(wheelFrames.max)}`,
      `  scroll a page/frame      frame gap p50 ${ms(flingFrames.p50)}   p95 ${ms(flingFrames.p95)}   max ${ms(flingFrames.max)}`,
      `  (also in test-results/bench-renderer.json)`,
      '',
    ].join('\n'),
  );
});
