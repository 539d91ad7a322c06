// Columns in the real browser: drag a column's edge to resize it, drag a header onto another to move
// it, right-click the header to hide one — and after a reload the table is as the user left it.
import { expect, test, type Page } from '@playwright/test';
import { screenshot, socketRows } from './app.js';
import { openFake } from './fake-portwatch.js';
import { syntheticState } from './synthetic.js';

const grid = (page: Page) => page.getByRole('grid', { name: 'Connections' });
const headerIds = (page: Page) => grid(page).locator('[role="columnheader"][data-column]').evaluateAll((els) => els.map((e) => e.getAttribute('data-column')));

test('resize, move and hide columns; the layout survives a reload', async ({ page }) => {
  await openFake(page, syntheticState(2000));
  await expect(socketRows(page).first()).toBeVisible();
  expect(await headerIds(page)).toEqual(['proto', 'local', 'remote', 'state', 'process', 'pid', 'user', 'age']);

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
  await expect.poll(() => headerIds(page)).toEqual(['proto', 'pid', 'local', 'remote', 'state', 'process', 'user', 'age']);
  await expect(socketRows(page).first().locator('[role="gridcell"]').nth(1)).toHaveClass(/c-pid/);

  // Hide: right-click the header, untick User.
  await grid(page).locator('[role="columnheader"][data-column="state"]').click({ button: 'right' });
  const menu = page.getByRole('menu', { name: 'Columns of Connections' });
  await menu.getByRole('menuitemcheckbox', { name: /User/ }).click();
  // …and show the command line, hidden by default.
  await menu.getByRole('menuitemcheckbox', { name: /Command line/ }).click();
  await page.keyboard.press('Escape');
  await expect.poll(() => headerIds(page)).toEqual(['proto', 'pid', 'local', 'remote', 'state', 'process', 'age', 'command']);
  await screenshot(page, 'columns-changed');

  // The layout is saved once it rests; a reload brings it back as it was.
  await expect.poll(() => page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('portwatch.columns.v1.connections') ?? '')).toContain('"hidden":["user"]');
  await page.reload();
  await expect(socketRows(page).first()).toBeVisible();
  expect(await headerIds(page)).toEqual(['proto', 'pid', 'local', 'remote', 'state', 'process', 'age', 'command']);
  expect(Math.round((await process.boundingBox())!.width)).toBe(Math.round(before + 90));

  // Reset brings the defaults back.
  await grid(page).locator('[role="columnheader"][data-column="state"]').click({ button: 'right' });
  await page.getByRole('menu', { name: 'Columns of Connections' }).getByRole('menuitem', { name: /Reset columns/ }).click();
  await expect.poll(() => headerIds(page)).toEqual(['proto', 'local', 'remote', 'state', 'process', 'pid', 'user', 'age']);
});
