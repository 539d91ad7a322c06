// The History view, export and "Close connection…" in the shipped page, against a scripted engine
// (the real engine's history and closing are tested with real processes in tests/integration).
import { parse } from 'csv-parse/sync';
import { expect, test } from '@playwright/test';
import type { HistoryEntry, HistoryResult } from '../src/shared/history.js';
import type { Socket } from '../src/shared/model.js';
import { closableConnection, exported, screenshot, socketRows } from './app.js';
import { openFake } from './fake-portwatch.js';
import { syntheticState } from './synthetic.js';

const HOUR = 3600_000;

function historyOf(sockets: Socket[], now: number): HistoryResult {
  const entries: HistoryEntry[] = sockets.slice(0, 60).map((s, i) => ({
    ...s,
    kind: s.listening ? 'listener' : 'connection',
    openedAt: now - (i + 1) * 7 * 60_000 - 95_000,
    closedAt: now - (i + 1) * 7 * 60_000,
    bytesSent: s.listening ? 0 : 1000 * (i + 1) ** 2,
    bytesReceived: s.listening ? 0 : 5000 * (i + 1),
    remoteHost: s.remoteAddress === '140.82.112.3' ? 'lb-140-82-112-3-iad.github.com' : null,
    remoteCountry: s.remoteAddress !== null && !s.remoteAddress.startsWith('192.168.') ? 'US' : null,
    remoteAsn: null,
    remoteOrg: null,
  }));
  const name = entries.find((e) => !e.listening && e.process !== null)!;
  entries[1] = { ...name, id: `${name.id}-x`, process: { ...name.process!, name: '=cmd|calc' } };
  const totals = { connections: 0, listeners: 0, bytesSent: 0, bytesReceived: 0 };
  for (const e of entries) {
    if (e.kind === 'connection') totals.connections++;
    else totals.listeners++;
    totals.bytesSent += e.bytesSent ?? 0;
    totals.bytesReceived += e.bytesReceived ?? 0;
  }
  return { entries, matched: entries.length, totals, oldest: now - 9 * 24 * HOUR, warnings: [] };
}

test('History: entries with totals, "while you were away", the filter sent to the engine, sort, copy and Export ▾ (the menu every view has)', async ({ page }) => {
  const state = syntheticState(200);
  const now = Date.now();
  await page.addInitScript(`localStorage.setItem('portwatch.history.lastSeen', '${now - 2 * HOUR}')`);
  const fake = await openFake(page, state);
  fake.history = historyOf(state.snapshot.sockets.slice(20), now);
  await page.getByRole('tab', { name: 'History' }).click();
  const table = page.getByRole('table', { name: 'History entries' });
  await expect(table.locator('tbody tr')).toHaveCount(60);
  await expect(page.getByText('While you were away')).toBeVisible();
  await expect(page.locator('.history-summary')).toContainText('60 entries');

  // The engine answers the range and the filter.
  await page.getByRole('textbox', { name: 'Filter history' }).fill('port:443 proc:firefox');
  await expect.poll(() => fake.calls.filter((c) => c.method === 'queryHistory').map((c) => (c.args[0] as { filter?: string } | undefined)?.filter)).toContain('port:443 proc:firefox');
  await page.getByRole('textbox', { name: 'Filter history' }).fill('');
  await page.getByRole('combobox', { name: 'Time range' }).selectOption('7d');
  await expect.poll(() => {
    const last = fake.calls.filter((c) => c.method === 'queryHistory').at(-1)?.args[0] as { since?: number } | undefined;
    return last?.since !== undefined && Math.abs(last.since - (Date.now() - 7 * 24 * HOUR)) < 60_000;
  }).toBe(true);

  // Sorted by bytes sent, most first.
  await table.getByRole('button', { name: 'Sent' }).click();
  await table.getByRole('button', { name: 'Sent' }).click();
  await expect(table.locator('thead th[aria-sort="descending"]')).toHaveText(/Sent/);
  await table.locator('tbody tr').first().click();
  await screenshot(page, 'history');

  const exportButton = page.locator('.history-toolbar').getByRole('button', { name: 'Export ▾' });
  const csv = await exported(page, exportButton, /CSV/, 'history-export-menu');
  expect(csv.name).toMatch(/^portwatch-history-.*\.csv$/);
  const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
  expect(rows).toHaveLength(60);
  expect(rows.some((r) => r.process === "'=cmd|calc")).toBe(true);
  expect(rows.every((r) => !r.process!.startsWith('='))).toBe(true);
  const ndjson = await exported(page, exportButton, /NDJSON/);
  expect(ndjson.name).toMatch(/^portwatch-history-.*\.ndjson$/);
  expect(ndjson.text.trim().split('\n').map((l) => (JSON.parse(l) as { closedAt: number }).closedAt)).toHaveLength(60);

  // Nothing to save, nothing to click.
  fake.history = { ...fake.history, entries: [], matched: 0, totals: { connections: 0, listeners: 0, bytesSent: 0, bytesReceived: 0 } };
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(exportButton).toBeDisabled();
});

test('History: a host that keeps none says so plainly', async ({ page }) => {
  const fake = await openFake(page, syntheticState(50));
  fake.history = { entries: [], matched: 0, totals: { connections: 0, listeners: 0, bytesSent: 0, bytesReceived: 0 }, oldest: null, warnings: [] };
  await page.getByRole('tab', { name: 'History' }).click();
  await expect(page.getByText('Nothing recorded yet: connections that close while Portwatch runs appear here.')).toBeVisible();
});

test('Close connection… from a row menu: the dialog names the connection and its process, then says the outcome', async ({ page }) => {
  const state = syntheticState(120);
  const fake = await openFake(page, state);
  await expect(socketRows(page).first()).toBeVisible();
  const target = closableConnection(state, fake);
  await page.getByRole('searchbox', { name: 'Filter' }).fill(`port:${target.localPort} state:established`);
  const row = page.locator(`[role="row"][data-id="${target.id}"]`);
  await row.click({ button: 'right' });
  await page.getByRole('menuitem', { name: /Close connection…/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Close this connection?' });
  await expect(dialog).toContainText(target.process!.name);
  await expect(dialog).toContainText(`${target.localPort}`);
  await screenshot(page, 'close-connection');
  await dialog.getByRole('button', { name: 'Close connection' }).click();
  await expect(dialog.getByRole('status')).toContainText('Closed');
  const call = fake.calls.find((c) => c.method === 'closeConnection')!;
  expect(call.args[0]).toEqual({ local: `${target.family === 6 ? `[${target.localAddress}]` : target.localAddress}:${target.localPort}`, remote: `${target.family === 6 ? `[${target.remoteAddress}]` : target.remoteAddress}:${target.remotePort}` });
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(dialog).toHaveCount(0);

  // A listener has no "Close connection…".
  await page.getByRole('searchbox', { name: 'Filter' }).fill('state:listen');
  await socketRows(page).first().click({ button: 'right' });
  await expect(page.getByRole('menuitem', { name: 'Copy row' })).toBeVisible();
  await expect(page.getByRole('menuitem', { name: /Close connection/ })).toHaveCount(0);
  await page.keyboard.press('Escape');
});

test('Export ▾ saves what the view shows, after its filter', async ({ page }) => {
  const state = syntheticState(150);
  await openFake(page, state);
  await expect(socketRows(page).first()).toBeVisible();
  await page.getByRole('searchbox', { name: 'Filter' }).fill('proto:tcp');
  const expected = state.snapshot.sockets.filter((s) => s.protocol === 'tcp').length;
  const exportButton = page.getByRole('button', { name: 'Export ▾' });
  const csv = await exported(page, exportButton, /CSV/);
  expect(csv.name).toMatch(/^portwatch-connections-.*\.csv$/);
  expect(parse(csv.text, { columns: true })).toHaveLength(expected);
  const json = await exported(page, exportButton, /^JSON/);
  expect((JSON.parse(json.text) as { sockets: Socket[] }).sockets).toHaveLength(expected);
});

test('History: the retention is shown and set from the view', async ({ page }) => {
  const fake = await openFake(page, syntheticState(50));
  fake.history = historyOf(syntheticState(50).snapshot.sockets, Date.now());
  await page.getByRole('tab', { name: 'History' }).click();
  await page.getByRole('button', { name: 'Keeps 30 days · 200 MB' }).click();
  const form = page.getByRole('form', { name: 'History retention' });
  await form.getByLabel('Days to keep').fill('0');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('alert')).toHaveText('keep history at least 1 day');
  await screenshot(page, 'history-retention-form');
  await form.getByLabel('Days to keep').fill('7');
  await form.getByLabel('Megabytes to keep').fill('50');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('button', { name: 'Keeps 7 days · 50 MB' })).toBeVisible();
  expect(fake.calls.filter((c) => c.method === 'setHistoryRetention').map((c) => c.args[0])).toEqual([{ maxAgeDays: 7, maxMegabytes: 50 }]);
  await screenshot(page, 'history-retention');
});
