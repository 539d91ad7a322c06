// The sockets this very process holds, by inode (Linux): "one of Portwatch's own" must not depend on
// whether the socket table has attributed a fresh socket to its owner yet.
import { readdirSync, readlinkSync } from 'node:fs';

export function ownSocketInodes(fdDir = '/proc/self/fd'): Set<number> {
  const out = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(fdDir);
  } catch {
    return out; // not Linux: the pid check stands alone
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${fdDir}/${fd}`));
      if (m !== null) out.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}
