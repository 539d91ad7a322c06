// Who this engine runs as and what that lets it see, said once at open: the status carries it, so a
// view attached to an agent can tell "agent as root: every process visible" from its own engine.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { EngineIdentity } from '../shared/status.js';

/** Linux capability bits (linux/capability.h) that let a non-root engine read other users' /proc/PID/fd. */
export const CAP_DAC_READ_SEARCH = 2;
export const CAP_SYS_PTRACE = 19;
export const CAP_NET_ADMIN = 12;

/** The effective capability set from /proc/self/status ("CapEff: 00000000a80425fb"); null where there is none. */
export function effectiveCapabilities(statusText: string): bigint | null {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(statusText);
  return m ? BigInt(`0x${m[1]}`) : null;
}

export function hasCapability(set: bigint, bit: number): boolean {
  return (set & (1n << BigInt(bit))) !== 0n;
}

export interface IdentityFacts {
  pid: number;
  uid: number | null;
  user: string | null;
  platform: NodeJS.Platform;
  /** /proc/self/status (Linux), null elsewhere or when unreadable. */
  procStatus: string | null;
}

export function readIdentityFacts(): IdentityFacts {
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : null;
  let user: string | null = null;
  try {
    user = userInfo().username;
  } catch {
    // a uid with no passwd entry (a container's): the uid says it
  }
  let procStatus: string | null = null;
  if (process.platform === 'linux') {
    try {
      procStatus = readFileSync('/proc/self/status', 'utf8');
    } catch {
      // no /proc: rights unknown
    }
  }
  return { pid: process.pid, uid, user, platform: process.platform, procStatus };
}

export function engineIdentity(host: EngineIdentity['host'], facts: IdentityFacts = readIdentityFacts()): EngineIdentity {
  let rights: EngineIdentity['rights'];
  if (facts.uid === 0) rights = 'root';
  else if (facts.platform === 'win32' || facts.uid === null) rights = 'unknown';
  else if (facts.platform === 'linux') {
    const caps = facts.procStatus === null ? null : effectiveCapabilities(facts.procStatus);
    if (caps === null) rights = 'unknown';
    else rights = hasCapability(caps, CAP_SYS_PTRACE) && hasCapability(caps, CAP_DAC_READ_SEARCH) ? 'capabilities' : 'user';
  } else rights = 'user';
  return { host, pid: facts.pid, user: facts.user, uid: facts.uid, rights, access: 'full' };
}
