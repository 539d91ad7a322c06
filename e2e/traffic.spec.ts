// Traffic in the shipped page against a scripted engine (the real machine cannot be made to stream
// megabytes on demand): the total rate in the header follows the engine's updates.
import { expect, test, type Page } from '@playwright/test';
import { screenshot, socketRows } from './app.js';
import { openFake } from './fake-portwatch.js';
import { syntheticState, withTraffic } from './synthetic.js';

async function loaded(page: Page) {
  await expect(page.getByText('Reading the socket tables…')).toHaveCount(0);
  await expect(socketRows(page).first()).toBeVisible();
}

test('the header shows the machine’s total rate and follows each update', async ({ page }) => {
  const { state, next } = withTraffic(syntheticState(600), 60);
  const fake = await openFake(page, state);
  await loaded(page);
  const total = page.getByTestId('total-rate');
  await expect(total).toContainText(/Network↑ [\d.]+ [kM]B\/s ↓ [\d.]+ [kM]B\/s/);
  const before = await total.textContent();
  for (let seq = 2; seq <= 4; seq++) {
    const takenAt = state.snapshot.takenAt + (seq - 1) * 1000;
    fake.sendDelta({ seq, takenAt, added: [], removed: [], changed: [] });
    fake.sendTraffic(next(seq, takenAt));
  }
  await expect(total).not.toHaveText(before!);
  await screenshot(page, 'traffic-header');
});

test('the Processes view: processes by rate with sparklines, the chart for the machine and for one process, a click to its connections', async ({ page }) => {
  const { state, next } = withTraffic(syntheticState(2000), 300);
  const fake = await openFake(page, state);
  await loaded(page);
  await page.getByRole('tab', { name: 'Processes' }).click();
  const grid = page.getByRole('grid', { name: 'Processes' });
  await expect(grid).toBeVisible();
  // A minute of updates, one a second as the engine sends them.
  for (let seq = 2; seq <= 40; seq++) {
    const takenAt = state.snapshot.takenAt + (seq - 1) * 1000;
    fake.sendDelta({ seq, takenAt, added: [], removed: [], changed: [] });
    fake.sendTraffic(next(seq, takenAt));
  }
  const rows = grid.locator('[role="row"][data-pid]');
  await expect(rows.first()).toBeVisible();
  // Sorted by rate: the first row moves the most (send + receive).
  // Sorted by rate: each row moves at most what the one above it moves (send + receive, as shown,
  // so within the rounding of three significant digits).
  const shownRates = () =>
    rows.evaluateAll((els) =>
      els.slice(0, 8).map((el) => {
        const cells = el.querySelectorAll('[role="gridcell"]');
        const parse = (t: string) => {
          const m = /([\d.]+) (B|kB|MB|GB)\/s/.exec(t);
          return m ? Number(m[1]) * { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as 'B'] : -1;
        };
        return parse(cells[3]!.textContent!) + parse(cells[4]!.textContent!);
      }),
    );
  await expect.poll(async () => (await shownRates()).every((r, i, all) => i === 0 || r <= all[i - 1]! * 1.06)).toBe(true);
  await expect(page.locator('.traffic-chart svg').first()).toBeVisible();
  await expect(page.locator('.sparkline polyline').first()).toBeVisible();
  await screenshot(page, 'traffic-processes');

  // One process: the chart and the summary are its own. Its pid and name are read from one row in
  // one step, and that row is clicked by its pid: the table re-sorts by rate (at most once a second),
  // so "the first row" read twice can be two processes (a fresh clone's CI once named one and clicked another).
  const { pid, name } = await rows.first().evaluate((el) => ({
    pid: el.getAttribute('data-pid')!,
    name: el.querySelector('[role="gridcell"]')!.textContent!,
  }));
  await grid.locator(`[role="row"][data-pid="${pid}"]`).click();
  await expect(page.getByRole('heading', { name })).toBeVisible();
  await expect(page.getByRole('img', { name: new RegExp(`Traffic of ${name} \\(pid ${pid}\\)`) })).toBeVisible();
  await screenshot(page, 'traffic-process-selected');

  // Its connections: the Connections view, filtered to it.
  await page.getByRole('button', { name: 'Show its connections' }).click();
  await expect(page.getByLabel('Filter')).toHaveValue(`pid:${pid}`);
  await expect(socketRows(page).first()).toBeVisible();
  expect(await socketRows(page).count()).toBeGreaterThan(0);
});

test('Connections: rate and byte columns, sorted by rate as updates arrive; n/a for UDP', async ({ page }) => {
  const { state, next } = withTraffic(syntheticState(3000), 200);
  const fake = await openFake(page, state);
  await loaded(page);
  const header = page.getByRole('columnheader', { name: /↑ Rate/ });
  await header.getByRole('button').click();
  if ((await header.getAttribute('aria-sort')) !== 'descending') await header.getByRole('button').click();
  await expect(header).toHaveAttribute('aria-sort', 'descending');
  for (let seq = 2; seq <= 6; seq++) {
    const takenAt = state.snapshot.takenAt + (seq - 1) * 1000;
    fake.sendDelta({ seq, takenAt, added: [], removed: [], changed: [] });
    fake.sendTraffic(next(seq, takenAt));
  }
  const first = socketRows(page).first();
  await expect(first).toContainText(/[\d.]+ [kM]B\/s/);
  // UDP sockets have no counters: n/a, never 0.
  await page.getByLabel('Filter').fill('proto:udp');
  await expect(socketRows(page).first()).toContainText('n/a');
  await page.getByLabel('Filter').fill('');
  await expect(first).toContainText(/[\d.]+ [kM]B\/s/);
  await screenshot(page, 'traffic-connections');
});
