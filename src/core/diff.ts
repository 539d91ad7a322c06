import type { Delta, Socket } from '../shared/model.js';
import { sameSocket } from '../shared/model.js';

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
