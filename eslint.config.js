// Lint, and the layers of shared/DESIGN.md as import rules: a folder may import only the folders
// below it, so "Bad layering" is a lint error, not a review comment.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const layer = (name) => ({ group: [`**/${name}/**`, `**/${name}`], message: `Bad layering: this folder may not import src/${name} (see shared/DESIGN.md).` });
const electron = { name: 'electron', message: 'Bad layering: only src/main and src/preload may import electron.' };
const nodeBuiltins = { group: ['node:*'], message: 'Bad layering: this code also runs in the renderer, which has no Node.' };

function restrict(files, { layers = [], paths = [], patterns = [] }) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { paths, patterns: [...layers.map(layer), ...patterns] }],
    },
  };
}

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'release/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  restrict(['src/shared/**'], {
    layers: ['core', 'main', 'preload', 'server', 'cli', 'renderer'],
    paths: [electron],
    patterns: [nodeBuiltins],
  }),
  restrict(['src/core/**'], { layers: ['main', 'preload', 'server', 'cli', 'renderer'], paths: [electron] }),
  restrict(['src/main/**'], { layers: ['preload', 'server', 'cli', 'renderer'] }),
  restrict(['src/preload/**'], { layers: ['core', 'main', 'server', 'cli', 'renderer'], patterns: [nodeBuiltins] }),
  restrict(['src/server/**'], { layers: ['main', 'preload', 'cli', 'renderer'], paths: [electron] }),
  restrict(['src/cli/**'], { layers: ['main', 'preload', 'renderer'], paths: [electron] }),
  restrict(['src/renderer/**'], {
    layers: ['core', 'main', 'preload', 'server', 'cli'],
    paths: [electron],
    patterns: [nodeBuiltins],
  }),
);
