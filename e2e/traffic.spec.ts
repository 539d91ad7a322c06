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
