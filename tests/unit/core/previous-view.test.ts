import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PreviousView } from '../../../src/core/previous-view.js';
import type { Socket } from '../../../src/shared/model.js';
import { sock } from '../../helpers/sockets.js';

describe('PreviousView', () => {
  it('reads exactly as a copy of the table before the changes would (property)', () => {
    const pool = Array.from({ length: 12 }, (_, i) => sock({ address: '127.0.0.1', port: 1000 + i }));
    fc.assert(
      fc.property(fc.subarray(pool), fc.subarray(pool), fc.subarray(pool), (before, after, changedPick) => {
        const previous = new Map(before.map((s) => [s.id, s]));
        const current = new Map<string, Socket>();
        for (const s of after) current.set(s.id, changedPick.includes(s) && previous.has(s.id) ? { ...s, state: 'CLOSE' } : s);
        const touched = new Map<string, Socket | undefined>();
        for (const id of new Set([...previous.keys(), ...current.keys()])) if (previous.get(id) !== current.get(id)) touched.set(id, previous.get(id));
        const view = new PreviousView(current, touched);
        expect(view.size).toBe(previous.size);
        expect(new Map(view)).toEqual(previous);
        expect([...view.keys()].sort()).toEqual([...previous.keys()].sort());
        for (const s of pool) {
          expect(view.get(s.id)).toBe(previous.get(s.id));
          expect(view.has(s.id)).toBe(previous.has(s.id));
        }
        let n = 0;
        view.forEach((s, id) => {
          expect(previous.get(id)).toBe(s);
          n++;
        });
        expect(n).toBe(previous.size);
      }),
    );
  });
});
