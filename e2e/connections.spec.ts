// The connections view against the real engine: a real child process opens real sockets, and the
// table shows them with the child's name, filters to them, and lets them go when they close.
import { expect, test } from '@playwright/test';
import { startHolder, stopAll } from '../tests/helpers/children.js';
import { reservePort } from '../tests/helpers/ports.js';
import { openApp, pageErrors, recordFlags, screenshot, socketRows } from './app.js';

test.afterEach(async () => {
  await stopAll();
});

test('a child process’s sockets appear with its name, filter by port, and leave when closed', async ({ page }) => {
  const errors = pageErrors(page);
  await openApp(page);
  // A reserved port (tests/helpers/ports.ts): the filter shows no other program's socket on it.
  const port = await reservePort();
  await page.getByLabel('Filter').fill(`port:${port}`);
  const rows = socketRows(page);
  await expect(rows).toHaveCount(0); // the filter holds: whatever shows from now on is on this port
  // Fresh rows are flagged new (green) and closing ones red, for a few seconds each: every flag the
  // page shows is recorded, so a busy machine cannot make the check come after it.
  const flags = await recordFlags(page);
  const holder = await startHolder([
    { name: 'srv', kind: 'tcp-listen', host: '127.0.0.1', port },
    { name: 'cli', kind: 'tcp-connect', to: 'srv' },
  ]);
  await expect.poll(async () => (await flags()).some((f) => f.flag === 'new')).toBe(true);
  // The listener, the client end and the accepted end: all three owned by pw-holder.
  await expect(rows.filter({ hasText: 'pw-holder' })).toHaveCount(3);
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: 'LISTEN' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'ESTABLISHED' })).toHaveCount(2);
  await expect(page.getByText(`of`, { exact: false }).locator('strong')).toHaveText('3');

  // The detail panel tells the whole story of the selected row.
  await rows.filter({ hasText: 'LISTEN' }).click();
  const details = page.getByRole('complementary', { name: 'Details' });
  await expect(details.getByRole('heading', { name: 'pw-holder' })).toBeVisible();
  await expect(details).toContainText(String(holder.pid));
  await expect(details).toContainText('holder.mjs');
  await screenshot(page, 'connections');

  // The client closes first: its end goes to TIME_WAIT (no process owns it), the accepted end goes.
  await holder.close('cli');
  await expect(rows.filter({ hasText: 'ESTABLISHED' })).toHaveCount(0);
  await expect(rows.filter({ hasText: 'pw-holder' })).toHaveCount(1);

  // The process ends: its listener is shown closing (red), then leaves. (The process can vanish a
  // poll before its socket does, so the closing row is found by its state, not its owner's name.)
  await holder.exit();
  await expect.poll(async () => (await flags()).some((f) => f.flag === 'closing' && f.text.includes('LISTEN'))).toBe(true);
  await expect(rows.filter({ hasText: 'LISTEN' })).toHaveCount(0);
  await expect(rows.filter({ hasText: 'pw-holder' })).toHaveCount(0);
  // Nothing the page did broke its CSP or threw.
  expect(errors).toEqual([]);
});

test('sorting by a column header sets aria-sort and reorders', async ({ page }) => {
  await openApp(page);
  const holder = await startHolder([
    { name: 'a', kind: 'tcp-listen', host: '127.0.0.1' },
    { name: 'b', kind: 'tcp-listen', host: '127.0.0.1' },
    { name: 'c', kind: 'tcp-listen', host: '127.0.0.1' },
  ]);
  await page.getByLabel('Filter').fill(`pid:${holder.pid}`);
  await expect(socketRows(page)).toHaveCount(3);

  const header = page.getByRole('columnheader', { name: 'Local address' });
  await header.getByRole('button').click();
  await expect(header).toHaveAttribute('aria-sort', 'ascending');
  const ports = async () => (await socketRows(page).locator('.c-local .port').allTextContents()).map((t) => Number(t.slice(1)));
  const asc = await ports();
  expect(asc).toEqual([...asc].sort((x, y) => x - y));
  await header.getByRole('button').click();
  await expect(header).toHaveAttribute('aria-sort', 'descending');
  const desc = await ports();
  expect(desc).toEqual([...asc].reverse());
});

test('keyboard: Ctrl+F focuses the filter, Escape clears it, arrows move the selection', async ({ page }) => {
  await openApp(page);
  const holder = await startHolder([
    { name: 'a', kind: 'tcp-listen', host: '127.0.0.1' },
    { name: 'b', kind: 'tcp-listen', host: '127.0.0.1' },
  ]);
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+f');
  const filter = page.getByLabel('Filter');
  await expect(filter).toBeFocused();
  await page.keyboard.type(`proc:pw-holder pid:${holder.pid}`);
  await expect(socketRows(page)).toHaveCount(2);

  await page.keyboard.press('ArrowDown');
  await expect(socketRows(page).nth(0)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowDown');
  await expect(socketRows(page).nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowUp');
  await expect(socketRows(page).nth(0)).toHaveAttribute('aria-selected', 'true');

  await filter.focus();
  await page.keyboard.press('Escape');
  await expect(filter).toHaveValue('');
});

test('group by process folds each process’s sockets under one heading with a count', async ({ page }) => {
  await openApp(page);
  const holder = await startHolder([
    { name: 'a', kind: 'tcp-listen', host: '127.0.0.1' },
    { name: 'b', kind: 'udp-bind', host: '127.0.0.1' },
  ]);
  await page.getByLabel('Filter').fill(`pid:${holder.pid}`);
  await page.getByRole('button', { name: 'Group by process' }).click();
  const heading = page.locator('[role="row"].group').filter({ hasText: 'pw-holder' });
  await expect(heading).toHaveCount(1);
  await expect(heading.locator('.group-count')).toHaveText('2');
  await expect(socketRows(page)).toHaveCount(2);
  await heading.getByRole('button').click();
  await expect(socketRows(page)).toHaveCount(0);
  await expect(heading).toHaveAttribute('aria-expanded', 'false');
});

test('pause stops the list and says so; resume brings it back', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByText('Paused: the list stays as it is until you resume.')).toBeVisible();
  const holder = await startHolder([{ name: 'a', kind: 'tcp-listen', host: '127.0.0.1' }]);
  await page.getByLabel('Filter').fill(`pid:${holder.pid}`);
  await page.waitForTimeout(1500);
  await expect(socketRows(page)).toHaveCount(0);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(socketRows(page)).toHaveCount(1);
  await expect(page.getByText('Paused: the list stays as it is until you resume.')).toHaveCount(0);
});
