// The built app, end to end, without the Electron runtime: the BUILT main bundle under Node with the
// stand-in electron (its engine forked from out/main/engine.js), the BUILT preload run in the page as
// Electron runs it, and the BUILT renderer in Chromium, loaded from the file the window loads. The
// preload's IPC goes to the main bundle's real handlers (sender checks and all), and what main sends
// the window comes back: the renderer cannot tell this from Electron.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { ensureBuilt, menuItems, OUT, startBuiltApp, startTime, type BuiltApp, type Report } from '../tests/helpers/built-app.js';
import { startHolder, stopAll } from '../tests/helpers/children.js';
import { cleanUpExeHolders, privateNode, startHolderWith } from '../tests/helpers/exe-holders.js';
import { removeDataDirs, tempDataDir } from '../tests/helpers/data-dirs.js';
import { preloadBridge } from '../tests/helpers/electron-stand-in/preload-bridge.mjs';
import { pageErrors, screenshot, socketRows } from './app.js';

// Electron gives its file:// pages file access; Chromium needs this flag to load the bundle's module
// scripts from file:// (Chromium's file:// origin is opaque otherwise).
test.use({
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--allow-file-access-from-files'],
  },
});

let app: BuiltApp | null = null;
test.beforeAll(() => ensureBuilt());
test.afterAll(async () => {
  if (app !== null && app.child.exitCode === null) console.log(`the app was still running; its last words:\n${app.stderr().slice(-3000)}\nlast reports: ${app.reports.slice(-8).map((r) => r.type).join(', ')}`);
  app?.kill();
  await stopAll();
  await cleanUpExeHolders();
  removeDataDirs();
});

/** Opens the window's page in Chromium with the built preload bridged to the app's IPC. */
async function openWindow(page: Page, built: BuiltApp, url: string, windowId: number): Promise<void> {
  await page.exposeBinding('__portwatchInvoke', async (_source, channel: string, args: string) => {
    const value = await built.invoke(channel, ...(JSON.parse(args) as unknown[]));
    return value === undefined ? undefined : JSON.stringify(value);
  });
  await page.addInitScript({ content: preloadBridge(readFileSync(join(OUT, 'preload', 'index.cjs'), 'utf8')) });
  // What main sends this window reaches the page, in order, once it can take it.
  let ready = false;
  const queued: Array<[string, unknown]> = [];
  const deliver = (ch: string, payload: unknown) =>
    page.evaluate(([c, p]) => (globalThis as unknown as { __portwatchEmit(c: string, p: string): void }).__portwatchEmit(c, p), [ch, JSON.stringify(payload)] as const).catch(() => {});
  built.child.on('message', (m: Report) => {
    if (m.type !== 'send' || (m as { window: number }).window !== windowId) return;
    const { channel, payload } = m as { channel: string; payload: unknown };
    if (ready) void deliver(channel, payload);
    else queued.push([channel, payload]);
  });
  await page.goto(url);
  ready = true;
  for (const [c, p] of queued.splice(0)) await deliver(c, p);
}

test('the built app: window, preload and renderer over the real IPC door, the engine in its own process, an alert to the tray', async ({ page }) => {
  const errors = pageErrors(page);
  const dataDir = tempDataDir('bridged');
  const env: NodeJS.ProcessEnv = { ...process.env, PORTWATCH_DATA_DIR: dataDir, PORTWATCH_ALLOW_ROOT: '1', PORTWATCH_TRAY: 'on' };
  delete env['ELECTRON_RENDERER_URL'];
  app = startBuiltApp(env);
  const built = app;

  const engine = await built.next<Extract<Report, { type: 'utility-process' }>>((r) => r.type === 'utility-process');
  expect(engine.pid).not.toBe(built.child.pid);
  const win = await built.next<Extract<Report, { type: 'window' }>>((r) => r.type === 'window');
  expect(win.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: join(OUT, 'preload', 'index.cjs') });
  expect(win.file).toBe(join(OUT, 'renderer', 'index.html'));

  await openWindow(page, built, win.url, win.window);
  await expect(page.getByRole('grid', { name: 'Connections' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText('Reading the socket tables…')).toHaveCount(0, { timeout: 60_000 });
  // The page has the preload's API and nothing of Node or of Electron.
  const globals = await page.evaluate(() => {
    const g = globalThis as { portwatch?: unknown; require?: unknown; process?: unknown };
    return { api: typeof g.portwatch, require: typeof g.require, process: typeof g.process };
  });
  expect(globals).toEqual({ api: 'object', require: 'undefined', process: 'undefined' });
  // The page's CSP holds here too: an inline script is refused.
  const violated = await page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        type Doc = {
          addEventListener(t: string, l: (e: { violatedDirective: string }) => void, o: { once: boolean }): void;
          createElement(t: string): { textContent: string };
          body: { append(n: unknown): void };
        };
        const doc = (globalThis as unknown as { document: Doc }).document;
        doc.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
        const s = doc.createElement('script');
        s.textContent = 'globalThis.__inline = true';
        doc.body.append(s);
      }),
  );
  expect(violated).toMatch(/^script-src/);

  // A real child's listener shows up as a row, from the engine process through main to the page.
  const holder = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
  await page.getByLabel('Filter').fill(`pid:${holder.pid}`);
  await expect(socketRows(page).filter({ hasText: 'pw-holder' })).toHaveCount(1);
  await expect(socketRows(page).filter({ hasText: `127.0.0.1:${holder.endpoints.l!.port}` })).toHaveCount(1);
  await screenshot(page, 'electron-bridged-connections');

  // A never-seen program: the page's Alerts view, the tray and a desktop notification all hear of it.
  await page.evaluate(() => (globalThis as unknown as { portwatch: { startLearning(s: number): Promise<unknown> } }).portwatch.startLearning(0));
  const exe = privateNode('pw-bridged');
  const stranger = await startHolderWith(exe, [{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
  await page.getByLabel('Filter').fill('');
  await page.getByRole('tab', { name: /Alerts/ }).click();
  const rows = page.getByRole('grid', { name: 'Alerts' }).locator('[role="row"][data-alert-id]').filter({ hasText: 'pw-bridged' });
  await expect(rows.first()).toBeVisible();
  await built.until(() => /, (1 new alert|\d+ new alerts)$/m.test(built.last('tray')?.tooltip ?? ''));
  const note = await built.next<Extract<Report, { type: 'notification' }>>((r) => r.type === 'notification' && /pw-bridged|new alerts/.test(`${(r as { title: string }).title} ${(r as { body: string }).body}`));
  expect(note.icon).toBe(true);
  await screenshot(page, 'electron-bridged-alerts');

  // A click on the alert in the tray opens it in the page.
  // (The menu lists the newest few: other programs' alerts on this machine are acknowledged first.)
  const alertItem = () => menuItems(built.last('tray')?.menu).find((i) => i.id?.startsWith('alert:') && i.label?.includes('pw-bridged'));
  // (However long it takes: the test's timeout catches a hang.)
  while (alertItem() === undefined) {
    for (const other of (await built.invoke('portwatch:listAlerts', { unacknowledged: true })) as Array<{ id: string; process: { name: string } | null }>) {
      if (other.process?.name !== 'pw-bridged') await built.invoke('portwatch:acknowledgeAlert', other.id);
    }
    await built.until(() => alertItem() !== undefined, 2000).catch(() => {});
  }
  built.trayClick(alertItem()!.id!);
  await expect(page.getByRole('complementary', { name: 'Alert details' })).toContainText('pw-bridged');

  // The engine process dies: the window and the tray say so, a new engine takes over, the page reloads
  // its state (the seqs jump) and shows the same child again.
  process.kill(engine.pid, 'SIGKILL');
  await expect(page.getByRole('alert').filter({ hasText: /the Portwatch engine stopped unexpectedly \(exit code \d+\); restarting it \(attempt 1 of 3\)/ })).toBeVisible();
  await built.next((r) => r.type === 'tray' && /^Portwatch — the Portwatch engine stopped unexpectedly/.test((r as { tooltip: string }).tooltip));
  await screenshot(page, 'electron-bridged-engine-restarting');
  const restarted = await built.next<Extract<Report, { type: 'utility-process' }>>((r) => r.type === 'utility-process' && (r as { pid: number }).pid !== engine.pid);
  await expect(page.getByRole('alert').filter({ hasText: /engine stopped/ })).toHaveCount(0);
  await page.getByRole('tab', { name: /Connections/ }).click();
  await page.getByLabel('Filter').fill(`pid:${holder.pid}`);
  await expect(socketRows(page).filter({ hasText: 'pw-holder' })).toHaveCount(1);

  // Quit from the tray: the app and its engine end.
  const engineStarted = startTime(restarted.pid);
  built.trayClick('quit');
  expect(await built.exited).toEqual({ code: 0, signal: null });
  expect(startTime(restarted.pid)).not.toBe(engineStarted);
  await stranger.exit();
  await holder.exit();
  // Nothing went wrong in the page but the inline script this test made it refuse.
  expect(errors.filter((e) => !e.startsWith('Executing inline script violates'))).toEqual([]);
});
