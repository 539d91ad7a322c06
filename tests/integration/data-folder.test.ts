// The data folder as another local user would attack it, for real: an alert log that is a link to a
// file Portwatch must not touch, a folder (and its files) planted by `nobody`, a world-writable folder,
// a folder whose parent another user owns. Each is refused in words, and nothing is written through.
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';
import { cleanUpExeHolders, privateNode, startHolderWith } from '../helpers/exe-holders.js';

const NOBODY = 65534;

afterAll(async () => {
  await cleanUpExeHolders();
  removeDataDirs();
});

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** `watch --ndjson` for a few polls, with a never-seen program listening: an alert is due, if alerts work. */
async function watchWithStranger(dir: string): Promise<{ code: number | null; lines: Array<{ type: string; message?: string }>; stderr: string }> {
  const holder = await startHolderWith(privateNode('pw-df-stranger'), [{ name: 'l', kind: 'tcp-listen', host: '127.0.0.1' }]);
  try {
    const child = spawnCli(['watch', '--ndjson', '--interval', '250', '--count', '3', '--learn', '0', '--data-dir', dir]);
    let out = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    return { code, stderr, lines: out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; message?: string }) };
  } finally {
    await holder.exit();
  }
}

describe('links in the data folder are never followed', () => {
  it('an alert log that is a link to another file is refused, and that file is left unchanged', async () => {
    const dir = tempDataDir('link-log');
    const elsewhere = join(tempDataDir('victim'), 'root-only.conf');
    writeFileSync(elsewhere, 'secret=1\n', { mode: 0o600 });
    const before = { hash: digest(elsewhere), mtime: statSync(elsewhere).mtimeMs };
    symlinkSync(elsewhere, join(dir, 'alerts.jsonl'));

    const run = await watchWithStranger(dir);
    expect(run.code).toBe(0);
    const warning = run.lines.find((l) => l.type === 'warning');
    expect(warning?.message).toMatch(/^cannot keep alerts in .*alerts\.jsonl is a symbolic link, and Portwatch never follows links in its data folder; remove it/);
    expect(run.lines.some((l) => l.type === 'alert')).toBe(false);

    const listed = await runCli(['alerts', '--data-dir', dir]);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toMatch(/symbolic link/);
    expect(listed.stderr.trim().split('\n')).toHaveLength(1);

    expect(digest(elsewhere)).toBe(before.hash);
    expect(statSync(elsewhere).mtimeMs).toBe(before.mtime);
    expect(lstatSync(join(dir, 'alerts.jsonl')).isSymbolicLink()).toBe(true);
  });

  it('a trust store that is a link is refused, never read (its target could be any file) nor replaced', async () => {
    const dir = tempDataDir('link-trust');
    const elsewhere = join(tempDataDir('victim'), 'trust.json');
    writeFileSync(elsewhere, JSON.stringify({ version: 1, createdAt: 0, learningUntil: null, rules: [{ kind: 'executable', exe: '/tmp/evil' }], watchClosely: [], baseline: { processes: [], listeners: [], destinations: [] } }));
    const hash = digest(elsewhere);
    symlinkSync(elsewhere, join(dir, 'trust.json'));
    const trusted = await runCli(['trust', '--exe', '/usr/bin/true', '--data-dir', dir]);
    expect(trusted.code).toBe(1);
    expect(trusted.stderr).toMatch(/trust\.json is a symbolic link/);
    expect(digest(elsewhere)).toBe(hash);
    expect(lstatSync(join(dir, 'trust.json')).isSymbolicLink()).toBe(true);
  });
});

describe('a data folder another user controls is not trusted', () => {
  it('a folder of nobody with a planted trust.json trusting /tmp/evil: refused, the rule never applies', async () => {
    const dir = join(tempDataDir('planted-parent'), 'Portwatch');
    mkdirSync(dir, { mode: 0o700 });
    const planted = JSON.stringify({ version: 1, createdAt: 0, learningUntil: null, rules: [{ kind: 'executable', exe: '/tmp/evil' }], watchClosely: [], baseline: { processes: [], listeners: [], destinations: [] } });
    writeFileSync(join(dir, 'trust.json'), planted);
    chownSync(join(dir, 'trust.json'), NOBODY, NOBODY);
    chownSync(dir, NOBODY, NOBODY);

    const listed = await runCli(['alerts', '--json', '--data-dir', dir]);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toBe(`portwatch: cannot read alerts in ${dir}: it belongs to uid ${NOBODY}, not to you (uid 0): another user could plant trust rules or links in it\n`);
    const run = await watchWithStranger(dir);
    expect(run.lines.find((l) => l.type === 'warning')?.message).toContain(`belongs to uid ${NOBODY}`);
    expect(readFileSync(join(dir, 'trust.json'), 'utf8')).toBe(planted);
  });

  it('a planted trust.json of nobody inside our own folder is refused too', async () => {
    const dir = tempDataDir('planted-file');
    writeFileSync(join(dir, 'trust.json'), JSON.stringify({ version: 1, createdAt: 0, learningUntil: null, rules: [], watchClosely: [], baseline: { processes: [], listeners: [], destinations: [] } }));
    chownSync(join(dir, 'trust.json'), NOBODY, NOBODY);
    const { code, stderr } = await runCli(['trust', '--exe', '/usr/bin/true', '--data-dir', dir]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/trust\.json belongs to uid 65534, not to you \(uid 0\); Portwatch does not trust a file another user may have planted/);
  });

  it('a world-writable folder is refused with a clear message, and nothing is written in it', async () => {
    const dir = tempDataDir('world');
    chmodSync(dir, 0o777);
    const { code, stderr } = await runCli(['trust', '--exe', '/usr/bin/true', '--data-dir', dir]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `portwatch: cannot keep trust rules in ${dir}: it is writable by every user (mode 777): another user could plant trust rules or links in it; make it private with chmod 700 ${dir}\n`,
    );
    expect(existsSync(join(dir, 'trust.json'))).toBe(false);
  });

  it('a folder inside one another user owns is refused: they could swap it', async () => {
    const parent = tempDataDir('their-parent');
    chownSync(parent, NOBODY, NOBODY);
    const dir = join(parent, 'mine');
    mkdirSync(dir, { mode: 0o700 });
    const { code, stderr } = await runCli(['trust', '--exe', '/usr/bin/true', '--data-dir', dir]);
    expect(code).toBe(1);
    expect(stderr).toContain(`a folder above it, ${parent}, belongs to uid ${NOBODY}, who could swap this folder for another`);
  });
});

describe('what Portwatch creates is private', () => {
  it('folders 0700, files 0600, whatever the umask', async () => {
    const dir = join(tempDataDir('private'), 'a', 'Portwatch');
    const old = process.umask(0);
    try {
      await watchWithStranger(dir);
    } finally {
      process.umask(old);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, '..')).mode & 0o777).toBe(0o700);
    for (const name of ['trust.json', 'alerts.jsonl', 'settings.json'].filter((n) => existsSync(join(dir, n)))) {
      expect(statSync(join(dir, name)).mode & 0o777, name).toBe(0o600);
    }
    expect(existsSync(join(dir, 'alerts.jsonl'))).toBe(true);
  });
});
