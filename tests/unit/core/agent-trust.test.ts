// Whom a UI trusts to be its agent: root, itself, and the packaged service's account when this
// machine has one (read from a real passwd file the test writes); a folder's owner and mode; a peer
// whose credentials cannot be read is refused rather than believed.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_SERVICE_ACCOUNT, agentOwners, agentPeerProblem, agentSocketProblem, folderProblem } from '../../../src/core/agent-trust.js';

const dir = mkdtempSync(join(tmpdir(), 'portwatch-agent-owners-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function passwd(lines: string[]): string {
  const path = join(dir, `passwd-${lines.length}`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

describe('agentOwners', () => {
  it('trusts root, the user, and the service account when there is one', () => {
    const withService = passwd(['root:x:0:0::/root:/bin/sh', 'alice:x:1000:1000::/home/alice:/bin/sh', `${AGENT_SERVICE_ACCOUNT}:x:998:998::/nonexistent:/usr/sbin/nologin`, 'mallory:x:1001:1001::/home/mallory:/bin/sh']);
    const owners = agentOwners(1000, withService);
    expect([...owners.uids].sort((a, b) => a - b)).toEqual([0, 998, 1000]);
    expect(owners.describe(1001)).toBe('mallory (uid 1001)');
    expect(owners.describe(4242)).toBe('uid 4242');
    expect([...agentOwners(1000, passwd(['root:x:0:0::/root:/bin/sh'])).uids].sort((a, b) => a - b)).toEqual([0, 1000]);
    expect([...agentOwners(1000, join(dir, 'no-such-passwd')).uids].sort((a, b) => a - b)).toEqual([0, 1000]);
  });
});

describe('folderProblem', () => {
  const owners = new Set([0, process.geteuid!()]);
  const describe_ = (uid: number) => `uid ${uid}`;
  it('accepts a private or read-only folder and a sticky shared one; refuses one others may write to', () => {
    for (const [mode, ok] of [[0o700, true], [0o755, true], [0o1777, true], [0o777, false], [0o775, false], [0o757, false]] as const) {
      const path = join(dir, `f-${mode.toString(8)}`);
      mkdirSync(path);
      chmodSync(path, mode);
      const problem = folderProblem(path, statSync(path), owners, describe_);
      expect(problem === null, `${mode.toString(8)}: ${problem}`).toBe(ok);
    }
    expect(folderProblem(dir, statSync(dir), new Set([4242]), describe_)).toMatch(/belongs to uid \d+, not to this user or root/);
  });
});

describe('agentSocketProblem and agentPeerProblem', () => {
  it('leaves a missing path to connect (which says no agent runs) and refuses what is no socket', () => {
    expect(agentSocketProblem(join(dir, 'nothing.sock'))).toBeNull();
    const file = join(dir, 'plain-file');
    writeFileSync(file, '');
    expect(agentSocketProblem(file)).toBe(`refusing the agent socket ${file}: it is not a socket`);
  });

  it('refuses a peer it cannot identify, and one of another user', () => {
    const owners = agentOwners(1000, passwd(['x:x:1:1::/:/bin/sh']));
    expect(agentPeerProblem('/run/a.sock', null, 'peer_cred.node is not built', owners)).toBe('refusing the agent at /run/a.sock: cannot tell who runs it (peer_cred.node is not built)');
    expect(agentPeerProblem('/run/a.sock', { pid: 7, uid: 1001, gid: 1001, groups: [] }, null, owners)).toBe('refusing the agent at /run/a.sock: it is run by uid 1001 (pid 7), not by this user or root');
    expect(agentPeerProblem('/run/a.sock', { pid: 7, uid: 1000, gid: 1000, groups: [] }, null, owners)).toBeNull();
    expect(agentPeerProblem('/run/a.sock', { pid: null, uid: 0, gid: 0, groups: [] }, null, owners)).toBeNull();
  });
});
