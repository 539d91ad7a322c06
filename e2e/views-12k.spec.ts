// Every view at 12,000 sockets, as a TCPView user would look at it, in the light and the dark theme:
// Connections (sorted, grouped), Listening, a busy port's lookup, the Alerts (grouped). The shots are
// kept in test-results/screenshots to be looked at; the assertions hold the counts to one meaning.
import { expect, test, type Page } from '@playwright/test';
import { screenshot, socketRows } from './app.js';
import { openFake } from './fake-portwatch.js';
import { busyPortSockets, conflictSockets, loopbackListenerAlerts, syntheticAlerts, syntheticState } from './synthetic.js';

const SOCKETS = 12_000;

async function both(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await screenshot(page, `${name}-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('every view at 12,000 sockets, light and dark', async ({ page }) => {
  // A desktop's 3,000 sockets, and a server with 4,980 clients: 12,000 in all.
  const busy = busyPortSockets(18080, 4980);
  const state = syntheticState(SOCKETS - busy.length);
  state.snapshot.sockets.push(...busy);
  state.snapshot.sockets.push(...conflictSockets());
  const { alerts, trees } = syntheticAlerts();
  await openFake(page, state, { alerts: [...loopbackListenerAlerts(13), ...alerts], alertTrees: trees });
  await expect(socketRows(page).first()).toBeVisible({ timeout: 60_000 });
  const total = state.snapshot.sockets.length.toLocaleString('en-US');
  await expect(page.getByRole('tab', { name: /Connections/ })).toContainText(total);
  await expect(page.locator('.toolbar .shown')).toContainText(`${total} sockets`);
  await both(page, 'view-connections-12k');

  // The filter box keeps its width while the count beside it grows and shrinks with what is typed.
  const filterBox = page.getByRole('searchbox', { name: 'Filter' });
  const width = async () => (await filterBox.boundingBox())!.width;
  const before = await width();
  for (const text of ['c', 'chrome', 'chrome 443', 'proc:api-server state:est', 'no-such-thing']) {
    await filterBox.fill(text);
    await expect(page.locator('.toolbar .shown')).toContainText(text === 'no-such-thing' ? '0 of' : 'match');
    expect(await width()).toBe(before);
  }
  await filterBox.fill('chrome 443');
  await both(page, 'view-connections-filtered-12k');
  await filterBox.fill('');

  await page.getByRole('button', { name: /Group by process/ }).click();
  await both(page, 'view-connections-grouped-12k');
  await page.getByRole('button', { name: /Group by process/ }).click();

  await socketRows(page).nth(3).click();
  await both(page, 'view-connections-detail-12k');

  await page.getByRole('tab', { name: /Listening/ }).click();
  await expect(page.getByRole('grid', { name: 'Listening ports' })).toBeVisible();
  await both(page, 'view-listening-12k');

  await page.getByRole('tab', { name: /Ports/ }).click();
  const portBox = page.getByRole('textbox', { name: 'Port', exact: true });
  await portBox.fill('18080');
  // Who is on a port with 4,980 clients: summarised, then listed in virtualised tables.
  const asked = Date.now();
  await portBox.press('Enter');
  const lookup = page.getByRole('region', { name: 'Port 18080' });
  await expect(lookup.getByRole('grid', { name: 'Clients of port 18080' })).toBeVisible();
  console.log(`[views] who is on port 18080 (4,980 clients): on screen ${Date.now() - asked} ms after Enter`);
  await expect(lookup.getByRole('table', { name: 'Clients on this machine, by program' })).toContainText('wrk · pid 7801');
  await expect(lookup.getByRole('grid', { name: 'Sockets on port 18080' })).toHaveAttribute('aria-rowcount', '4982');
  const drawn = await lookup.locator('[role="row"][data-id]').count();
  expect(drawn).toBeLessThan(100);
  const domNodes = await page.evaluate(() => (globalThis as unknown as { document: { getElementsByTagName(t: string): { length: number } } }).document.getElementsByTagName('*').length);
  console.log(`[views] lookup rows drawn ${drawn}, DOM elements ${domNodes}`);
  expect(domNodes).toBeLessThan(5000);
  // Typing stays quick: the box answers at once.
  await portBox.fill('1808');
  await expect(portBox).toHaveValue('1808');
  await both(page, 'view-ports-12k');

  await page.getByRole('tab', { name: /Alerts/ }).click();
  const alertGrid = page.getByRole('grid', { name: 'Alerts' });
  await expect(alertGrid).toBeVisible();
  // Thirteen loopback listeners of one python3 are one Low row with a count.
  const group = alertGrid.locator('[role="row"][data-group]');
  await expect(group).toHaveCount(1);
  await expect(group).toHaveAttribute('data-count', '13');
  await both(page, 'view-alerts-12k');
  await group.getByRole('button', { name: /Expand 13 alerts/ }).click();
  await group.click();
  await both(page, 'view-alerts-group-12k');
});
