// Where our page lives, and whether a URL is it. The IPC door and the navigation guard both ask;
// neither trusts anything else.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface RendererPage {
  /** The URL the main frame shows: file:// of the built index.html, or the dev server's root. */
  url: string;
  /** The built index.html on disk, for loadFile; null when the dev server serves the page. */
  file: string | null;
}

export interface PageOptions {
  /** out/renderer, where electron-vite writes the built renderer. */
  rendererDir: string;
  /** ELECTRON_RENDERER_URL, which electron-vite sets while `electron-vite dev` runs. */
  devUrl?: string | undefined;
  /** A packaged app never takes its page from the environment. */
  packaged: boolean;
}

export function rendererPage({ rendererDir, devUrl, packaged }: PageOptions): RendererPage {
  if (!packaged && devUrl !== undefined && isLoopbackHttp(devUrl)) return { url: new URL(devUrl).href, file: null };
  const file = join(rendererDir, 'index.html');
  return { url: pathToFileURL(file).href, file };
}

/** True when url is our page: the same file (any query or hash), or the dev server's origin. */
export function isOurPage(url: string, pageUrl: string): boolean {
  const candidate = parse(url);
  const page = parse(pageUrl);
  if (candidate === null || page === null) return false;
  if (page.protocol === 'file:') {
    return candidate.protocol === 'file:' && candidate.host === page.host && candidate.pathname === page.pathname;
  }
  return (page.protocol === 'http:' || page.protocol === 'https:') && candidate.origin === page.origin;
}

/** Links the system browser may open: http and https, nothing that runs or reads locally. */
export function isExternalLink(url: string): boolean {
  const u = parse(url);
  return u !== null && (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
}

function isLoopbackHttp(url: string): boolean {
  const u = parse(url);
  return u !== null && u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
