// The lint's cycle rule (.dependency-cruiser.cjs, run by `npm run lint`) against real files: a cycle
// made only of type imports fails it, the same files without the cycle pass. Guards the config itself
// (type-only imports must count: TypeScript erases them, a design cycle it still is).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cruise(files: Record<string, string>): { status: number | null; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-cycles-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = spawnSync(process.execPath, ['node_modules/dependency-cruiser/bin/dependency-cruise.mjs', dir, '--config', '.dependency-cruiser.cjs'], {
    cwd: process.cwd(),
    encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

it('fails on an import cycle made only of type imports, and passes once it is broken', () => {
  const cycle = cruise({
    'a.ts': "import type { B } from './b.js';\nexport type A = { b: B | null };\n",
    'b.ts': "import type { A } from './a.js';\nexport type B = { a: A | null };\n",
  });
  expect(cycle.status).toBe(1);
  expect(cycle.out).toMatch(/no-circular: .*a\.ts/);

  const broken = cruise({
    'a.ts': "import type { B } from './b.js';\nexport type A = { b: B | null };\n",
    'b.ts': 'export type B = { n: number };\n',
  });
  expect(broken.status, broken.out).toBe(0);
});
