// The app's start-up on a real desktop's terms, electron faked and the engine real: root is refused
// with a dialog unless asked for, Windows gets its AppUserModelID, the app's userData IS the data
// folder the CLI uses (a rule trusted with `portwatch trust` is the app's), and "Start at login" on
// Linux writes and removes the XDG autostart entry.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { APP_USER_MODEL_ID, startApp, type PortwatchApp } from '../../../src/main/app.js';
import { ROOT_TITLE } from '../../../src/main/privileges.js';
import { resolveDataDir } from '../../../src/core/store/data-dir.js';
import { channel } from '../../../src/shared/api.js';
import type { TrustState } from '../../../src/shared/alerts.js';
import { ROOT } from '../../helpers/cli.js';
import { removeDataDirs, tempDataDir } from '../../helpers/data-dirs.js';
import { app, DESKTOP_USER, dialog, FakeBrowserWindow, FakeTray, ipcMain } from './fake-electron.js';
import { WAIT } from '../../helpers/wait.js';

vi.mock('electron', async () => (await import('./fake-electron.js')).electronModule);

const mainDir = '/opt/portwatch/out/main';
let portwatch: PortwatchApp | null = null;
afterAll(async () => {
  await portwatch?.engine.close();
  removeDataDirs();
});

/** The environment of a desktop session whose config folder is a temporary one. */
function sessionEnv(configHome: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: configHome };
  delete env['PORTWATCH_DATA_DIR'];
  return env;
}

describe('startApp on a real desktop', () => {
  it('refuses to run as root, in a dialog that says the better way, and ends with status 1', () => {
    expect(startApp({ mainDir, startup: { ...DESKTOP_USER, uid: 0, env: {} } })).toBeNull();
    expect(dialog.errors).toHaveLength(1);
    expect(dialog.errors[0]!.title).toBe(ROOT_TITLE);
    expect(dialog.errors[0]!.content).toMatch(/as your own user/);
    expect(dialog.errors[0]!.content).toMatch(/sudo portwatch agent/);
    expect(dialog.errors[0]!.content).toMatch(/--allow-root/);
    expect(app.exitCode).toBe(1);
    // Nothing else happened: no lock taken, no sandbox switch, no handler.
    expect(app.nameAtLock).toBeNull();
    expect(app.listenerCount('web-contents-created')).toBe(0);
    dialog.errors.length = 0;
    app.exitCode = null;
    app.exited = false;
  });

  it('names itself for Windows notifications (AppUserModelID) before anything else', () => {
    app.gotLock = false;
    expect(startApp({ mainDir, engine: { dataDir: tempDataDir('app-startup') }, startup: { ...DESKTOP_USER, platform: 'win32' } })).toBeNull();
    expect(app.appUserModelId).toBe(APP_USER_MODEL_ID);
    // The installer registers the app under its appId: notifications show only when the two agree.
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { build: { appId: string } };
    expect(APP_USER_MODEL_ID).toBe(manifest.build.appId);
    app.gotLock = true;
    app.quitCalls = 0;
    app.exited = false;
  });

  it('keeps its userData in the data folder the CLI uses; runs as root when asked to; start at login is an XDG autostart entry', async () => {
    const configHome = tempDataDir('app-config');
    const env = sessionEnv(configHome);
    const folder = join(configHome, 'Portwatch');
    // What `portwatch` resolves in the same session, and what Electron would call userData for "Portwatch".
    expect(resolveDataDir(null, env)).toBe(folder);

    // A rule trusted with the CLI in that session, before the app starts.
    const trusted = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'trust', '--exe', '/opt/pw-same-folder/app'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(trusted.stdout).toBe('Trusted: /opt/pw-same-folder/app.\n');

    portwatch = startApp({ mainDir, startup: { ...DESKTOP_USER, uid: 0, argv: ['electron', '.', '--allow-root'], env, platform: 'linux' } })!;
    expect(portwatch).not.toBeNull();
    expect(app.getPath('userData')).toBe(folder);
    expect(app.userDataAtLock).toBe(folder);
    app.becomeReady();
    await portwatch.ready;
    expect(portwatch.engine.opening?.dataDir).toBe(folder);
    const w = FakeBrowserWindow.created.at(-1)!;
    const state = (await ipcMain.invoke(channel.request('getTrustState'), { sender: w.webContents, senderFrame: w.webContents.mainFrame })) as TrustState;
    expect(state.rules).toContainEqual({ kind: 'executable', exe: '/opt/pw-same-folder/app' });

    // Start at login, from the tray: the entry runs this app hidden.
    const entry = join(configHome, 'autostart', 'portwatch.desktop');
    const menu = () => FakeTray.created[0]!.menu!;
    expect(menu().item('start-at-login')).toMatchObject({ type: 'checkbox', checked: false });
    menu().click('start-at-login');
    await vi.waitFor(() => {
      expect(existsSync(entry)).toBe(true);
      expect(menu().item('start-at-login')?.checked).toBe(true);
    }, WAIT);
    expect(readFileSync(entry, 'utf8')).toContain(`\nExec=${process.execPath} /opt/portwatch --hidden\n`);
    menu().click('start-at-login');
    await vi.waitFor(() => {
      expect(existsSync(entry)).toBe(false);
      expect(menu().item('start-at-login')?.checked).toBe(false);
    }, WAIT);

    menu().click('quit');
    await vi.waitFor(() => expect(app.exited).toBe(true), WAIT);
  });
});
