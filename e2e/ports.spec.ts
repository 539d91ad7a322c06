// The Ports view against the real browser mode: real Python processes split localhost between them,
// the page shows the conflict and explains it, the lookup gives a verdict per bind address, the row
// menu leads there, and "End process…" really ends the chosen holder and nothing else.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { reservePort } from '../tests/helpers/ports.js';
import { startPyHolder, stopAllPy, type PyHolder } from '../tests/helpers/py-holders.js';
import { openApp, pageErrors, screenshot, socketRows } from './app.js';

test.afterEach(async () => {
  await stopAllPy();
});

/**
 * Two processes on 127.0.0.1:P and [::1]:P: "localhost:P" reaches only one of them. P is reserved
 * (tests/helpers/ports.ts; hence SO_REUSEADDR), so the views show no other program's socket on it.
 */
async function localhostSplit(): Promise<{ v4: PyHolder; v6: PyHolder; port: number }> {
  const port = await reservePort();
  const v4 = await startPyHolder([{ name: 'l', type: 'tcp', host: '127.0.0.1', port, reuseaddr: true }], { title: 'pw-split-v4' });
  const v6 = await startPyHolder([{ name: 'l', type: 'tcp', host: '::1', port, reuseaddr: true }], { title: 'pw-split-v6' });
  return { v4, v6, port };
}

async function openPorts(page: Page): Promise<void> {
  await page.getByRole('tab', { name: /Ports/ }).click();
  await expect(page.getByRole('tab', { name: /Ports/ })).toHaveAttribute('aria-selected', 'true');
}

function verdictRow(lookup: Locator, protocol: 'TCP' | 'UDP', address: string): Locator {
  return lookup.getByRole('table', { name: 'Bind verdicts' }).locator(`tr[data-protocol="${protocol.toLowerCase()}"][data-address="${address}"]`);
}

test('a localhost split shows as a conflict card with its explanation, and the lookup gives a verdict per bind address', async ({ page }) => {
  const errors = pageErrors(page);
  const { v4, v6, port } = await localhostSplit();
  await openApp(page);
  // The badge on the tab counts conflicts before the view is opened.
  await expect(page.getByRole('tab', { name: /Ports/ }).getByTestId('conflict-count')).toBeVisible();
  await openPorts(page);

  const card = page.locator(`article[data-conflict="localhost-split"][data-port="${port}"]`);
  await expect(card).toBeVisible();
  await expect(card.getByRole('heading')).toHaveText(`localhost split on port ${port} (TCP)`);
  await expect(card).toContainText(`Two processes share TCP port ${port} on the loopback, one per IP version`);
  await expect(card).toContainText('never by the name localhost');
  // This machine resolves localhost to 127.0.0.1: the IPv4 holder gets the clients.
  await expect(card).toContainText(`localhost:${port} reaches pw-split-v4 (pid ${v4.pid})`);
  await expect(card.locator('tbody tr')).toHaveCount(2);
  await expect(card.getByRole('button', { name: `End pw-split-v6 (pid ${v6.pid})…` })).toBeVisible();
  await card.scrollIntoViewIfNeeded();
  await screenshot(page, 'ports-conflicts');

  // The search box: type the port, Enter.
  const box = page.getByLabel('Port', { exact: true });
  await box.fill(String(port));
  await box.press('Enter');
  const lookup = page.getByRole('region', { name: `Port ${port}` });
  await expect(lookup).toBeVisible();
  await expect(verdictRow(lookup, 'TCP', '127.0.0.1')).toContainText(`TAKEN by pw-split-v4 (pid ${v4.pid})`);
  await expect(verdictRow(lookup, 'TCP', '::1')).toContainText(`TAKEN by pw-split-v6 (pid ${v6.pid})`);
  await expect(verdictRow(lookup, 'TCP', '0.0.0.0')).toContainText(`TAKEN by pw-split-v4 (pid ${v4.pid}) on 127.0.0.1`);
  await expect(verdictRow(lookup, 'TCP', '::')).toContainText(`TAKEN by pw-split-v6 (pid ${v6.pid}) on [::1]`);
  await expect(verdictRow(lookup, 'UDP', '*')).toContainText('FREE');
  // The processes, with command line and working directory.
  const processes = lookup.getByRole('table', { name: `Processes on port ${port}` });
  await expect(processes.locator(`tr[data-pid="${v4.pid}"]`)).toContainText('pw-split-v4');
  await expect(processes.locator(`tr[data-pid="${v4.pid}"]`)).toContainText('py-holder.py');
  await expect(processes.locator(`tr[data-pid="${v4.pid}"]`)).toContainText(process.cwd());
  await expect(processes.locator(`tr[data-pid="${v6.pid}"]`)).toContainText('listener');
  // Both listeners in the connections table's style.
  await expect(lookup.getByRole('grid', { name: `Sockets on port ${port}` }).locator('[role="row"][data-id]')).toHaveCount(2);
  await screenshot(page, 'ports-lookup');

  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, 'ports-lookup-dark');
  await lookup.getByRole('button', { name: 'Close the lookup' }).click();
  await card.scrollIntoViewIfNeeded();
  await screenshot(page, 'ports-conflicts-dark');
  expect(errors).toEqual([]);
});

test('the row menu on a listener: "Who is on port N?" opens the lookup; the listening row carries a conflict mark', async ({ page }) => {
  const { v4, v6, port } = await localhostSplit();
  await openApp(page);
  await page.getByRole('tab', { name: /Listening/ }).click();
  await page.getByLabel('Filter').fill(`port:${port}`);
  const rows = socketRows(page);
  await expect(rows).toHaveCount(2);
  const row = rows.filter({ hasText: 'pw-split-v6' });
  await expect(row).toHaveAttribute('data-conflict', 'localhost-split');

  await row.click({ button: 'right' });
  const menu = page.getByRole('menu');
  await expect(menu).toBeVisible();
  await expect(menu.getByRole('menuitem')).toHaveText([`Who is on port ${port}?`, /^Filter to this process/, /^Copy row/, /^Copy address/, /^Copy command line/, /^End process…/]);
  await expect(menu.getByRole('menuitem').first()).toBeFocused();
  await screenshot(page, 'context-menu');
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);

  // From the keyboard too: the selected row, Shift+F10.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.keyboard.press('Shift+F10');
  await expect(menu).toBeVisible();
  await screenshot(page, 'context-menu-dark');
  await menu.getByRole('menuitem', { name: `Who is on port ${port}?` }).click();
  await expect(page.getByRole('tab', { name: /Ports/ })).toHaveAttribute('aria-selected', 'true');
  const lookup = page.getByRole('region', { name: `Port ${port}` });
  await expect(verdictRow(lookup, 'TCP', '::1')).toContainText(`pw-split-v6 (pid ${v6.pid})`);
  await expect(verdictRow(lookup, 'TCP', '127.0.0.1')).toContainText(`pw-split-v4 (pid ${v4.pid})`);
  await expect(page.getByLabel('Port', { exact: true })).toHaveValue(String(port));
});

test('"End process…" names the process and its command line, and ends it for real; the others stay', async ({ page }) => {
  const { v4, v6, port } = await localhostSplit();
  const bystander = await startPyHolder([{ name: 'l', type: 'tcp', host: '127.0.0.1' }], { title: 'pw-bystander' });
  await openApp(page);
  await page.getByRole('tab', { name: /Listening/ }).click();
  await page.getByLabel('Filter').fill(`port:${port}`);
  const row = socketRows(page).filter({ hasText: 'pw-split-v4' });
  await row.click({ button: 'right' });
  await page.getByRole('menuitem', { name: /^End process…/ }).click();

  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAttribute('aria-modal', 'true');
  await expect(dialog.getByRole('heading')).toHaveText(`End pw-split-v4 (pid ${v4.pid})?`);
  await expect(dialog).toContainText('py-holder.py');
  await expect(dialog).toContainText(process.cwd());
  await expect(dialog).toContainText(`tcp4 127.0.0.1:${port}`);
  await expect(dialog).toContainText('Portwatch sends SIGTERM, then SIGKILL if it is still running after the grace period');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await expect(dialog.getByLabel('Grace period')).toHaveValue('3');
  await screenshot(page, 'end-dialog');

  await dialog.getByRole('button', { name: 'End process' }).click();
  await expect(dialog.getByRole('status')).toContainText(`pw-split-v4 (pid ${v4.pid}) ended`);
  await expect(dialog.getByRole('button', { name: 'Close' })).toBeFocused();
  await screenshot(page, 'end-outcome');
  await v4.exited;
  expect(v4.isRunning()).toBe(false);
  // They answer after the end: no signal reached them.
  expect(await v6.alive()).toBe(true);
  expect(await bystander.alive()).toBe(true);

  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);
  // The listener leaves the table, and the conflict the Ports view.
  await expect(socketRows(page).filter({ hasText: 'pw-split-v4' })).toHaveCount(0);
  await openPorts(page);
  await expect(page.locator(`article[data-port="${port}"]`)).toHaveCount(0);
});

test('dark theme: the end-process dialog', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  const { v6, port } = await localhostSplit();
  await openApp(page);
  await openPorts(page);
  const card = page.locator(`article[data-conflict="localhost-split"][data-port="${port}"]`);
  await card.getByRole('button', { name: `End pw-split-v6 (pid ${v6.pid})…` }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText(`[::1]:${port}`);
  await expect(dialog).toContainText(process.cwd());
  await screenshot(page, 'end-dialog-dark');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  expect(await v6.alive()).toBe(true);
});
