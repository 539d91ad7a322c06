import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentSocketCandidates, defaultAgentSocket, SYSTEM_AGENT_SOCKET, userAgentSocket } from '../../../src/core/agent-path.js';
import { accessFor, groupId, type AgentAccessPolicy } from '../../../src/server/agent-access.js';

const dir = mkdtempSync(join(tmpdir(), 'portwatch-agent-access-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const peer = (uid: number, gid: number, groups: number[] = []) => ({ pid: 1234, uid, gid, groups });

describe('accessFor', () => {
  const owner: AgentAccessPolicy = { ownerUid: 0, group: null };
  const withGroup = (access: 'full' | 'read-only'): AgentAccessPolicy => ({ ownerUid: 1000, group: { name: 'portwatch', gid: 990, access } });

  it('gives root and the agent’s own user full access', () => {
    expect(accessFor(peer(0, 0), owner)).toEqual({ access: 'full' });
    expect(accessFor(peer(1000, 1000), withGroup('read-only'))).toEqual({ access: 'full' });
    expect(accessFor(peer(0, 0), withGroup('read-only'))).toEqual({ access: 'full' });
  });

  it('gives the group its access, by primary or supplementary group', () => {
    expect(accessFor(peer(1001, 990), withGroup('read-only'))).toEqual({ access: 'read-only' });
    expect(accessFor(peer(1001, 1001, [27, 990]), withGroup('read-only'))).toEqual({ access: 'read-only' });
    expect(accessFor(peer(1001, 1001, [990]), withGroup('full'))).toEqual({ access: 'full' });
  });

  it('refuses everyone else, saying who it serves', () => {
    expect(accessFor(peer(1001, 1001, [27]), withGroup('full'))).toEqual({
      refused: 'uid 1001 may not use this Portwatch agent: it serves root, its own user and the group portwatch',
    });
    expect(accessFor(peer(1001, 1001), owner)).toEqual({ refused: 'uid 1001 may not use this Portwatch agent: it serves root, its own user' });
  });
});

describe('groupId', () => {
  it('reads a group by name from a group file, takes numbers as they are, and says null for the rest', () => {
    const file = join(dir, 'group');
    writeFileSync(file, 'root:x:0:\nportwatch:x:990:ada,bob\nbroken:x:\n# comment\n');
    expect(groupId('portwatch', file)).toBe(990);
    expect(groupId('root', file)).toBe(0);
    expect(groupId('4242', file)).toBe(4242);
    expect(groupId('broken', file)).toBeNull();
    expect(groupId('nobody-here', file)).toBeNull();
    expect(groupId('portwatch', join(dir, 'missing'))).toBeNull();
  });
});

describe('agent socket paths', () => {
  it('puts root’s agent at the system path and a user’s in their runtime folder, and looks in that order', () => {
    expect(defaultAgentSocket('/home/ada/.config/Portwatch', 0)).toBe(SYSTEM_AGENT_SOCKET);
    expect(userAgentSocket('/d', { XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/portwatch/agent.sock');
    expect(userAgentSocket('/d', {})).toBe('/d/agent.sock');
    expect(userAgentSocket('/d', { XDG_RUNTIME_DIR: 'relative' })).toBe('/d/agent.sock');
    expect(agentSocketCandidates('/d')[0]).toBe(SYSTEM_AGENT_SOCKET);
  });
});
