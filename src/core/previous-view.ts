// The monitor's table as it was before a delta, without a copy: the table as it is now, with the
// sockets the delta touched seen as they were. Valid only while the delta is being delivered (the
// table moves on with the next poll); read it then, or copy what you need.
import type { Socket } from '../shared/model.js';

export class PreviousView implements ReadonlyMap<string, Socket> {
  private addedIds: Set<string> | null = null;

  /**
   * @param current the table now
   * @param before ids the delta touched → the socket before (undefined: it did not exist)
   * @param added sockets the delta added that `before` does not name (new ids)
   */
  constructor(
    private readonly current: ReadonlyMap<string, Socket>,
    private readonly before: ReadonlyMap<string, Socket | undefined>,
    private readonly added: readonly Socket[] = [],
  ) {}

  /** Ids that did not exist before: made on first need (a listener may never ask). */
  private isNew(id: string): boolean {
    if (this.added.length === 0) return false;
    this.addedIds ??= new Set(this.added.map((s) => s.id));
    return this.addedIds.has(id);
  }

  get(id: string): Socket | undefined {
    if (this.before.has(id)) return this.before.get(id);
    return this.isNew(id) ? undefined : this.current.get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  get size(): number {
    let n = this.current.size;
    for (const [id, was] of this.before) n += (was === undefined ? 0 : 1) - (this.current.has(id) ? 1 : 0);
    for (const s of this.added) if (!this.before.has(s.id) && this.current.has(s.id)) n--;
    return n;
  }

  *entries(): MapIterator<[string, Socket]> {
    for (const [id, s] of this.current) {
      if (!this.before.has(id) && !this.isNew(id)) yield [id, s];
    }
    for (const [id, was] of this.before) if (was !== undefined) yield [id, was];
  }

  *keys(): MapIterator<string> {
    for (const [id] of this.entries()) yield id;
  }

  *values(): MapIterator<Socket> {
    for (const [, s] of this.entries()) yield s;
  }

  [Symbol.iterator](): MapIterator<[string, Socket]> {
    return this.entries();
  }

  forEach(fn: (value: Socket, key: string, map: ReadonlyMap<string, Socket>) => void, thisArg?: unknown): void {
    for (const [id, s] of this.entries()) fn.call(thisArg, s, id, this);
  }
}
