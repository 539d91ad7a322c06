// The renderer's benchmark: the shipped UI holding 10,000 sockets, fed 100-change deltas through its
// real WebSocket transport (the engine behind it is scripted, see fake-portwatch.ts). It prints:
//   - delta → commit: from the message reaching the page to React having committed the table
//     (JSON.parse + store + filter/sort + render), and to the next animation frame; p50/p95/max of 50
//   - the store alone applying the same delta to 10,000 rows (in Node, same code)
//   - the size of a delta message with 10 and with 100 changes
//   - the JS heap with 10,000 sockets on screen, after a garbage collection
//   - frame intervals while scrolling the 10,000 rows
// and, at 12,000 sockets, what a user repeats all day: a filter keystroke, a sort, grouping by process
// and switching views, each timed from the input event to React's commit of the view's new rows
// (and to the next frame), p50/p95/max.
// Not part of the normal run (timings are for reading, not asserting): npx playwright test --grep @bench
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { AlertsApi, WatchedPortsApi } from '../src/shared/api.js';
import { ApiError } from '../src/shared/api-errors.js';
import type { Socket } from '../src/shared/model.js';
import { createStore } from '../src/renderer/src/store.js';
import { screenshot, socketRows } from './app.js';
import { openFake } from './fake-portwatch.js';
import { nextDelta, rng, syntheticAlerts, syntheticNames, syntheticState } from './synthetic.js';

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
  pw.inputs = [];
  pw.views = [];
  for (const type of ['keydown', 'click']) window.addEventListener(type, (e) => pw.inputs.push({ type, t: e.timeStamp }), { capture: true });
  document.addEventListener('portwatch:view-committed', (e) => {
    const entry = { ...e.detail, t: performance.now(), frame: null };
    pw.views.push(entry);
    requestAnimationFrame(() => (entry.frame = performance.now()));
  });
  document.addEventListener('portwatch:rows-committed', (e) => {
    const seq = e.detail.seq;
    pw.commits.push({ seq, t: performance.now() });
    requestAnimationFrame(() => pw.frames.push({ seq, t: performance.now() }));
  });
})();`;

interface ViewEntry {
  view: string;
  filter?: string;
  sorting?: string;
  grouped?: boolean;
  rows: number;
  t: number;
  frame: number | null;
}

interface BenchWindow {
  __pwBench: {
    arrivals: number[];
    commits: { seq: number; t: number }[];
    frames: { seq: number; t: number }[];
    inputs: { type: string; t: number }[];
    views: ViewEntry[];
  };
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
        queryHistory: notEnabled,
        closeConnection: notEnabled,
        getHistoryRetention: notEnabled,
        setHistoryRetention: notEnabled,
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

const INTERACTION_SOCKETS = 12_000;

/**
 * Runs `act` (one user input) and waits for the view commit `done` accepts; returns the time from the
 * input event to that commit and to the frame after it.
 */
/** What the awaited commit must show: its view, and the filter text, grouping or a sorting other than `sortingNot`. */
interface Awaited {
  view: string;
  filter?: string;
  grouped?: boolean;
  sortingNot?: string;
}

async function timed(page: Page, act: () => Promise<void>, done: Awaited): Promise<{ commit: number; frame: number }> {
  const from = await page.evaluate(() => {
    const pw = (globalThis as unknown as BenchWindow).__pwBench;
    return { views: pw.views.length, inputs: pw.inputs.length };
  });
  await act();
  const handle = await page.waitForFunction(
    ({ from, done }) => {
      const pw = (globalThis as unknown as BenchWindow).__pwBench;
      const accept = (v: ViewEntry) =>
        v.view === done.view &&
        (done.filter === undefined || v.filter === done.filter) &&
        (done.grouped === undefined || v.grouped === done.grouped) &&
        (done.sortingNot === undefined || v.sorting !== done.sortingNot);
      const hit = pw.views.slice(from.views).find(accept);
      if (!hit || hit.frame === null) return null;
      const input = pw.inputs.slice(from.inputs).filter((i) => i.t <= hit.t).pop();
      return input ? { commit: hit.t - input.t, frame: hit.frame - input.t } : null;
    },
    { from, done },
    { timeout: 30_000 },
  );
  const result = (await handle.jsonValue()) as { commit: number; frame: number };
  // Let the frame settle (and any deferred work finish) before the next input.
  await page.evaluate(() => {
    const raf = (globalThis as unknown as { requestAnimationFrame(cb: () => void): void }).requestAnimationFrame;
    return new Promise<void>((r) => raf(() => raf(r)));
  });
  return result;
}

test('@bench interactions with 12,000 sockets: filter keystroke, sort, group, switch views', async ({ page }) => {
  test.setTimeout(300_000);
  const state = syntheticState(INTERACTION_SOCKETS);
  await page.addInitScript({ content: INSTRUMENT });
  const synthetic = syntheticAlerts();
  // With the peers' names looked up, as the engine has them after a while: the owner column, and free
  // text that searches host names and owners too.
  const fake = await openFake(page, state, { alerts: synthetic.alerts, alertTrees: synthetic.trees, names: syntheticNames() });
  await expect(socketRows(page).first()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('tab', { name: /Connections/ })).toContainText('12,000');
  // A busy machine keeps changing while the user works: a 100-change delta every second, as the engine
  // polling at its default interval would send.
  const live = new Map<string, Socket>(state.snapshot.sockets.map((s) => [s.id, s]));
  const r = rng(31);
  let seq = state.seq;
  const feed = setInterval(() => fake.sendDelta(nextDelta(live, ++seq, CHANGES, r)), 1000);

  const results: Record<string, { commit: number[]; frame: number[] }> = {};
  const note = (name: string, r: { commit: number; frame: number }) => {
    const slot = (results[name] ??= { commit: [], frame: [] });
    slot.commit.push(r.commit);
    slot.frame.push(r.frame);
  };

  // Filter keystrokes: queries a user types, one key at a time, each timed until its rows are on screen.
  const box = page.getByRole('searchbox', { name: 'Filter' });
  await box.click();
  for (const query of ['chrome', '443', 'port:5432', 'state:est', '192.168', 'google']) {
    let text = '';
    for (const ch of query) {
      text += ch;
      const expected = text;
      note('filter keystroke', await timed(page, () => page.keyboard.press(ch === ' ' ? 'Space' : ch), { view: 'connections', filter: expected }));
    }
    while (text.length > 0) {
      text = text.slice(0, -1);
      const expected = text;
      note('filter keystroke', await timed(page, () => page.keyboard.press('Backspace'), { view: 'connections', filter: expected }));
    }
  }

  // Sorting: a header click, again and again over the columns (each click flips or moves the sort).
  const grid = page.getByRole('grid', { name: 'Connections' });
  const sortable = ['Local address', 'Remote address', 'Country · owner', 'State', 'Process', 'PID', 'Age', 'User', 'Proto'];
  for (let i = 0; i < 27; i++) {
    const header = grid.getByRole('columnheader', { name: new RegExp(`^${sortable[i % sortable.length]}`) });
    const before = await page.evaluate(() => (globalThis as unknown as BenchWindow).__pwBench.views.filter((v) => v.view === 'connections').pop()?.sorting ?? '');
    note('sort', await timed(page, () => header.getByRole('button').first().click(), { view: 'connections', sortingNot: before }));
  }

  // Group by process, on and off.
  const toggle = page.getByRole('button', { name: /Group by process/ });
  for (let i = 0; i < 20; i++) {
    const on = i % 2 === 0;
    note('group by process', await timed(page, () => toggle.click(), { view: 'connections', grouped: on }));
  }

  // Switching views: round the tabs, each timed until the new view has committed its rows.
  const tabs: [string, RegExp][] = [
    ['listening', /^Listening/],
    ['ports', /^Ports/],
    ['alerts', /^Alerts/],
    ['connections', /^Connections/],
  ];
  for (let i = 0; i < 24; i++) {
    const [view, name] = tabs[i % tabs.length]!;
    note('switch view', await timed(page, () => page.getByRole('tab', { name }).click(), { view }));
  }

  for (const s of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: s });
    await page.getByRole('tab', { name: /^Connections/ }).click();
    await screenshot(page, `bench-12k-connections-${s}`);
  }

  clearInterval(feed);
  const report = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, { runs: v.commit.length, inputToCommitMs: stats(v.commit), inputToNextFrameMs: stats(v.frame) }]));
  writeFileSync(join(process.cwd(), 'test-results', 'bench-renderer-interactions.json'), JSON.stringify({ sockets: INTERACTION_SOCKETS, ...report }, null, 2));
  console.log(
    [
      '',
      `Renderer interactions — ${INTERACTION_SOCKETS.toLocaleString('en-US')} sockets, a ${CHANGES}-change delta a second (input event → React commit of the view's rows; → next frame)`,
      ...Object.entries(report).map(
        ([k, v]) =>
          `  ${k.padEnd(18)} n=${String(v.runs).padStart(2)}  commit p50 ${ms(v.inputToCommitMs.p50)}  p95 ${ms(v.inputToCommitMs.p95)}  max ${ms(v.inputToCommitMs.max)}   frame p50 ${ms(v.inputToNextFrameMs.p50)}  p95 ${ms(v.inputToNextFrameMs.p95)}`,
      ),
      `  (also in test-results/bench-renderer-interactions.json)`,
      '',
    ].join('\n'),
  );
});
