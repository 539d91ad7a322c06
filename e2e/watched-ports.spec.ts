// Watched ports against the real browser mode: the user adds a free port to the list, a real process
// (pw-holder) starts listening on it, and the chip turns "taken by pw-holder", a toast says so and the
// page's desktop notification (Web Notification, permission granted) names it; when the holder exits
// the chip turns free again.
import { expect, test } from '@playwright/test';
import { startHolder, stopAll } from '../tests/helpers/children.js';
import { reservePort } from '../tests/helpers/ports.js';
import { openApp, pageErrors, screenshot } from './app.js';

test.afterEach(async () => {
  await stopAll();
});

test('a watched port taken by a real process turns its chip "taken by pw-holder" and shows a toast', async ({ page }) => {
  const errors = pageErrors(page);
  // A Notification the page may use (permission granted) that records what it was asked to show.
  await page.addInitScript(() => {
    const shown: Array<{ title: string; body: string }> = [];
    (globalThis as unknown as { __notes: typeof shown }).__notes = shown;
    class RecordingNotification {
      static permission = 'granted';
      static requestPermission = () => Promise.resolve('granted');
      onclick: unknown = null;
      constructor(title: string, options?: { body?: string }) {
        shown.push({ title, body: options?.body ?? '' });
      }
      close() {}
    }
    (globalThis as unknown as { Notification: unknown }).Notification = RecordingNotification;
  });
  const port = await reservePort();
  await openApp(page);
  await page.getByRole('tab', { name: /Ports/ }).click();
  const section = page.getByRole('region', { name: 'Watched ports' });
  await expect(section.locator('li[data-port="3000"]')).toBeVisible();

  // A bad port is refused with a message, nothing saved.
  const box = section.getByLabel('Port to watch');
  await box.fill('70000');
  await box.press('Enter');
  await expect(section.getByRole('alert')).toHaveText('A port is a whole number from 1 to 65535');
  await expect(section.locator('li[data-port="70000"]')).toHaveCount(0);

  await box.fill(String(port));
  await box.press('Enter');
  const chip = section.locator(`li[data-port="${port}"]`);
  await expect(chip).toHaveAttribute('data-state', 'free');
  await expect(chip).toContainText('free');

  const holder = await startHolder([{ name: 'srv', kind: 'tcp-listen', host: '127.0.0.1', port }], 'pw-holder');
  await expect(chip).toHaveAttribute('data-state', 'taken');
  await expect(chip).toContainText(`taken by pw-holder (pid ${holder.pid})`);
  const toast = page.locator(`.toast[data-port="${port}"]`);
  await expect(toast).toContainText(`Port ${port} taken`);
  await expect(toast).toContainText(`pw-holder (pid ${holder.pid}) is listening on 127.0.0.1:${port}`);
  await expect
    .poll(() => page.evaluate(() => (globalThis as unknown as { __notes: Array<{ title: string; body: string }> }).__notes))
    .toContainEqual({ title: `Portwatch: Port ${port} taken`, body: `pw-holder (pid ${holder.pid}) is listening on 127.0.0.1:${port}` });
  await screenshot(page, 'watched-ports');

  // The list survives a reload (saved by the server in settings.json).
  await holder.exit();
  await expect(chip).toHaveAttribute('data-state', 'free');
  await expect(page.locator(`.toast[data-port="${port}"]`).filter({ hasText: `Port ${port} freed` })).toBeVisible();
  await page.reload();
  await page.getByRole('tab', { name: /Ports/ }).click();
  await expect(page.getByRole('region', { name: 'Watched ports' }).locator(`li[data-port="${port}"]`)).toBeVisible();

  // Remove it again, leaving the shared server's list as it was.
  await page.getByRole('region', { name: 'Watched ports' }).getByRole('button', { name: `Stop watching port ${port}` }).click();
  await expect(page.getByRole('region', { name: 'Watched ports' }).locator(`li[data-port="${port}"]`)).toHaveCount(0);
  expect(errors).toEqual([]);
});
