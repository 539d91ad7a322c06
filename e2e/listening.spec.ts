// The listening view: every open port with its process and how exposed it is.
import { expect, test } from '@playwright/test';
import { startHolder, stopAll } from '../tests/helpers/children.js';
import { openApp, screenshot, socketRows } from './app.js';

test.afterEach(async () => {
  await stopAll();
});

test('a 0.0.0.0 listener is marked "all interfaces", a 127.0.0.1 one "loopback only", exposed first', async ({ page }) => {
  const holder = await startHolder([
    { name: 'wide', kind: 'tcp-listen', host: '0.0.0.0' },
    { name: 'local', kind: 'tcp-listen', host: '127.0.0.1' },
    { name: 'dns', kind: 'udp-bind', host: '127.0.0.1' },
  ]);
  await openApp(page);
  await page.getByRole('tab', { name: /Listening/ }).click();
  const grid = page.getByRole('grid', { name: 'Listening ports' });
  await expect(grid).toBeVisible();

  await screenshot(page, 'listening');

  await page.getByLabel('Filter').fill(`pid:${holder.pid}`);
  const rows = socketRows(page);
  await expect(rows).toHaveCount(3);
  const wide = rows.filter({ hasText: String(holder.endpoints.wide!.port) });
  await expect(wide).toContainText('all interfaces');
  await expect(wide).toHaveAttribute('data-scope', 'all');
  await expect(wide).toContainText('pw-holder');
  await expect(rows.filter({ hasText: String(holder.endpoints.local!.port) }).first()).toContainText('loopback only');
  // Exposed first.
  await expect(rows.first()).toHaveAttribute('data-scope', 'all');
  await expect(page.getByRole('note')).toContainText('open on all interfaces');
  await screenshot(page, 'listening-filtered');
});
