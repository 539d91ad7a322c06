import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { PAGE_META_CSP } from './src/shared/csp.js';

const CHARSET = '<meta charset="UTF-8" />';

/** Writes the page's CSP (shared/csp.ts, its one source) into index.html, right after the charset and before anything it governs. */
function pageCsp(): Plugin {
  return {
    name: 'portwatch-page-csp',
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        if (!html.includes(CHARSET) || /http-equiv="Content-Security-Policy"/i.test(html)) {
          throw new Error(`index.html must have ${CHARSET} and no CSP of its own: the policy comes from src/shared/csp.ts`);
        }
        return html.replace(CHARSET, `${CHARSET}\n    <meta http-equiv="Content-Security-Policy" content="${PAGE_META_CSP}" />`);
      },
    },
  };
}

export default defineConfig({
  main: {
    // Two entries: the main process (index.js) and the engine's utility process (engine.js, forked by
    // src/main/app.ts). Only the engine's bundle holds the socket sources and loads the native addon.
    build: { outDir: 'out/main', rollupOptions: { input: { index: resolve('src/main/index.ts'), engine: resolve('src/main/engine-entry.ts') } } },
  },
  preload: {
    // A sandboxed preload cannot load ES modules: it must be one CommonJS file.
    build: {
      outDir: 'out/preload',
      rollupOptions: { input: { index: resolve('src/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react(), pageCsp()],
    build: { outDir: 'out/renderer', minify: true, rollupOptions: { input: { index: resolve('src/renderer/index.html') } } },
  },
});
