// The monitor's table as it was before a delta, without a copy: the table as it is now, with the
// sockets the delta touched seen as they were. Valid only while the delta is being delivered (the
// table moves on with the next poll); read it then, or copy what you need.
import type { Socket } from '../shared/model.js';

export class PreviousView implements ReadonlyMap<string, Socket> {
  /**
   * @param current the table now
   * @param before each id the delta touched → the socket before it (undefined: it did not exist)
   */
  constructor(
    private readonly current: ReadonlyMap<string, Socket>,
    private readonly before: ReadonlyMap<string, Socket | undefined>,
  ) {}

  get(id: string): Socket | undefined {
    return this.before.has(id) ? this.before.get(id) : this.current.get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  get size(): number {
    let n = this.current.size;
    for (const [id, was] of this.before) n += (was === undefined ? 0 : 1) - (this.current.has(id) ? 1 : 0);
    return n;
  }

  *entries(): MapIterator<[string, Socket]> {
    for (const [id, s] of this.current) {
      if (!this.before.has(id)) yield [id, s];
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
