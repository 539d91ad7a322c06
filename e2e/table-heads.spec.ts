// One look for every table's header (grid.css's .table-head): the socket grids, Processes and Alerts
// keep their header row stuck to the top while the body scrolls, at the same height and weight.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { screenshot, socketRows } from './app.js';
import { openFake } from './fake-portwatch.js';
import { syntheticAlerts, syntheticState, withTraffic } from './synthetic.js';

/** The page's getComputedStyle (the specs compile without the DOM's types). */
type PageWindow = { getComputedStyle(el: unknown): Record<'position' | 'top' | 'height' | 'fontWeight' | 'fontSize' | 'backgroundColor' | 'borderBottomColor', string> };

async function headLook(head: Locator) {
  return head.evaluate((el) => {
    const s = (globalThis as unknown as PageWindow).getComputedStyle(el);
    return { position: s.position, top: s.top, height: s.height, fontWeight: s.fontWeight, fontSize: s.fontSize, background: s.backgroundColor, border: s.borderBottomColor };
  });
}

/** Scrolls the table's body and says whether its header stayed at the top of the scroller. */
async function staysOnTop(page: Page, scroller: Locator, head: Locator): Promise<boolean> {
  await scroller.evaluate((el) => el.scrollTo({ top: 400 }));
  await expect.poll(() => scroller.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
  const [box, top] = await Promise.all([head.boundingBox(), scroller.boundingBox()]);
  return box !== null && top !== null && Math.abs(box.y - top.y) < 1;
}

test('the socket grid, Processes and Alerts share one header look, stuck to the top', async ({ page }) => {
  const { state } = withTraffic(syntheticState(1500), 200);
  const { alerts, trees } = syntheticAlerts();
  await openFake(page, state, { alerts, alertTrees: trees });
  await expect(socketRows(page).first()).toBeVisible();

  const gridHead = page.locator('[role="grid"][aria-label="Connections"] .table-head');
  const socketLook = await headLook(gridHead);
  expect(socketLook.position).toBe('sticky');
  expect(await staysOnTop(page, page.getByRole('grid', { name: 'Connections' }), gridHead)).toBe(true);

  await page.getByRole('tab', { name: 'Processes' }).click();
  const procHead = page.locator('.processes-head');
  await expect(procHead).toBeVisible();
  const procLook = await headLook(procHead);
  expect(procLook).toEqual(socketLook);
  // Body rows keep their own height and rule.
  const procRow = page.locator('.processes-row.row').first();
  expect(await procRow.evaluate((el) => (globalThis as unknown as PageWindow).getComputedStyle(el).height)).not.toBe(procLook.height);
  await screenshot(page, 'processes-head');

  await page.getByRole('tab', { name: /Alerts/ }).click();
  const alertHead = page.locator('.alert-row.head');
  await expect(alertHead).toBeVisible();
  expect(await headLook(alertHead)).toEqual(socketLook);
  expect(await page.locator('.alert-row.row').first().evaluate((el) => (globalThis as unknown as PageWindow).getComputedStyle(el).height)).toBe('26px');
  await screenshot(page, 'alerts-head');
});
