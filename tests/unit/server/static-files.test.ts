import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveStaticFile } from '../../../src/server/static-files.js';

const dir = resolve('/srv/portwatch/renderer');

describe('resolveStaticFile', () => {
  it('serves index.html at / and /index.html, never cached', () => {
    for (const path of ['/', '/index.html']) {
      expect(resolveStaticFile(dir, path)).toEqual({
        path: resolve(dir, 'index.html'), contentType: 'text/html; charset=utf-8', cacheControl: 'no-store',
      });
    }
  });

  it('serves hashed bundles under /assets/ with their content type, cached for good', () => {
    expect(resolveStaticFile(dir, '/assets/index-CK4j7DOX.js')).toMatchObject({
      path: resolve(dir, 'assets', 'index-CK4j7DOX.js'), contentType: 'text/javascript; charset=utf-8',
    });
    expect(resolveStaticFile(dir, '/assets/index-7H.css')?.contentType).toBe('text/css; charset=utf-8');
    expect(resolveStaticFile(dir, '/assets/font%20a.woff2')).toMatchObject({ path: resolve(dir, 'assets', 'font a.woff2'), contentType: 'font/woff2' });
    expect(resolveStaticFile(dir, '/assets/sub/icon.svg')?.contentType).toBe('image/svg+xml');
    expect(resolveStaticFile(dir, '/assets/x.js')?.cacheControl).toContain('immutable');
  });

  it('refuses every way out of the assets folder', () => {
    for (const path of [
      '/assets/../../etc/passwd',
      '/assets/../index.html',
      '/assets/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%2f..%2fetc%2fpasswd',
      '/assets/..%5c..%5cetc%5cpasswd',
      '/assets/x.js%00.png',
      '/assets/%E0%A4%A',
      '/assets/',
      '/assets',
      '/../etc/passwd',
      '/etc/passwd',
      '//etc/passwd.js',
      '/favicon.ico',
      '/ws',
    ]) {
      expect(resolveStaticFile(dir, path), path).toBeNull();
    }
  });

  it('serves no file type it does not know (no sniffing of unknown files)', () => {
    expect(resolveStaticFile(dir, '/assets/data.bin')).toBeNull();
    expect(resolveStaticFile(dir, '/assets/noext')).toBeNull();
  });
});
