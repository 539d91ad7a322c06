// Maps a request path to a file of the built renderer, never to anything outside it.
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

export interface StaticFile {
  path: string;
  contentType: string;
  /** index.html opens the live view: only a holder of the token gets it. */
  cacheControl: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The file for a URL path (without its query), or null (404). Only `/`, `/index.html` and files under
 * `/assets/` exist. The path is decoded and resolved, then must still lie under rendererDir/assets, so
 * `..`, encoded `%2e%2e` / `%2f` and absolute tricks all land outside it and are refused.
 */
export function resolveStaticFile(rendererDir: string, urlPath: string): StaticFile | null {
  if (urlPath === '/' || urlPath === '/index.html') {
    // no-store: the page must pick up a rebuilt bundle.
    return { path: resolve(rendererDir, 'index.html'), contentType: CONTENT_TYPES['.html']!, cacheControl: 'no-store' };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const assets = resolve(rendererDir, 'assets');
  const path = resolve(rendererDir, '.' + decoded);
  const rel = relative(assets, path);
  if (rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) return null;
  const contentType = CONTENT_TYPES[extname(path).toLowerCase()];
  if (contentType === undefined) return null;
  // Vite names every asset by its content hash, so a name never changes meaning: cache it for good.
  return { path, contentType, cacheControl: 'private, max-age=31536000, immutable' };
}
