// Columns in the real browser: drag a column's edge to resize it, drag a header onto another to move
// it, right-click the header to hide one — and after a reload the table is as the user left it. The
// names columns are columns like the others: the owner sorts by its name.
import { expect, test, type Page } from '@playwright/test';
import { screenshot, socketRows } from './app.js';
import { openFake } from './fake-portwatch.js';
import { syntheticNames, syntheticState } from './synthetic.js';

const grid = (page: Page) => page.getByRole('grid', { name: 'Connections' });
const headerIds = (page: Page) => grid(page).locator('[role="columnheader"][data-column]').evaluateAll((els) => els.map((e) => e.getAttribute('data-column')));

test('resize, move and hide columns; the layout survives a reload', async ({ page }) => {
  await openFake(page, syntheticState(2000), { names: syntheticNames() });
  await expect(socketRows(page).first()).toBeVisible();
  expect(await headerIds(page)).toEqual(['proto', 'local', 'remote', 'owner', 'state', 'process', 'pid', 'user', 'age', 'sendRate', 'receiveRate', 'sent', 'received']);

  // Resize: drag the Process column's right edge 90 px to the right.
  const process = grid(page).locator('[role="columnheader"][data-column="process"]');
  const before = (await process.boundingBox())!.width;
  const edge = grid(page).getByRole('separator', { name: 'Resize Process' });
  const box = (await edge.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 45, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2 + 90, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect.poll(async () => Math.round((await process.boundingBox())!.width)).toBe(Math.round(before + 90));
  // The cells follow the header.
  const cell = socketRows(page).first().locator('.c-process');
  expect(Math.round((await cell.boundingBox())!.width)).toBe(Math.round(before + 90));

  // Move: drag the PID header onto Local address; it lands before it.
  await grid(page).locator('[role="columnheader"][data-column="pid"] button').dragTo(grid(page).locator('[role="columnheader"][data-column="local"]'), { targetPosition: { x: 5, y: 10 } });
  await expect.poll(() => headerIds(page)).toEqual(['proto', 'pid', 'local', 'remote', 'owner', 'state', 'process', 'user', 'age', 'sendRate', 'receiveRate', 'sent', 'received']);
  await expect(socketRows(page).first().locator('[role="gridcell"]').nth(1)).toHaveClass(/c-pid/);

  // Hide: right-click the header, untick User.
  await grid(page).locator('[role="columnheader"][data-column="state"]').click({ button: 'right' });
  const menu = page.getByRole('menu', { name: 'Columns of Connections' });
  await menu.getByRole('menuitemcheckbox', { name: /User/ }).click();
  // …and show the command line, hidden by default.
  await menu.getByRole('menuitemcheckbox', { name: /Command line/ }).click();
  await page.keyboard.press('Escape');
  await expect.poll(() => headerIds(page)).toEqual(['proto', 'pid', 'local', 'remote', 'owner', 'state', 'process', 'age', 'sendRate', 'receiveRate', 'sent', 'received', 'command']);
  await screenshot(page, 'columns-changed');

  // The layout is saved once it rests; a reload brings it back as it was.
  await expect.poll(() => page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('portwatch.columns.v1.connections') ?? '')).toContain('"hidden":["rtt","user"]');
  await page.reload();
  await expect(socketRows(page).first()).toBeVisible();
  expect(await headerIds(page)).toEqual(['proto', 'pid', 'local', 'remote', 'owner', 'state', 'process', 'age', 'sendRate', 'receiveRate', 'sent', 'received', 'command']);
  expect(Math.round((await process.boundingBox())!.width)).toBe(Math.round(before + 90));

  // Reset brings the defaults back.
  await grid(page).locator('[role="columnheader"][data-column="state"]').click({ button: 'right' });
  await page.getByRole('menu', { name: 'Columns of Connections' }).getByRole('menuitem', { name: /Reset columns/ }).click();
  await expect.poll(() => headerIds(page)).toEqual(['proto', 'local', 'remote', 'owner', 'state', 'process', 'pid', 'user', 'age', 'sendRate', 'receiveRate', 'sent', 'received']);
});

test('the owner column sorts by the owner’s name, hides, and the remote column reads host names', async ({ page }) => {
  await openFake(page, syntheticState(2000), { names: syntheticNames() });
  await expect(socketRows(page).first()).toBeVisible();
  const owner = grid(page).locator('[role="columnheader"][data-column="owner"]');
  await owner.getByRole('button').first().click();
  await expect(owner).toHaveAttribute('aria-sort', 'ascending');
  // The owners on screen read in order of their names (the addresses do not: 104.16… is Cloudflare,
  // 13.107… Microsoft, 140.82… GitHub, 142.250… Google).
  const owners = async () => (await socketRows(page).locator('.c-owner').allTextContents()).map((t) => t.replace(/^[A-Z]{2}/, '').toLowerCase());
  await expect.poll(async () => (await owners())[0]).toBe('amazon.com, inc.');
  const seen = await owners();
  expect(seen.length).toBeGreaterThan(10);
  expect(seen).toEqual([...seen].sort());
  await screenshot(page, 'columns-owner-sorted');
  // Ctrl+C on a selected row puts the row, as shown, on the clipboard (names and all).
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await socketRows(page).first().click();
  await page.keyboard.press('Control+c');
  await expect(page.getByText('Copied the row')).toBeVisible();
  const copied = await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
  expect(copied.split('\t')).toEqual(await socketRows(page).first().locator('[role="gridcell"]').allTextContents().then((t) => t.map((x) => x.trim())));
  expect(copied).toContain('Amazon.com, Inc.');
  // Host names where reverse DNS gave one, with the raw address on hover.
  await expect(grid(page).locator('.c-remote .addr.host').first()).toBeVisible();
  // Hidden from the header's menu like any column.
  await owner.click({ button: 'right' });
  await page.getByRole('menu', { name: 'Columns of Connections' }).getByRole('menuitemcheckbox', { name: /Country · owner/ }).click();
  await page.keyboard.press('Escape');
  await expect.poll(() => headerIds(page)).toEqual(['proto', 'local', 'remote', 'state', 'process', 'pid', 'user', 'age', 'sendRate', 'receiveRate', 'sent', 'received']);
});
