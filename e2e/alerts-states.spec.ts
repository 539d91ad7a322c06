// The Alerts view in states the real machine will not produce on demand: a week's worth of alerts of
// every kind (a port scan, a binary in /tmp, an SSH login from the LAN), the engine still learning, a
// corrupt trust store kept aside, a host without alerts, and an open-alert request from a notification
// click. The page is the shipped build over its real WebSocket transport; only the engine is scripted.
import { expect, test, type Page } from '@playwright/test';
import { screenshot } from './app.js';
import { openFake, type FakePortwatch } from './fake-portwatch.js';
import { syntheticAlerts, syntheticState } from './synthetic.js';

async function openAlerts(page: Page, options: Parameters<typeof openFake>[2] = {}): Promise<FakePortwatch> {
  const { alerts, trees } = syntheticAlerts(Date.now());
  const fake = await openFake(page, syntheticState(300), { alerts, alertTrees: trees, ...options });
  await expect(page.getByRole('grid', { name: 'Connections' })).toBeVisible();
  await page.getByRole('tab', { name: /Alerts/ }).click();
  await expect(page.getByRole('grid', { name: 'Alerts' })).toBeVisible();
  return fake;
}

const rows = (page: Page) => page.locator('[role="row"][data-alert-id]');

test('a week of alerts: newest first, the badge counts the active ones by worst severity, the detail explains one', async ({ page }) => {
  await openAlerts(page);
  const badge = page.getByRole('tab', { name: /Alerts/ }).getByTestId('alert-count');
  // 5 active: python3, telemetryd, kworkerd, the scan, sshd (firefox is snoozed, two acknowledged).
  await expect(badge).toHaveText(/^5/);
  await expect(badge).toHaveAttribute('data-severity', 'high');
  // The default list: not acknowledged (the snoozed one included, marked), newest first.
  await expect(rows(page)).toHaveCount(6);
  await expect(rows(page).first()).toContainText('python3');
  await expect(rows(page).nth(5)).toContainText('Snoozed');

  await rows(page).first().click();
  const detail = page.getByRole('complementary', { name: 'Alert details' });
  await expect(detail.getByRole('heading', { name: 'New listener' })).toBeVisible();
  await expect(detail.getByRole('list', { name: 'Parent chain' }).locator('li')).toHaveCount(5);
  await expect(detail.getByRole('table', { name: 'Sockets of this alert' })).toContainText('0.0.0.0');
  await screenshot(page, 'alerts-list-detail');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, 'alerts-list-detail-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // The trust menu: listener rule pre-selected (the engine's own), program offered too.
  await detail.getByRole('button', { name: 'Trust…' }).click();
  const trust = detail.getByRole('form', { name: 'Trust' });
  await expect(trust.getByRole('radio', { name: /This listener/ })).toBeChecked();
  await expect(trust.getByRole('radio', { name: /This program/ })).not.toBeChecked();
  await screenshot(page, 'alerts-trust-menu');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, 'alerts-trust-menu-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await trust.getByRole('button', { name: 'Trust this listener' }).click();
  await expect(detail.getByTestId('alert-state')).toContainText('Acknowledged');
  await expect(badge).toHaveText(/^4/);

  // A narrow window: the detail goes under the list, the toolbar wraps, nothing is cut off.
  await page.setViewportSize({ width: 1000, height: 760 });
  await rows(page).first().click();
  await screenshot(page, 'alerts-narrow');
});

test('a port scan says which evidence saw it, and offers nothing to trust', async ({ page }) => {
  await openAlerts(page);
  await page.getByRole('group', { name: 'Kind' }).getByRole('button', { name: /Port scan/ }).click();
  await expect(rows(page)).toHaveCount(1);
  await rows(page).first().click();
  const detail = page.getByRole('complementary', { name: 'Alert details' });
  await expect(detail.getByText(/^Sockets: 203\.0\.113\.9 was seen connecting to 12 different local ports/)).toBeVisible();
  await expect(detail.getByText(/^Kernel counters: 184 TCP resets sent/)).toBeVisible();
  await detail.getByRole('button', { name: 'Trust…' }).click();
  await expect(detail.getByText(/comes from a remote, not a program/)).toBeVisible();
  await screenshot(page, 'alerts-port-scan');
});

test('while learning the view says how long is left; a corrupt store kept aside is said up front', async ({ page }) => {
  // The page's clock stands still (timers still run): "42 s left" however long the page takes to load.
  const now = Date.now();
  await page.clock.setFixedTime(now);
  const fake = await openAlerts(page, {
    learningUntil: now + 42_000,
    alertWarnings: ['The trust store could not be read (unexpected end of JSON input); it was kept as trust.json.corrupt-1718000000000 and Portwatch started a new one, learning again.'],
  });
  await expect(page.getByRole('status').filter({ hasText: 'Learning what is normal' })).toContainText(/4\d s left; alerts start after that/);
  await expect(page.getByRole('alert').filter({ hasText: 'trust.json.corrupt' })).toBeVisible();
  await expect(page.getByRole('tab', { name: /Alerts/ })).toHaveAttribute('title', /1 warning/);
  await screenshot(page, 'alerts-learning');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, 'alerts-learning-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByRole('button', { name: 'Stop learning' }).click();
  await expect(page.getByRole('button', { name: 'Re-learn…' })).toBeVisible();
  expect(fake.calls.some((c) => c.method === 'startLearning' && c.args[0] === 0)).toBe(true);
  await page.getByRole('button', { name: 'Re-learn…' }).click();
  await page.getByLabel('Learn for').fill('120');
  await screenshot(page, 'alerts-relearn');
  await page.getByRole('button', { name: 'Start learning' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Learning what is normal' })).toContainText(/(2 min|1\d\d s)/);
});

test('a host without alerts says so in the view', async ({ page }) => {
  await openFake(page, syntheticState(100));
  await page.getByRole('tab', { name: /Alerts/ }).click();
  await expect(page.getByText('Alerts are off in this Portwatch')).toBeVisible();
  await expect(page.getByText(/alerts are not enabled in this host/)).toBeVisible();
  await expect(page.getByRole('tab', { name: /Alerts/ }).getByTestId('alert-count')).toHaveCount(0);
});

test('a new alert arrives live: prepended, badge up; A acknowledges the selected one and moves on', async ({ page }) => {
  const fake = await openAlerts(page);
  const badge = page.getByRole('tab', { name: /Alerts/ }).getByTestId('alert-count');
  await expect(badge).toHaveText(/^5/);
  const [first] = syntheticAlerts(Date.now()).alerts.slice(-1);
  fake.raiseAlert({ ...first!, id: 'live-1', at: Date.now(), message: 'New listener on all interfaces: ncat listens on 0.0.0.0:4444 (TCP) — reachable from any network this machine is on', process: { ...first!.process!, name: 'ncat', pid: 9911, exe: '/usr/bin/ncat' }, pid: 9911 });
  await expect(rows(page).first()).toContainText('ncat');
  await expect(badge).toHaveText(/^6/);
  await rows(page).first().click();
  await page.keyboard.press('ArrowDown');
  await expect(rows(page).nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('a');
  await expect(rows(page).filter({ hasText: 'ncat' })).toHaveCount(0);
  await expect(badge).toHaveText(/^5/);
  // The selection moved on to the next one.
  await expect(rows(page).first()).toHaveAttribute('aria-selected', 'true');
});
