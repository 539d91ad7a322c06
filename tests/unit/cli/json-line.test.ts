// A JSON line written in pieces is byte for byte the line written whole, for lists around the piece size.
import { describe, expect, it } from 'vitest';
import { json, writeJsonLine } from '../../../src/cli/context.js';

describe('writeJsonLine', () => {
  it('writes the same bytes as json() of the whole object, in pieces', () => {
    const item = (i: number) => ({ id: `tcp4 127.0.0.1:${i}>*#${i}`, n: i, name: i % 7 === 0 ? 'evil\u202e\x1b[8m' : 'node', none: null });
    for (const count of [0, 1, 2, 999, 1000, 1001, 2500]) {
      const items = Array.from({ length: count }, (_, i) => item(i));
      const head = { type: 'snapshot', seq: 1, takenAt: 1_796_000_000_000 };
      const pieces: string[] = [];
      writeJsonLine((t) => pieces.push(t), head, 'sockets', items);
      expect(pieces.join(''), `${count} items`).toBe(json({ ...head, sockets: items }) + '\n');
      // Never the whole list in one piece past the first thousand.
      if (count > 1000) expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(json(items).length);
    }
  });

  it('works with an empty head', () => {
    const pieces: string[] = [];
    writeJsonLine((t) => pieces.push(t), {}, 'xs', [1, 2, 3], 2);
    expect(pieces.join('')).toBe('{"xs":[1,2,3]}\n');
  });
});
