// What traffic costs the page at 10,000 sockets with 1,000 of them moving: the update's size and the
// frame gaps it leaves. Not a test of speed (no timed assertion); runs only when asked:
// npx playwright test --grep @bench
import { expect, test, type Page } from '@playwright/test';
import { socketRows } from './app.js';
import { openFake } from './fake-portwatch.js';
import { syntheticState, withTraffic } from './synthetic.js';

// Without a trace: recording one snapshots the whole DOM at each step, and that walk of 10,000 rows
// was most of the frame gaps this printed (in a CPU profile, 1.8 s of 2.4 s busy was the tracer's).
test.use({ trace: 'off' });

async function loaded(page: Page) {
  await expect(page.getByText('Reading the socket tables…')).toHaveCount(0);
  await expect(socketRows(page).first()).toBeVisible();
}

test('@bench traffic updates at 10,000 sockets, 1,000 moving: update size and frame gaps', async ({ page }) => {
  test.setTimeout(180_000);
  const { state, next } = withTraffic(syntheticState(10_000), 1000);
  const fake = await openFake(page, state);
  await loaded(page);
  const run = async (label: string, send = true) => {
    await page.evaluate(() => {
      const g = globalThis as unknown as { requestAnimationFrame: (f: (now: number) => void) => void };
      const w = globalThis as unknown as { gaps: number[]; stop: boolean };
      w.gaps = [];
      w.stop = false;
      let last = performance.now();
      const tick = (now: number) => {
        w.gaps.push(now - last);
        last = now;
        if (!w.stop) g.requestAnimationFrame(tick);
      };
      g.requestAnimationFrame(tick);
    });
    let bytes = 0;
    // The updates are made before the clock starts: making them is the test's cost, not the page's.
    const updates = Array.from({ length: 20 }, () => {
      const seq = seqNow++;
      const takenAt = state.snapshot.takenAt + seq * 1000;
      return { seq, takenAt, text: JSON.stringify({ type: 'event', event: 'traffic', payload: next(seq, takenAt) }) };
    });
    for (const { seq, takenAt, text } of updates) {
      if (!send) {
        await page.waitForTimeout(250);
        continue;
      }
      fake.sendDelta({ seq, takenAt, added: [], removed: [], changed: [] });
      bytes = text.length;
      fake.sendRaw(text);
      await page.waitForTimeout(250);
    }
    const gaps = await page.evaluate(() => {
      const w = globalThis as unknown as { gaps: number[]; stop: boolean };
      w.stop = true;
      return w.gaps.slice(1).sort((a, b) => a - b);
    });
    const q = (p: number) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))]!.toFixed(1);
    console.log(`${label}: update ${(bytes / 1024).toFixed(0)} KiB JSON; frame gaps p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms over ${gaps.length} frames`);
  };
  let seqNow = 2;
  await run('Connections, no updates (the baseline of this machine)', false);
  await run('Connections, sorted by process');
  const header = page.getByRole('columnheader', { name: /↑ Rate/ });
  await header.getByRole('button').click();
  await run('Connections, sorted by ↑ Rate');
  await page.getByRole('tab', { name: 'Processes' }).click();
  await run('Processes view with chart');
});
