// An engine that cannot start: the app says why in a dialog and ends with status 1, instead of
// living on without a window while holding the single-instance lock.
import { EventEmitter } from 'node:events';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startApp, STARTUP_FAILED_TITLE } from '../../../src/main/app.js';
import type { EngineProcess } from '../../../src/core/engine-client.js';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';
import { app, DESKTOP_USER, dialog, FakeBrowserWindow } from './fake-electron.js';
import { WAIT } from '../../helpers/wait.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

afterAll(removeDataDirs);

/** An engine process that answers 'open' with 'failed', then exits 1. */
function failingEngine(): EngineProcess {
  const proc = Object.assign(new EventEmitter(), {
    pid: 4242,
    kill: () => true,
    postMessage(message: { type: string }) {
      if (message.type !== 'open') return;
      queueMicrotask(() => {
        proc.emit('message', { type: 'failed', message: 'cannot read any socket table here' });
        proc.emit('exit', 1);
      });
    },
  });
  return proc as unknown as EngineProcess;
}

describe('startApp when the engine cannot start', () => {
  it('shows an error dialog with the reason and exits non-zero; no window', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const portwatch = startApp({ mainDir: '/opt/portwatch/out/main', engine: { dataDir: tempDataDir('app-fail') }, forkEngine: failingEngine, startup: DESKTOP_USER })!;
    app.becomeReady();
    await expect(portwatch.ready).rejects.toThrow('cannot read any socket table here');
    await vi.waitFor(() => expect(app.exitCode).toBe(1), WAIT);
    expect(dialog.errors).toEqual([{ title: STARTUP_FAILED_TITLE, content: 'the Portwatch engine could not open: cannot read any socket table here' }]);
    expect(FakeBrowserWindow.created).toHaveLength(0);
    errors.mockRestore();
  });
});
