// The header's traffic chart against the real engine: a real child process streams bytes to another
// over loopback, and the chart shows lo moving, then the streaming process once it is selected.
import { expect, test, type Page } from '@playwright/test';
import { peer, stopPeers } from '../tests/helpers/traffic-peers.js';
import { openApp, pageErrors, screenshot, socketRows } from './app.js';

test.afterEach(() => {
  stopPeers();
});

/** "465 kB/s" → 465000; "n/a" → null. */
function bytesPerSecond(text: string): number | null {
  const m = /([\d.]+) (B|kB|MB|GB)\/s/.exec(text);
  return m ? Number(m[1]) * { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as 'B'] : null;
}

/** The chart's "now" figures: what the chosen series sends and receives per second. */
async function chartRates(page: Page): Promise<{ sent: number | null; received: number | null }> {
  const rates = page.getByTestId('chart-rates');
  return { sent: bytesPerSecond(await rates.locator('.rate-up dd').innerText()), received: bytesPerSecond(await rates.locator('.rate-down dd').innerText()) };
}

test('the header chart shows lo moving, and the streaming process when it is selected', async ({ page }) => {
  const errors = pageErrors(page);
  const sink = await peer({ mode: 'sink', host: '127.0.0.1' });
  const streamer = await peer({ mode: 'stream', host: '127.0.0.1', port: sink.port, rate: 300_000 });
  await openApp(page);
  const chooser = page.getByLabel('Traffic chart shows');
  await expect(chooser).toHaveValue('machine');

  // lo, by name: a non-zero rate both ways (the stream leaves and enters this machine on lo).
  await chooser.selectOption({ label: 'lo (loopback)' });
  await expect.poll(async () => (await chartRates(page)).sent ?? 0).toBeGreaterThan(0);
  await expect.poll(async () => (await chartRates(page)).received ?? 0).toBeGreaterThan(0);
  // Drawn with a time axis once two samples are in.
  await expect(page.getByRole('img', { name: /^Traffic of interface lo \(loopback\) over the last/ })).toBeVisible();

  // The streamer, selected in Connections: the chooser offers it, and its chart is its own — it sends
  // and receives nothing (the sink only reads).
  await page.getByLabel('Filter').fill(`pid:${streamer.pid}`);
  await socketRows(page).filter({ hasText: 'ESTABLISHED' }).first().click();
  await expect(chooser.locator('option[value="process"]')).toHaveText(`node · pid ${streamer.pid}`);
  await chooser.selectOption('process');
  await expect(page.getByRole('img', { name: new RegExp(`^Traffic of node \\(pid ${streamer.pid}\\)`) })).toBeVisible();
  await expect.poll(async () => (await chartRates(page)).sent ?? 0).toBeGreaterThan(0);
  expect((await chartRates(page)).received).toBe(0);
  await screenshot(page, 'traffic-chart-process');

  // Selected in the Processes view instead: the same.
  await page.getByRole('tab', { name: 'Processes' }).click();
  await page.getByLabel('Filter').fill('');
  const row = page.locator(`[role="grid"][aria-label="Processes"] [role="row"][data-pid="${sink.pid}"]`);
  await row.click();
  await expect(chooser.locator('option[value="process"]')).toHaveText(`node · pid ${sink.pid}`);
  await expect.poll(async () => (await chartRates(page)).received ?? 0).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
