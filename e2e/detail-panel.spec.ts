// The detail panel in the shipped page against a scripted engine: what a peer with no public owner
// is (loopback, a private network).
import { expect, test } from '@playwright/test';
import { screenshot, socketRows } from './app.js';
import { openFake } from './fake-portwatch.js';
import { syntheticNames, syntheticState } from './synthetic.js';

test('a private peer says what it is in Country · owner, in the table and the detail panel', async ({ page }) => {
  const state = syntheticState(400);
  await openFake(page, state, { names: syntheticNames() });
  await expect(socketRows(page).first()).toBeVisible();
  const lan = state.snapshot.sockets.find((s) => s.remoteAddress === '192.168.1.1' && s.process !== null)!;
  await page.getByRole('searchbox', { name: 'Filter' }).fill('192.168.1.1');
  const row = page.locator(`[role="row"][data-id="${lan.id}"]`);
  await expect(row.locator('.c-owner')).toHaveText('private network');
  await row.click();
  const details = page.getByRole('complementary', { name: 'Details' });
  await expect(details.locator('dt', { hasText: 'Country · owner' }).locator('+ dd')).toHaveText('private network — not an internet address, so no country or owner');
  await screenshot(page, 'detail-private-peer');
});
