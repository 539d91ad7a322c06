import type { Delta, Snapshot, Socket } from './model.js';

/**
 * Applies a delta to a snapshot and returns the new one (the input is not changed). Order of the
 * result follows the old order, with added sockets appended, so a view does not jump around.
 */
export function applyDelta(snapshot: Snapshot, delta: Delta): Snapshot {
  if (delta.added.length === 0 && delta.removed.length === 0 && delta.changed.length === 0) {
    return snapshot.takenAt === delta.takenAt ? snapshot : { takenAt: delta.takenAt, sockets: snapshot.sockets };
  }
  const removed = new Set(delta.removed);
  const changed = new Map<string, Socket>();
  for (const s of delta.changed) changed.set(s.id, s);
  const sockets: Socket[] = [];
  for (const s of snapshot.sockets) {
    if (removed.has(s.id)) continue;
    sockets.push(changed.get(s.id) ?? s);
  }
  for (const s of delta.added) sockets.push(s);
  return { takenAt: delta.takenAt, sockets };
}
