// Whether a tray icon can be seen on this desktop. Electron cannot tell: new Tray() succeeds on stock
// GNOME, where nothing shows it, and an app that hides its window to an invisible tray has no way
// back. So, on Linux (macOS and Windows always show one):
//
// 1. PORTWATCH_TRAY=on|off decides, for desktops this guesses wrong.
// 2. Ask the session bus whether a StatusNotifierItem host is there (org.kde.StatusNotifierWatcher has
//    an owner; gdbus, else dbus-send, with a one-second limit). Electron's Linux tray uses it when
//    it is: KDE, XFCE, Cinnamon, MATE, Budgie, and GNOME with the AppIndicator extension (Ubuntu's).
// 3. Without one, Electron falls back to the old X11 system tray (XEmbed): GNOME Shell has none since
//    3.26, and Wayland sessions have none; other X11 desktops (LXDE, i3 with a bar, …) usually do.
// 4. When the bus cannot be asked (no gdbus nor dbus-send, no session bus): the desktop's name alone —
//    plain GNOME has no tray; Ubuntu's, Pop's and Unity carry the AppIndicator extension.
import { execFile } from 'node:child_process';

export interface TrayHost {
  available: boolean;
  /** Why, in a few words, for the log. */
  reason: string;
}

export interface TrayHostProbe {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  /** Whether org.kde.StatusNotifierWatcher has an owner on the session bus; null when it cannot be asked. */
  statusNotifierWatcher?: () => Promise<boolean | null>;
}

const WATCHER = 'org.kde.StatusNotifierWatcher';
const BUS_TIMEOUT_MS = 1_000;

export async function findTrayHost({ platform = process.platform, env = process.env, statusNotifierWatcher = askSessionBus }: TrayHostProbe = {}): Promise<TrayHost> {
  if (platform !== 'linux') return { available: true, reason: `${platform} always has a tray` };
  const forced = env['PORTWATCH_TRAY']?.toLowerCase();
  if (forced === 'on' || forced === 'off') return { available: forced === 'on', reason: `PORTWATCH_TRAY=${forced}` };

  const desktops = (env['XDG_CURRENT_DESKTOP'] ?? '').toLowerCase().split(':').filter(Boolean);
  const plainGnome = desktops.includes('gnome') && !desktops.some((d) => d === 'ubuntu' || d === 'unity' || d === 'pop');
  const wayland = env['XDG_SESSION_TYPE'] === 'wayland' || (env['WAYLAND_DISPLAY'] !== undefined && env['DISPLAY'] === undefined);

  const watcher = await statusNotifierWatcher().catch(() => null);
  if (watcher === true) return { available: true, reason: 'a StatusNotifierItem host is on the session bus' };
  if (watcher === false) {
    if (desktops.includes('gnome')) return { available: false, reason: 'GNOME without the AppIndicator extension shows no tray icons' };
    if (wayland) return { available: false, reason: 'no StatusNotifierItem host, and Wayland has no X11 tray' };
    return { available: true, reason: 'no StatusNotifierItem host; the X11 system tray is used' };
  }
  if (plainGnome) return { available: false, reason: 'GNOME shows no tray icons without the AppIndicator extension (the bus could not be asked)' };
  return { available: true, reason: 'the bus could not be asked; this desktop usually has a tray' };
}

/** NameHasOwner through gdbus, else dbus-send; null when neither can answer. */
async function askSessionBus(): Promise<boolean | null> {
  const gdbus = await run('gdbus', ['call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.NameHasOwner', WATCHER]);
  if (gdbus !== null) return parseAnswer(gdbus);
  const dbusSend = await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${WATCHER}`]);
  return dbusSend === null ? null : parseAnswer(dbusSend);
}

/** "(true,)" from gdbus, "boolean true" from dbus-send. */
export function parseAnswer(output: string): boolean | null {
  if (/\btrue\b/.test(output)) return true;
  if (/\bfalse\b/.test(output)) return false;
  return null;
}

function run(command: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    try {
      execFile(command, args, { timeout: BUS_TIMEOUT_MS, windowsHide: true }, (error, stdout) => resolve(error ? null : stdout));
    } catch {
      resolve(null);
    }
  });
}
