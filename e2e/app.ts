// Helpers shared by the browser-mode specs: open the UI served by global-setup, find rows, save
// screenshots where the run keeps them as artifacts, read what an export saved, script a close.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import type { FullState } from '../src/shared/api.js';
import type { Socket } from '../src/shared/model.js';
import type { FakePortwatch } from './fake-portwatch.js';

export const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

export function appUrl(): string {
  const url = process.env.PORTWATCH_URL;
  if (!url) throw new Error('PORTWATCH_URL is not set: run through playwright.config.ts (its global setup starts portwatch serve)');
  return url;
}

/** Opens the UI and waits until the first full state is on screen. */
export async function openApp(page: Page, url = appUrl()): Promise<void> {
  await page.goto(url);
  await expect(page.getByRole('grid', { name: 'Connections' })).toBeVisible();
  await expect(page.getByText('Reading the socket tables…')).toHaveCount(0);
}

/** Socket rows (not group headings) of the visible grid. */
export function socketRows(page: Page): Locator {
  return page.locator('[role="grid"] [role="row"][data-id]');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * Opens an Export ▾ menu (`button`), chooses the format, and returns the file the page saved; with
 * `shot`, a screenshot of the open menu first.
 */
export async function exported(page: Page, button: Locator, format: RegExp, shot?: string): Promise<{ name: string; text: string }> {
  await button.click();
  if (shot !== undefined) await screenshot(page, shot);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: format }).click()]);
  return { name: download.suggestedFilename(), text: readFileSync(await download.path(), 'utf8') };
}

/** An established TCP connection with an owner in `state`, which the scripted engine now closes when asked. */
export function closableConnection(state: FullState, fake: FakePortwatch): Socket {
  const target = state.snapshot.sockets.find((s) => s.protocol === 'tcp' && s.state === 'ESTABLISHED' && s.process !== null)!;
  fake.closeResult = {
    outcome: 'closed',
    connection: { family: target.family, localAddress: target.localAddress, localPort: target.localPort, remoteAddress: target.remoteAddress!, remotePort: target.remotePort!, state: 'ESTABLISHED' },
    message: `Closed ${target.localAddress}:${target.localPort} ↔ ${target.remoteAddress}:${target.remotePort} (was ESTABLISHED).`,
  };
  return target;
}

/** Collects what the page logs as errors (CSP violations, exceptions) so a spec can insist on none. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

/**
 * Records every row flag (new, changed, closing) the page shows from now on, with the row's text:
 * flags last about three seconds, and on a busy machine a check made after the fact can miss one
 * the user did see. Returns a reader of what was recorded.
 */
export async function recordFlags(page: Page): Promise<() => Promise<{ flag: string; text: string }[]>> {
  // Page code as text: the specs compile without DOM types.
  await page.evaluate(`(() => {
    const seen = (window.__flags = []);
    const note = (el) => {
      const flag = el.getAttribute('data-flag');
      if (flag !== null && el.getAttribute('role') === 'row') seen.push({ flag, text: el.textContent ?? '' });
    };
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'attributes') note(r.target);
        for (const n of r.addedNodes) if (n instanceof Element) [n, ...n.querySelectorAll('[data-flag]')].forEach(note);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-flag'] });
  })()`);
  return () => page.evaluate<{ flag: string; text: string }[]>('window.__flags.slice()');
}
