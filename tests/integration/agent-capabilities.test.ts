// Which Linux capabilities let an engine that is not root name the owners of other users' sockets:
// measured here for real (and so in README and the systemd unit). A root process listens; `portwatch
// who PORT` runs as nobody with each set of capabilities (setpriv, ambient), and only the set that
// suffices names the holder.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHolder, stopAll, type Holder } from '../helpers/children.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'portwatch.js');
let holder: Holder;

beforeAll(async () => {
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.node.json'], { cwd: root, encoding: 'utf8' });
  expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  expect(process.getuid?.(), 'this measurement starts as root').toBe(0);
  holder = await startHolder([{ name: 'web', kind: 'tcp-listen', host: '127.0.0.1' }], 'pw-root-holder');
}, 120_000);

afterAll(stopAll);

/** The holder's pid as `who PORT --json` run as nobody with these capabilities sees it (null: not named). */
function seenAs(caps: string[]): { pid: number | null; rights: string } {
  const set = caps.map((c) => `+${c}`).join(',');
  const capsArgs = caps.length ? [`--inh-caps=${set}`, `--ambient-caps=${set}`] : [];
  const port = String(holder.endpoints.web!.port);
  const who = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...capsArgs, process.execPath, bin, 'who', port, '--json'], { cwd: root, encoding: 'utf8' });
  expect(who.status, who.stderr).toBe(0);
  const { holders } = JSON.parse(who.stdout) as { holders: Array<{ localPort: number; pid: number | null }> };
  const mine = holders.find((s) => s.localPort === Number(port));
  expect(mine, who.stdout).toBeDefined();
  const identity = spawnSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', ...capsArgs, process.execPath, '--import', 'tsx', '-e', "import('./src/core/engine-identity.ts').then((m) => console.log(m.engineIdentity('agent').rights))"],
    { cwd: root, encoding: 'utf8' },
  );
  return { pid: mine!.pid, rights: identity.stdout.trim() };
}

describe('capabilities that let a non-root engine see every process (Linux)', () => {
  it('none, CAP_DAC_READ_SEARCH alone, CAP_SYS_PTRACE alone or CAP_NET_ADMIN do not; CAP_DAC_READ_SEARCH with CAP_SYS_PTRACE does', () => {
    expect(seenAs([])).toEqual({ pid: null, rights: 'user' });
    expect(seenAs(['dac_read_search'])).toEqual({ pid: null, rights: 'user' });
    expect(seenAs(['sys_ptrace'])).toEqual({ pid: null, rights: 'user' });
    expect(seenAs(['net_admin'])).toEqual({ pid: null, rights: 'user' });
    expect(seenAs(['dac_read_search', 'sys_ptrace'])).toEqual({ pid: holder.pid, rights: 'capabilities' });
  });
});
