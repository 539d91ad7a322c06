import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { keepAside, loadJsonFile, removeStaleTemps, writeFileAtomic } from '../../../../src/core/store/atomic-file.js';
import { ROOT } from '../../../helpers/cli.js';
import { removeDataDirs, tempDataDir } from '../../../helpers/data-dirs.js';

const execFileAsync = promisify(execFile);

afterAll(removeDataDirs);

const schema = z.object({ version: z.literal(1), items: z.array(z.string()) });
const opts = { what: 'test file', defaults: () => ({ version: 1 as const, items: [] }), version: 1, consequence: 'Started empty.' };

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temporary file behind', async () => {
    const dir = tempDataDir('atomic');
    const path = join(dir, 'f.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['f.json']);
  });

  it('many writes at once each land whole: the file is always one of them', async () => {
    const dir = tempDataDir('atomic');
    const path = join(dir, 'f.json');
    const bodies = Array.from({ length: 20 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(10_000) }));
    await Promise.all(bodies.map((b) => writeFileAtomic(path, b)));
    expect(bodies).toContain(readFileSync(path, 'utf8'));
  });
});

describe('loadJsonFile', () => {
  it('a missing file gives the defaults, quietly', async () => {
    const got = await loadJsonFile(join(tempDataDir('atomic'), 'none.json'), schema, opts);
    expect(got).toMatchObject({ existed: false, warning: null, backup: null, value: { items: [] } });
  });

  it.each([
    ['garbage bytes', Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x7b]), 'is not valid JSON'],
    ['the wrong shape', Buffer.from('{"version":1,"items":[1]}'), 'its content is not what Portwatch expects at items.0'],
  ])('%s: kept aside byte for byte, with a warning naming the backup', async (_, bytes, reason) => {
    const dir = tempDataDir('atomic');
    const path = join(dir, 'f.json');
    writeFileSync(path, bytes);
    const got = await loadJsonFile(path, schema, opts);
    expect(got.value).toEqual({ version: 1, items: [] });
    expect(got.backup).toMatch(/f\.json\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    expect(got.warning).toContain(reason);
    expect(got.warning).toContain(`The file was kept as ${got.backup}`);
    expect(got.warning).toContain('Started empty.');
    expect(readFileSync(got.backup!)).toEqual(bytes);
  });

  it('a newer format is left in place untouched, never to be overwritten (no downgrade)', async () => {
    const dir = tempDataDir('atomic');
    const path = join(dir, 'f.json');
    const bytes = Buffer.from('{"version":7,"items":["from the future"]}');
    writeFileSync(path, bytes);
    const got = await loadJsonFile(path, schema, opts);
    expect(got).toMatchObject({ value: { version: 1, items: [] }, existed: true, backup: null, writable: false, newer: true });
    expect(got.warning).toContain('written by a newer Portwatch (format 7; this one reads format 1). It is left as it is.');
    expect(readFileSync(path)).toEqual(bytes);
    expect(readdirSync(dir)).toEqual(['f.json']);
  });

  it('never renames over an earlier backup', async () => {
    const dir = tempDataDir('atomic');
    const path = join(dir, 'f.json');
    writeFileSync(path, 'a');
    const first = await keepAside(path, 1_700_000_000_000);
    writeFileSync(path, 'b');
    const second = await keepAside(path, 1_700_000_000_000);
    expect(second).not.toBe(first);
    expect(readFileSync(first, 'utf8')).toBe('a');
    expect(readFileSync(second, 'utf8')).toBe('b');
  });

  it('something that cannot be read as a file (a folder in its place) is moved aside too', async () => {
    const dir = tempDataDir('atomic');
    const path = join(dir, 'f.json');
    mkdirSync(path);
    const got = await loadJsonFile(path, schema, opts);
    expect(got.warning).toContain('it cannot be read (EISDIR)');
    expect(got).toMatchObject({ writable: true, existed: true });
    expect(got.backup).not.toBeNull();
  });

  // Root reads and renames anything, so as root the load runs in a child process as nobody.
  it('a file that can be neither read nor moved aside is left alone, and the caller is told not to write', async () => {
    const dir = tempDataDir('atomic');
    const path = join(dir, 'f.json');
    writeFileSync(path, '{}');
    chmodSync(path, 0o000);
    chmodSync(dir, 0o500);
    try {
      const got = process.getuid?.() === 0 ? await loadAsNobody(path) : await loadJsonFile(path, schema, opts);
      expect(got).toMatchObject({ writable: false, backup: null });
      expect(got.warning).toContain('could not move it aside');
      expect(readFileSync(path, 'utf8')).toBe('{}');
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});

/** Runs loadJsonFile as the unprivileged user nobody (uid 65534) and returns what it answered. */
async function loadAsNobody(path: string): Promise<{ writable: boolean; backup: string | null; warning: string | null }> {
  // nobody must be able to reach the directory but not read or rename in it.
  chmodSync(join(path, '..'), 0o555);
  const moduleUrl = new URL('../../../../src/core/store/atomic-file.ts', import.meta.url).href;
  const script = `
    import { loadJsonFile } from ${JSON.stringify(moduleUrl)};
    import { z } from 'zod';
    const got = await loadJsonFile(${JSON.stringify(path)}, z.object({}), { what: 'test file', defaults: () => ({}), version: 1, consequence: 'Started empty.' });
    process.stdout.write(JSON.stringify(got));`;
  const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    uid: 65534,
    gid: 65534,
    cwd: ROOT,
    env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') },
  });
  return JSON.parse(stdout) as { writable: boolean; backup: string | null; warning: string | null };
}

describe('removeStaleTemps', () => {
  it('removes the temporary files of dead writers and keeps those of live ones', async () => {
    const dir = tempDataDir('atomic');
    const path = join(dir, 'f.json');
    writeFileSync(`${path}.tmp-999999999-abcd`, 'dead');
    writeFileSync(`${path}.tmp-${process.ppid}-abcd`, 'live');
    await removeStaleTemps(path);
    expect(readdirSync(dir).sort()).toEqual([`f.json.tmp-${process.ppid}-abcd`]);
  });
});
