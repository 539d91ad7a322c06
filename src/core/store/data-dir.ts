// Where Portwatch keeps what the user told it (trust rules, the baseline) and what it saw (the alert
// log). The app and the CLI share one folder, so a rule trusted in one is trusted in the other.
import { mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

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

/** A data folder another user could tamper with: nothing in it is read or written. */
export class UnsafeDataDirError extends Error {
  override name = 'UnsafeDataDirError';
  readonly code = 'EUNSAFE';
}

/** Creates the folder (private to the user) if it is missing, then checks that it can be trusted. */
export async function ensureDataDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await checkDataDir(dir);
}

const STICKY = 0o1000;

/**
 * Throws UnsafeDataDirError when another user could plant rules or links in the folder: it must be
 * ours (a folder is followed to its target, and the target judged) and writable by nobody else; every
 * folder above it must be ours or root's, and writable by others only with the sticky bit (as /tmp
 * is), or another user could swap the folder for theirs. Not on Windows, whose ACLs are another model.
 */
export async function checkDataDir(dir: string, uid: number | undefined = process.getuid?.()): Promise<void> {
  if (uid === undefined || process.platform === 'win32') return;
  const folder = resolve(dir);
  const s = await stat(folder);
  if (!s.isDirectory()) throw Object.assign(new Error(`${folder} is not a folder`), { code: 'ENOTDIR' });
  if (s.uid !== uid) {
    throw new UnsafeDataDirError(`it belongs to uid ${s.uid}, not to you (uid ${uid}): another user could plant trust rules or links in it`);
  }
  if ((s.mode & 0o022) !== 0) {
    throw new UnsafeDataDirError(
      `it is writable by ${(s.mode & 0o002) !== 0 ? 'every user' : 'its group'} (mode ${(s.mode & 0o7777).toString(8)}): another user could plant trust rules or links in it; make it private with chmod 700 ${folder}`,
    );
  }
  for (let above = dirname(folder); ; above = dirname(above)) {
    const a = await stat(above);
    if (a.uid !== uid && a.uid !== 0) {
      throw new UnsafeDataDirError(`a folder above it, ${above}, belongs to uid ${a.uid}, who could swap this folder for another`);
    }
    if ((a.mode & 0o002) !== 0 && (a.mode & STICKY) === 0) {
      throw new UnsafeDataDirError(`a folder above it, ${above}, is writable by every user, who could swap this folder for another`);
    }
    if (dirname(above) === above) break;
  }
}
