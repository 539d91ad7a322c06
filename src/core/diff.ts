import type { Delta, Socket } from '../shared/model.js';

/**
 * What changed between two polls. Pure: the same inputs give the same delta. A socket counts as
 * changed when what a user sees of it changed (state, owner, the process behind the owner).
 */
export function diffSockets(
  previous: ReadonlyMap<string, Socket>,
  next: readonly Socket[] | ReadonlyMap<string, Socket>,
  seq: number,
  takenAt: number,
): Delta {
  // The monitor already holds the next poll by id; a list is indexed here once.
  const nextById: ReadonlyMap<string, Socket> = Array.isArray(next)
    ? new Map((next as readonly Socket[]).map((s) => [s.id, s]))
    : (next as ReadonlyMap<string, Socket>);
  const added: Socket[] = [];
  const changed: Socket[] = [];
  for (const s of nextById.values()) {
    const before = previous.get(s.id);
    if (before === undefined) added.push(s);
    else if (!sameSocket(before, s)) changed.push(s);
  }
  const removed: string[] = [];
  for (const id of previous.keys()) if (!nextById.has(id)) removed.push(id);
  return { seq, takenAt, added, removed, changed };
}

export function sameSocket(a: Socket, b: Socket): boolean {
  if (a === b) return true; // sources hand back the same object for an unchanged socket
  return (
    a.state === b.state &&
    a.listening === b.listening &&
    a.pid === b.pid &&
    a.inode === b.inode &&
    a.remoteAddress === b.remoteAddress &&
    a.remotePort === b.remotePort &&
    a.firstSeen === b.firstSeen &&
    sameProcess(a.process, b.process)
  );
}

function sameProcess(a: Socket['process'], b: Socket['process']): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return (
    a.pid === b.pid &&
    a.startedAt === b.startedAt &&
    a.name === b.name &&
    a.exe === b.exe &&
    a.cmdline === b.cmdline &&
    a.user === b.user
  );
}
