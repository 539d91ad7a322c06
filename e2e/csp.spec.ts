// The page's CSP has one source (src/shared/csp.ts): the built index.html that browser mode serves
// carries exactly its meta policy, once, and the server's header is the same source's for its port.
import { expect, test } from '@playwright/test';
import { browserModeCsp, PAGE_META_CSP } from '../src/shared/csp.js';
import { appUrl, openApp, pageErrors } from './app.js';

test('the built page carries exactly the shared CSP, and the server sends the shared header', async ({ page }) => {
  const errors = pageErrors(page);
  const response = await page.goto(appUrl());
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toBe(browserModeCsp(Number(new URL(appUrl()).port)));
  const metas = page.locator('meta[http-equiv="Content-Security-Policy"]');
  await expect(metas).toHaveCount(1);
  expect(await metas.getAttribute('content')).toBe(PAGE_META_CSP);
  // Under both policies the page still starts, and breaks neither.
  await openApp(page);
  expect(errors).toEqual([]);
});
