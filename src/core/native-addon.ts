// Where the project's native addons are (native/build/Release/*.node), from wherever this code runs:
// src/core (tsx, vitest), dist/node/core (tsc output), or a packaged app's resources/app.asar/out/…,
// where the OS can only load the addon from its unpacked copy beside the archive.
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built addon `file` (a path relative to the repository root), walking up from `from`; null when not built. */
export function findNativeAddon(file: string, from: string = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (;;) {
    for (const base of unpackedFirst(dir)) {
      const candidate = join(base, file);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The folder, preceded by its twin outside the archive when it is inside an app.asar. */
function unpackedFirst(dir: string): string[] {
  const parts = dir.split(sep);
  const asar = parts.lastIndexOf('app.asar');
  if (asar === -1) return [dir];
  return [[...parts.slice(0, asar), 'app.asar.unpacked', ...parts.slice(asar + 1)].join(sep), dir];
}
