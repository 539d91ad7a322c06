// Builds, once and before any test file runs, what the integration tests run or pack: the CLI
// (dist/node, run through bin/portwatch.js), the Electron bundles (out/) and the sock_diag addon,
// each when it is missing or older than its sources. The files run in parallel: one that rebuilt
// them itself would rewrite files another is running or packing at that moment. `npm test` builds
// just before, so here this usually only compares times.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** The output is there and newer than every source it is made from. */
function fresh(output: string, sources: string[]): boolean {
  const built = existsSync(join(root, output)) ? statSync(join(root, output)).mtimeMs : 0;
  return built > 0 && sources.every((s) => newest(join(root, s)) < built);
}

function run(what: string, args: string[]): void {
  console.log(`[tests] building ${what}…`);
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building ${what} failed:\n${result.stdout}${result.stderr}`);
}

export default function setup(): void {
  if (!fresh('dist/node/cli/index.js', ['src/shared', 'src/core', 'src/cli', 'src/server', 'tsconfig.node.json'])) {
    run('the CLI (dist/node)', [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.node.json']);
  }
  if (!fresh('out/renderer/index.html', ['src/renderer', 'src/main', 'src/preload', 'src/core', 'src/shared', 'electron.vite.config.ts'])) {
    run('the Electron bundles (out/)', [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build']);
  }
  if (process.platform === 'linux' && !existsSync(join(root, 'native/build/Release/sock_diag.node'))) {
    run('the sock_diag addon', [join(root, 'scripts/build-native.js')]);
  }
}
