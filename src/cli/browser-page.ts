// Opening browser mode without putting its token on a command line: the system opener's arguments
// (xdg-open, and the browser it starts) are in /proc/PID/cmdline, which every local user may read.
// Instead, as Jupyter does, a small page that sends the browser on to the URL is written where only
// this user can read it (a fresh 0700 folder, the file 0600), and the opener is given its path.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export interface RedirectPage {
  /** The file to open: its path holds no secret. */
  path: string;
  /** Removes the page and its folder. */
  remove(): Promise<void>;
}

/** Per-user runtime folder where there is one ($XDG_RUNTIME_DIR, private by definition), else the temp folder. */
function baseDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime && isAbsolute(runtime) ? runtime : tmpdir();
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Writes a page that sends the browser to url (which carries the token); only this user can read it. */
export async function writeRedirectPage(url: string, base = baseDir()): Promise<RedirectPage> {
  const dir = await mkdtemp(join(base, 'portwatch-open-')); // mode 0700
  const path = join(dir, 'open.html');
  const target = escapeHtml(url);
  const html =
    `<!doctype html>\n<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">` +
    `<meta http-equiv="refresh" content="0;url=${target}"><title>Portwatch</title></head>\n` +
    `<body><p>Opening Portwatch… <a href="${target}">continue</a></p></body></html>\n`;
  const handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0), 0o600);
  try {
    await handle.writeFile(html);
  } finally {
    await handle.close();
  }
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Best effort: with no opener (or no desktop) the printed URL is all the user needs. */
export function openInBrowser(path: string): void {
  let command: string;
  let args: string[];
  if (process.platform === 'darwin') [command, args] = ['open', [path]];
  else if (process.platform === 'win32') [command, args] = ['cmd', ['/c', 'start', '', path]];
  else {
    // Without a display xdg-open may start a text browser on our terminal: leave it to the user.
    if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
    [command, args] = ['xdg-open', [path]];
  }
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore', windowsHide: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no opener: the URL is printed
  }
}
