// Running the window as root: refused unless asked for. A root browser process puts the whole machine
// behind every bug in the page renderer and every dependency, and Chromium's sandbox does not run as
// root at all (Electron needs --no-sandbox there). What root buys here, the owners of other users'
// sockets, belongs to the engine, not the window: the agent runs the engine with those rights and an
// unprivileged window attaches to it.

/** Said in a dialog, then the app ends. */
export const ROOT_TITLE = 'Portwatch does not run its window as root';

export const ALLOW_ROOT_FLAG = '--allow-root';

export interface PrivilegeFacts {
  uid: number | null;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
}

/** Why the app will not start as this user, or null when it may. */
export function rootRefusal({ uid, argv, env }: PrivilegeFacts): string | null {
  if (uid !== 0) return null;
  if (argv.includes(ALLOW_ROOT_FLAG) || env['PORTWATCH_ALLOW_ROOT'] === '1') return null;
  return [
    'Portwatch was started as root. Its window is a web page renderer, and running it as root would put the whole machine behind any bug in it; Chromium\'s sandbox cannot run as root either.',
    '',
    'Start Portwatch as your own user: it shows every socket, and the processes of your own user by name.',
    'To see the owners of other users\' sockets too, run the engine with more rights and attach the window to it: the Portwatch agent (`sudo portwatch agent`, coming next), then start Portwatch as yourself.',
    '',
    `If you must run the window as root anyway, start it with ${ALLOW_ROOT_FLAG} (or PORTWATCH_ALLOW_ROOT=1) and --no-sandbox.`,
  ].join('\n');
}
