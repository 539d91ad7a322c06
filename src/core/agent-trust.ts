// Whether a UI may believe the agent at a socket path: whoever answers there decides every socket,
// process and alert the UI shows, so another local user must not be able to answer. Before
// connecting, the path itself (never followed through a symbolic link) and its folder must belong to
// a trusted account and be writable by no one else; after connecting, the kernel's record of who
// listens (SO_PEERCRED) must be a trusted account too: a socket file can be made, or its folder
// swapped, between the check and connect(), but the peer's credentials cannot be forged.
//
// Trusted: root, this user, and the account the packaged service runs the agent as (`portwatch`,
// docs/deploy/systemd), which only root can create.
import { lstatSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import type { PeerCredentials } from './peer-credentials.js';
import { UserNames } from './sources/proc-process.js';

/** The account docs/deploy/systemd/portwatch-agent.service runs the agent as. */
export const AGENT_SERVICE_ACCOUNT = 'portwatch';

export interface AgentOwners {
  uids: ReadonlySet<number>;
  /** uid → a name for messages. */
  describe(uid: number): string;
}

/** Root, the user (effective uid), and the service account when this machine has one. */
export function agentOwners(uid: number = process.geteuid?.() ?? 0, passwd = '/etc/passwd'): AgentOwners {
  const uids = new Set([0, uid]);
  const service = accountUid(AGENT_SERVICE_ACCOUNT, passwd);
  if (service !== null) uids.add(service);
  const users = new UserNames(passwd);
  return {
    uids,
    describe: (u) => {
      const name = users.name(u);
      return name === null ? `uid ${u}` : `${name} (uid ${u})`;
    },
  };
}

function accountUid(name: string, passwd: string): number | null {
  try {
    for (const line of readFileSync(passwd, 'utf8').split('\n')) {
      const [account, , uid] = line.split(':');
      if (account === name && uid !== undefined && /^\d+$/.test(uid)) return Number(uid);
    }
  } catch {
    // No passwd to read: no service account.
  }
  return null;
}

/**
 * Why a folder is no safe home for a socket, or null: it must belong to one of owners, and anyone
 * else who may write in it must be held back by the sticky bit (as in /tmp: they can add their own
 * entries, but not remove or replace ours). The agent makes its socket by the same rule.
 */
export function folderProblem(dir: string, stat: Stats, owners: ReadonlySet<number>, describe: (uid: number) => string): string | null {
  if (!stat.isDirectory()) return `${dir} is not a folder`;
  if (!owners.has(stat.uid)) return `${dir} belongs to ${describe(stat.uid)}, not to this user or root`;
  if ((stat.mode & 0o022) !== 0 && (stat.mode & 0o1000) === 0) return `${dir} is writable by others, who could put their own socket there`;
  return null;
}

/**
 * Why the socket at path must not be trusted, checked before connecting, or null when it may be
 * (or when nothing is there: connecting then says no agent is running).
 */
export function agentSocketProblem(path: string, owners: AgentOwners = agentOwners()): string | null {
  const refuse = (why: string) => `refusing the agent socket ${path}: ${why}`;
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch {
    return null;
  }
  if (stat.isSymbolicLink()) return refuse('it is a symbolic link (give the socket\'s own path)');
  if (!stat.isSocket()) return refuse('it is not a socket');
  if (!owners.uids.has(stat.uid)) return refuse(`it belongs to ${owners.describe(stat.uid)}, not to this user or root`);
  if ((stat.mode & 0o002) !== 0) return refuse('every user may write to it');
  let dir: string;
  let dirStat: Stats;
  try {
    dir = realpathSync(dirname(path));
    dirStat = statSync(dir);
  } catch (e) {
    return refuse(`its folder cannot be checked (${(e as Error).message})`);
  }
  const problem = folderProblem(dir, dirStat, owners.uids, owners.describe);
  return problem === null ? null : refuse(`its folder ${problem}`);
}

/** Why the process listening on path must not be trusted, checked once connected, or null when it may be. */
export function agentPeerProblem(path: string, peer: PeerCredentials | null, unavailable: string | null, owners: AgentOwners = agentOwners()): string | null {
  if (peer === null) return `refusing the agent at ${path}: cannot tell who runs it (${unavailable ?? 'no peer credentials'})`;
  if (!owners.uids.has(peer.uid)) return `refusing the agent at ${path}: it is run by ${owners.describe(peer.uid)}${peer.pid === null ? '' : ` (pid ${peer.pid})`}, not by this user or root`;
  return null;
}
