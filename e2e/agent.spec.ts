// A view attached to a Portwatch agent says whose engine it shows and with what rights, and marks a
// watch-only connection. The page is the shipped build; only the engine is scripted.
import { expect, test } from '@playwright/test';
import { screenshot, socketRows } from './app.js';
import { openFake } from './fake-portwatch.js';
import { status, syntheticState } from './synthetic.js';

test('the header names the agent, its rights and a watch-only connection', async ({ page }) => {
  const state = syntheticState(200);
  state.status = status({ engine: { host: 'agent', pid: 812, user: 'root', uid: 0, rights: 'root', access: 'read-only' } });
  await openFake(page, state);
  await expect(socketRows(page).first()).toBeVisible();
  const badge = page.locator('.engine-agent');
  await expect(badge).toHaveText('agent as root: every process visible · watch only');
  await expect(badge).toHaveClass(/read-only/);
  await screenshot(page, 'attached-to-agent');
});

test('a view of its own engine shows no agent badge', async ({ page }) => {
  const state = syntheticState(50);
  state.status = status({ engine: { host: 'serve', pid: 900, user: 'ada', uid: 1000, rights: 'user', access: 'full' } });
  await openFake(page, state);
  await expect(socketRows(page).first()).toBeVisible();
  await expect(page.locator('.engine-agent')).toHaveCount(0);
});
