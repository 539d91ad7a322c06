// The desktop app itself, through Playwright's Electron driver, where Electron's runtime is
// installed. The renderer there talks to window.portwatch (the preload's IPC bridge), not to a
// WebSocket. On machines without the runtime (it cannot be downloaded here) these are skipped.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { startHolder, stopAll } from '../tests/helpers/children.js';
import { screenshot, socketRows } from './app.js';

/** The Electron executable, found as the electron package would find it, without loading it. */
function electronBinary(): string | null {
  const dir = join(process.cwd(), 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();

test.describe('Electron app', () => {
  test.skip(binary === null, "Electron's runtime is not installed on this machine (it cannot be downloaded here)");

  test.afterEach(async () => {
    await stopAll();
  });

  test('opens a window that shows live sockets through window.portwatch, the engine in a utility process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'portwatch-electron-'));
    const app = await electron.launch({
      executablePath: binary!,
      // --allow-root: CI runs as root; the app refuses that unless told (see src/main/privileges.ts).
      args: ['--no-sandbox', process.cwd(), '--allow-root'],
      cwd: process.cwd(),
      env: { ...process.env, PORTWATCH_DATA_DIR: dataDir } as Record<string, string>,
    });
    try {
      const win = await app.firstWindow();
      await expect(win.getByRole('grid', { name: 'Connections' })).toBeVisible({ timeout: 30_000 });
      expect(await win.evaluate(() => typeof (globalThis as { portwatch?: unknown }).portwatch)).toBe('object');
      await expect(win.getByText('Reading the socket tables…')).toHaveCount(0);

      const holder = await startHolder([{ name: 'srv', kind: 'tcp-listen', host: '127.0.0.1' }]);
      await win.getByLabel('Filter').fill(`pid:${holder.pid}`);
      await expect(socketRows(win).filter({ hasText: 'pw-holder' })).toHaveCount(1);
      await screenshot(win, 'electron-connections');

      await win.getByRole('tab', { name: /Listening/ }).click();
      await expect(socketRows(win).filter({ hasText: 'loopback only' })).toHaveCount(1);

      // The engine is a utility process of its own, not the main process.
      const metrics = await app.evaluate(({ app: electronApp }) => electronApp.getAppMetrics().map((m) => ({ type: m.type, name: m.name ?? null, pid: m.pid })));
      const mainPid = await app.evaluate(() => process.pid);
      const engine = metrics.find((m) => m.type === 'Utility' && m.name === 'Portwatch engine');
      expect(engine, JSON.stringify(metrics)).toBeDefined();
      expect(engine!.pid).not.toBe(mainPid);
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
