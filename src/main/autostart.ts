// Start at login on Linux: an XDG autostart entry, ~/.config/autostart/portwatch.desktop (under
// $XDG_CONFIG_HOME when it is set), which every desktop that follows the XDG autostart spec runs at
// login. Written atomically (temp file, fsync, rename: a crash leaves the old entry or the new one),
// removed when turned off. The tray's "Start at login" item reads and writes it through LoginItem.
import { existsSync } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../core/store/atomic-file.js';
import type { LoginItem } from './tray.js';

export const AUTOSTART_FILE = 'portwatch.desktop';
/** Passed at login: the app starts in the tray, without its window. */
export const HIDDEN_FLAG = '--hidden';

export function autostartPath(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  // XDG: a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env['XDG_CONFIG_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(home, '.config'), 'autostart', AUTOSTART_FILE);
}

/**
 * One argument of Exec, quoted by the Desktop Entry rules: inside double quotes, `"`, backquote, `$`
 * and `\` take a backslash; then the string escapes double every backslash; `%` (field codes) is `%%`.
 */
export function execArgument(arg: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(arg)) throw new RangeError(`cannot start ${JSON.stringify(arg)} at login: it holds a control character`);
  const escaped = arg.replace(/%/g, '%%');
  if (escaped !== '' && !/[\s"'\\><~|&;$*?#()`=]/.test(escaped)) return escaped;
  return `"${escaped.replace(/(["`$\\])/g, '\\$1').replace(/\\/g, '\\\\')}"`;
}

export function desktopEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Portwatch',
    'Comment=What on this machine is talking to the network',
    `Exec=${command.map(execArgument).join(' ')}`,
    'Icon=portwatch',
    'Terminal=false',
    'Categories=Network;Monitor;',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Start at login through the autostart entry at path, which runs command. */
export function xdgLoginItem(path: string, command: readonly string[]): LoginItem {
  return {
    get: () => existsSync(path),
    async set(on) {
      if (on) {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        // Readable by the desktop's session manager, which runs as the user: 0644 as desktop files are.
        await writeFileAtomic(path, desktopEntry(command), 0o644);
      } else {
        await unlink(path).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
        });
      }
    },
  };
}
