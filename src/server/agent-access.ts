// Who may use the agent's Unix socket, and for what, from the peer credentials the kernel recorded at
// connect() (core/peer-credentials.ts): root and the agent's own user get full access; members of
// the agent's group (--group) get the group's access (read-only unless --group-access full); anyone
// else is refused, whatever the socket file's mode let through.
import { readFileSync } from 'node:fs';
import type { Access } from '../shared/access.js';
import type { PeerCredentials } from '../core/peer-credentials.js';

export interface AgentAccessPolicy {
  /** The agent's effective uid. */
  ownerUid: number;
  group: { name: string; gid: number; access: Access } | null;
}

export type AccessDecision = { access: Access } | { refused: string };

export function accessFor(peer: PeerCredentials, policy: AgentAccessPolicy): AccessDecision {
  if (peer.uid === 0 || peer.uid === policy.ownerUid) return { access: 'full' };
  const { group } = policy;
  if (group !== null && (peer.gid === group.gid || peer.groups.includes(group.gid))) return { access: group.access };
  return {
    refused: `uid ${peer.uid} may not use this Portwatch agent: it serves root, its own user${group ? ` and the group ${group.name}` : ''}`,
  };
}

/** The gid of a group, by name or number, from /etc/group; null when there is none. */
export function groupId(name: string, groupFile = '/etc/group'): number | null {
  if (/^\d+$/.test(name)) return Number(name);
  let text: string;
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const [entry, , gid] = line.split(':');
    if (entry === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return null;
}
