import { describe, expect, it } from 'vitest';
import { cutFurthestBehind } from '../../../src/server/send-budget.js';

describe('cutFurthestBehind', () => {
  it('cuts the clients with the most queued until the total fits, and no one while it fits', () => {
    const queued = new Map([['reader', 1], ['slow', 40], ['stalled', 70], ['idle', 0]]);
    const cut: string[] = [];
    cutFurthestBehind(queued.keys(), (c) => queued.get(c)!, (c) => cut.push(c), 100);
    expect(cut).toEqual(['stalled']);
    cut.length = 0;
    cutFurthestBehind(queued.keys(), (c) => queued.get(c)!, (c) => cut.push(c), 200);
    expect(cut).toEqual([]);
    cutFurthestBehind(queued.keys(), (c) => queued.get(c)!, (c) => cut.push(c), 0);
    expect(cut).toEqual(['stalled', 'slow', 'reader']);
  });
});
