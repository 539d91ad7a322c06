import { describe, expect, it } from 'vitest';
import { cutFurthestBehind } from '../../../src/server/send-budget.js';

describe('cutFurthestBehind', () => {
  it('cuts the clients with the most queued until the total fits, and no one while it fits', () => {
    const queued = new Map([['reader', 1], ['slow', 40], ['stalled', 70], ['idle', 0]]);
    const cut: string[] = [];
    cutFurthestBehind(queued, (c) => queued.get(c)!, (c) => cut.push(c), 100);
    expect(cut).toEqual(['stalled']);
    cut.length = 0;
    cutFurthestBehind(queued, (c) => queued.get(c)!, (c) => cut.push(c), 200);
    expect(cut).toEqual([]);
    cutFurthestBehind(queued, (c) => queued.get(c)!, (c) => cut.push(c), 0);
    expect(cut).toEqual(['stalled', 'slow', 'reader']);
  });

  it('within the budget asks each client once and cuts no one; over it, works from a set too', () => {
    const clients = new Set(['a', 'b', 'c']);
    const bytes: Record<string, number> = { a: 0, b: 30, c: 50 };
    const asked: string[] = [];
    const cut: string[] = [];
    const queued = (c: string) => (asked.push(c), bytes[c]!);
    cutFurthestBehind(clients, queued, (c) => cut.push(c), 80);
    expect(asked).toEqual(['a', 'b', 'c']);
    expect(cut).toEqual([]);
    cutFurthestBehind(clients, queued, (c) => cut.push(c), 79);
    expect(cut).toEqual(['c']);
  });
});
