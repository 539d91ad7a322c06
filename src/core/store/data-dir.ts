// Where Portwatch keeps what the user told it (trust rules, the baseline) and what it saw (the alert
// log). The app and the CLI share one folder, so a rule trusted in one is trusted in the other.
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const APP_DIR_NAME = 'Portwatch';

/**
 * The per-user folder, as Electron's app.getPath('userData') resolves it for an app named "Portwatch":
 * Linux $XDG_CONFIG_HOME/Portwatch (or ~/.config/Portwatch), macOS ~/Library/Application Support/Portwatch,
 * Windows %APPDATA%\Portwatch.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_DIR_NAME);
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  // XDG says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(home, '.config'), APP_DIR_NAME);
}

/** An explicit folder (--data-dir) wins, then $PORTWATCH_DATA_DIR, then the per-user default. */
export function resolveDataDir(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  if (env.PORTWATCH_DATA_DIR) return resolve(env.PORTWATCH_DATA_DIR);
  return defaultDataDir(env);
}

/** Creates the folder (private to the user) if it is missing. */
export async function ensureDataDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}
