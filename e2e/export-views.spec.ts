// Export ▾ on the Processes, Alerts and Ports views (the same menu as Connections and Listening): each
// saves what its view shows, as CSV and JSON, formula cells neutralised.
import { parse } from 'csv-parse/sync';
import { expect, test } from '@playwright/test';
import { exported, screenshot, socketRows } from './app.js';
import { openFake } from './fake-portwatch.js';
import { conflictSockets, syntheticAlerts, syntheticState, withTraffic } from './synthetic.js';

test('Processes: Export ▾ saves the processes as the table lists them', async ({ page }) => {
  const { state } = withTraffic(syntheticState(600), 60);
  await openFake(page, state);
  await expect(socketRows(page).first()).toBeVisible();
  await page.getByRole('tab', { name: 'Processes' }).click();
  const rows = page.locator('.processes-row.row');
  await expect(rows.first()).toBeVisible();
  const shown = await rows.locator('.cell.name').allTextContents();
  const button = page.locator('.processes-view').getByRole('button', { name: 'Export ▾' });
  const csv = await exported(page, button, /CSV/, 'export-processes-menu');
  expect(csv.name).toMatch(/^portwatch-processes-.*\.csv$/);
  const lines = parse(csv.text, { columns: true }) as Record<string, string>[];
  expect(lines.map((l) => l.process)).toEqual(shown);
  expect(Object.keys(lines[0]!)).toEqual(['pid', 'process', 'user', 'exe', 'send_bytes_per_s', 'receive_bytes_per_s', 'bytes_sent', 'bytes_received', 'connections', 'listeners', 'remote_hosts']);
  const json = await exported(page, button, /^JSON/);
  expect((JSON.parse(json.text) as { processes: unknown[] }).processes).toHaveLength(shown.length);
});

test('Alerts: Export ▾ saves the alerts the filters show', async ({ page }) => {
  const { alerts, trees } = syntheticAlerts();
  await openFake(page, syntheticState(100), { alerts, alertTrees: trees });
  await page.getByRole('tab', { name: /Alerts/ }).click();
  await expect(page.locator('.alert-row.row').first()).toBeVisible();
  await page.getByRole('button', { name: /^High/ }).click();
  const highs = alerts.filter((a) => a.severity === 'high' && a.acknowledgedAt === null).length;
  const button = page.locator('.alerts-head').getByRole('button', { name: 'Export ▾' });
  const csv = await exported(page, button, /CSV/, 'export-alerts-menu');
  expect(csv.name).toMatch(/^portwatch-alerts-.*\.csv$/);
  const lines = parse(csv.text, { columns: true }) as Record<string, string>[];
  expect(lines.length).toBe(highs);
  expect(lines.every((l) => l.severity === 'high')).toBe(true);
  const ndjson = await exported(page, button, /NDJSON/);
  expect(ndjson.text.trim().split('\n')).toHaveLength(highs);
});

test('Ports: Export ▾ saves the port conflicts, and a lookup its sockets', async ({ page }) => {
  const state = syntheticState(200);
  state.snapshot.sockets.push(...conflictSockets());
  await openFake(page, state);
  await expect(socketRows(page).first()).toBeVisible();
  await page.getByRole('tab', { name: 'Ports' }).click();
  const section = page.getByRole('region', { name: 'Port conflicts' });
  await expect(section.locator('.conflict-card').first()).toBeVisible();
  const cards = await section.locator('.conflict-card').count();
  const csv = await exported(page, section.getByRole('button', { name: 'Export ▾' }), /CSV/);
  expect(csv.name).toMatch(/^portwatch-conflicts-.*\.csv$/);
  const lines = parse(csv.text, { columns: true }) as Record<string, string>[];
  expect(lines).toHaveLength(cards);
  expect(lines[0]!.explanation!.length).toBeGreaterThan(20);

  await page.getByRole('textbox', { name: 'Port', exact: true }).fill('3000');
  await page.keyboard.press('Enter');
  const lookup = page.getByRole('region', { name: 'Port 3000' });
  await expect(lookup.getByRole('button', { name: 'Export ▾' })).toBeVisible();
  await screenshot(page, 'export-ports');
  const json = await exported(page, lookup.getByRole('button', { name: 'Export ▾' }), /^JSON/);
  expect(json.name).toMatch(/^portwatch-port-3000-.*\.json$/);
  const sockets = (JSON.parse(json.text) as { sockets: Array<{ localPort: number; remotePort: number | null }> }).sockets;
  expect(sockets.length).toBeGreaterThan(0);
  expect(sockets.every((s) => s.localPort === 3000 || s.remotePort === 3000)).toBe(true);
});
