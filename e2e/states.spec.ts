// What the user sees in the moments the real machine will not produce on demand: highlights of new,
// changed and closing rows together, a dropped connection, a failing poll, sockets whose owners are
// hidden, a seq gap, the dark theme. The page is the shipped build; only the engine is scripted.
import { expect, test, type Page } from '@playwright/test';
import type { Socket } from '../src/shared/model.js';
import { screenshot, socketRows } from './app.js';
import { openFake } from './fake-portwatch.js';
import { conflictSockets, nextDelta, rng, status, syntheticState } from './synthetic.js';

async function loaded(page: Page) {
  await expect(page.getByText('Reading the socket tables…')).toHaveCount(0);
  await expect(socketRows(page).first()).toBeVisible();
}

test('new, changed and closing rows are highlighted together, then settle', async ({ page }) => {
  const state = syntheticState(400);
  const fake = await openFake(page, state);
  await loaded(page);
  const live = new Map<string, Socket>(state.snapshot.sockets.map((s) => [s.id, s]));
  // Sort youngest first so the new rows are on screen.
  await page.getByRole('columnheader', { name: 'Age' }).getByRole('button').click();
  fake.sendDelta(nextDelta(live, 2, 9, rng(3)));
  await expect(page.locator('[role="row"][data-flag="new"]').first()).toBeVisible();
  await expect(page.locator('[role="row"][data-flag]').first()).toBeVisible();
  await expect.poll(() => page.locator('[data-flag="new"]').count()).toBeGreaterThan(0);
  await socketRows(page).nth(1).click();
  await screenshot(page, 'connections-live');
  // Closing rows leave and highlights lapse after about three seconds (timers in a page on a busy
  // machine run late: the default wait, not a tight one).
  await expect(page.locator('[role="row"][data-flag]')).toHaveCount(0);
});

test('the connection drops: the page says so, reconnects by itself and reads the state again', async ({ page }) => {
  const fake = await openFake(page, syntheticState(300));
  await loaded(page);
  fake.refuse = true;
  fake.drop();
  await expect(page.getByRole('alert').filter({ hasText: 'Lost the connection to Portwatch; reconnecting…' })).toBeVisible();
  await expect(page.getByText('Offline')).toBeVisible();
  await screenshot(page, 'disconnected');
  const before = fake.calls.filter((c) => c.method === 'getState').length;
  fake.refuse = false;
  await expect(page.getByText('Lost the connection to Portwatch; reconnecting…')).toHaveCount(0);
  expect(fake.calls.filter((c) => c.method === 'getState').length).toBe(before + 1);
});

test('a seq gap makes the page fetch the full state again', async ({ page }) => {
  const state = syntheticState(200);
  const fake = await openFake(page, state);
  await loaded(page);
  const live = new Map<string, Socket>(state.snapshot.sockets.map((s) => [s.id, s]));
  const r = rng(5);
  fake.sendDelta(nextDelta(live, 2, 4, r));
  nextDelta(live, 3, 4, r); // lost on the way
  const d4 = nextDelta(live, 4, 4, r);
  fake.state = { seq: 4, snapshot: { takenAt: d4.takenAt, sockets: [...live.values()] }, status: state.status, traffic: null };
  fake.sendDelta(d4);
  await expect.poll(() => fake.calls.filter((c) => c.method === 'getState').length).toBe(2);
  await expect(page.getByRole('tab', { name: /Connections/ })).toContainText(live.size.toLocaleString('en-US'));
});

test('loading, a failing poll and hidden owners are each said plainly', async ({ page }) => {
  const state = syntheticState(300);
  // Sockets of other users: an inode but no owner.
  state.snapshot.sockets = state.snapshot.sockets.map((s, i) => (i % 4 === 0 && s.inode !== 0 ? { ...s, pid: null, process: null } : s));
  state.status = status({ warnings: { skippedLines: 0, unattributed: 60, deniedProcesses: 12 } });
  const fake = await openFake(page, state, { stateDelayMs: 1500 });
  await expect(page.getByText('Reading the socket tables…').first()).toBeVisible();
  await screenshot(page, 'loading');
  await loaded(page);
  await expect(page.getByText("Portwatch cannot see other users' processes; run it with more rights to attribute them")).toBeVisible();
  await screenshot(page, 'unattributed');
  fake.sendStatus(status({ state: 'backing-off', error: 'cannot read /proc/net/tcp: Permission denied', consecutiveFailures: 3 }));
  await expect(page.getByRole('alert').filter({ hasText: 'cannot read /proc/net/tcp: Permission denied' })).toBeVisible();
  await expect(page.getByText('Retrying')).toBeVisible();
  await screenshot(page, 'errors');
});

test('dark theme: connections grouped by process, and the listening view', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  const state = syntheticState(500);
  const fake = await openFake(page, state);
  await loaded(page);
  const live = new Map<string, Socket>(state.snapshot.sockets.map((s) => [s.id, s]));
  fake.sendDelta(nextDelta(live, 2, 6, rng(11)));
  await socketRows(page).nth(2).click();
  await screenshot(page, 'connections-dark');
  await page.getByRole('button', { name: 'Group by process' }).click();
  await page.locator('[role="row"].group').nth(1).getByRole('button').click();
  await screenshot(page, 'grouped-dark');
  await page.getByRole('tab', { name: /Listening/ }).click();
  await expect(page.getByRole('grid', { name: 'Listening ports' })).toBeVisible();
  await expect(socketRows(page).first()).toContainText('all interfaces');
  await screenshot(page, 'listening-dark');
});

test('light theme: the listening view of a busy machine', async ({ page }) => {
  await openFake(page, syntheticState(500));
  await loaded(page);
  await page.getByRole('tab', { name: /Listening/ }).click();
  await expect(socketRows(page).first()).toContainText('all interfaces');
  await socketRows(page).first().click();
  await screenshot(page, 'listening-busy');
});

test('the token leaves the address bar and history at once, and a reload of the tab still connects', async ({ page }) => {
  const fake = await openFake(page, syntheticState(10));
  await loaded(page);
  expect(page.url()).toBe(`${fake.origin}/`);
  // The entry itself was rewritten: back and forward again, no token.
  await page.goBack();
  await page.goForward();
  await loaded(page);
  expect(page.url()).toBe(`${fake.origin}/`);
  const before = fake.calls.filter((c) => c.method === 'getState').length;
  const documents: string[] = [];
  page.on('request', (r) => r.resourceType() === 'document' && documents.push(r.url()));
  await page.reload();
  await loaded(page);
  // The reload asked for the address as rewritten: the token went nowhere near the server's URL again.
  expect(documents).toEqual([`${fake.origin}/`]);
  await screenshot(page, 'reloaded-without-token');
  expect(fake.calls.filter((c) => c.method === 'getState').length).toBeGreaterThan(before);
});

test('without the token in its address the page says how to open it', async ({ page }) => {
  const fake = await openFake(page, syntheticState(10));
  // A tab of its own: the first one keeps its token for reloads.
  const other = await page.context().newPage();
  await other.goto(`${fake.origin}/`);
  await expect(other.getByRole('alert')).toContainText('carries the token');
});

test('a narrow window keeps the table usable and puts the details below it', async ({ page }) => {
  await page.setViewportSize({ width: 1000, height: 700 });
  await openFake(page, syntheticState(300));
  await loaded(page);
  await socketRows(page).nth(3).click();
  await expect(page.getByRole('complementary', { name: 'Details' }).getByRole('heading', { level: 2 })).toBeVisible();
  await expect(page.getByLabel('Filter')).toBeVisible();
  await screenshot(page, 'narrow');
});

test('the toolbar buttons show their words where they fit, and keep their names for screen readers where they do not', async ({ page }) => {
  await openFake(page, syntheticState(300));
  await loaded(page);
  const buttons = [page.getByRole('button', { name: 'Pause' }), page.getByRole('button', { name: 'Group by process' })];
  for (const b of buttons) await expect(b.locator('.label-text')).toBeVisible();
  await page.setViewportSize({ width: 1024, height: 700 });
  for (const b of buttons) {
    await expect(b).toBeVisible();
    await expect(b.locator('.label-text')).toBeHidden();
  }
  await screenshot(page, 'toolbar-1024');
});

test('every kind of port conflict, explained, in light and dark; an engine refusal in the end-process dialog', async ({ page }) => {
  const state = syntheticState(400);
  state.snapshot.sockets.push(...conflictSockets());
  const fake = await openFake(page, state);
  await loaded(page);
  await page.getByRole('tab', { name: /Ports/ }).click();
  const cards = page.locator('article[data-conflict]');
  await expect(cards).toHaveCount(4);
  // The possible hijack comes first and says so.
  await expect(cards.first()).toHaveAttribute('data-conflict', 'shared-port');
  await expect(cards.first().getByRole('heading')).toHaveText('Port 5353 shared by 2 processes (UDP)');
  await expect(cards.first()).toContainText('Possible port hijack.');
  await expect(page.locator('article[data-conflict="localhost-split"] h3')).toHaveText('localhost split on port 3000 (TCP)');
  await expect(page.locator('article[data-conflict="wildcard-specific"] h3')).toHaveText('0.0.0.0:8080 shadows 127.0.0.1:8080');
  await expect(page.locator('article[data-conflict="still-busy"] h3')).toHaveText('Port 5000 still busy');
  await expect(page.locator('article[data-conflict="still-busy"]')).toContainText('Clears by');
  await expect(page.getByRole('tab', { name: /Ports/ }).getByTestId('conflict-count')).toHaveText(/^4/);
  await screenshot(page, 'ports-all-kinds');
  await page.locator('article[data-conflict="still-busy"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'ports-all-kinds-more');
  await page.locator('.ports').evaluate((el) => el.scrollTo({ top: 0 }));
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, 'ports-all-kinds-dark');

  await page.locator('article[data-conflict="localhost-split"]').getByRole('button', { name: 'Look up port 3000' }).click();
  const lookup = page.getByRole('region', { name: 'Port 3000' });
  await expect(lookup.locator('tr[data-protocol="tcp"][data-address="::1"]')).toContainText('TAKEN by vite (pid 6120)');
  await expect(lookup.locator('tr[data-protocol="tcp"][data-address="127.0.0.1"]')).toContainText('TAKEN by node (pid 5150) on 0.0.0.0');
  await screenshot(page, 'ports-lookup-synthetic-dark');

  fake.endResult = { error: 'not permitted to end pid 6120 (vite); run Portwatch with more rights' };
  await lookup.getByRole('button', { name: 'End vite (pid 6120)…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Grace period').fill('10');
  await dialog.getByRole('button', { name: 'End process' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('not permitted to end pid 6120 (vite); run Portwatch with more rights');
  expect(fake.calls.find((c) => c.method === 'endProcess')?.args).toEqual([{ pid: 6120, startedAt: expect.any(Number), graceMs: 10_000 }]);
  await screenshot(page, 'end-refused-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await screenshot(page, 'end-refused');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);

  // A narrow window: the details go below, the lookup and the cards still read.
  await page.setViewportSize({ width: 1000, height: 760 });
  await screenshot(page, 'ports-narrow');
});
