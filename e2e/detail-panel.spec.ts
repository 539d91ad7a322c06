// The detail panel in the shipped page against a scripted engine: what a peer with no public owner
// is (loopback, a private network), and Close connection… from the panel as from the row menu.
import { expect, test } from '@playwright/test';
import { closableConnection, screenshot, socketRows } from './app.js';
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

test('Close connection… in the detail panel opens the row menu’s dialog; a closed one says why not', async ({ page }) => {
  const state = syntheticState(300);
  const fake = await openFake(page, state);
  await expect(socketRows(page).first()).toBeVisible();
  const target = closableConnection(state, fake);
  await page.getByRole('searchbox', { name: 'Filter' }).fill(`port:${target.localPort}`);
  await page.locator(`[role="row"][data-id="${target.id}"]`).click();
  const details = page.getByRole('complementary', { name: 'Details' });
  await screenshot(page, 'detail-close-connection');
  await details.getByRole('button', { name: 'Close connection…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Close this connection?' });
  await expect(dialog).toContainText(target.process!.name);
  await dialog.getByRole('button', { name: 'Close connection' }).click();
  await expect(dialog.getByRole('status')).toContainText('Closed');
  expect(fake.calls.filter((c) => c.method === 'closeConnection')).toHaveLength(1);
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();

  const waiting = state.snapshot.sockets.find((s) => s.protocol === 'tcp' && s.state === 'TIME_WAIT')!;
  await page.getByRole('searchbox', { name: 'Filter' }).fill(`port:${waiting.localPort} state:time_wait`);
  await page.locator(`[role="row"][data-id="${waiting.id}"]`).click();
  await expect(details.getByRole('button', { name: 'Close connection…' })).toBeDisabled();
  await expect(details).toContainText('the connection is already closed (TIME_WAIT)');
  await screenshot(page, 'detail-close-connection-disabled');
});
