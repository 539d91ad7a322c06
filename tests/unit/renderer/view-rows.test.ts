// The rows a socket view shows and the counts said about them: after any run of deltas the order kept
// up to date by merging is the order a full sort gives; closing rows are shown but not counted; typing
// forward filters only what the last keystroke left, with the same result as filtering everything.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONNECTION_TABLE, LISTENING_TABLE, NO_NAMES, sortRows } from '../../../src/renderer/src/components/columns.js';
import { narrows, parseFilter } from '../../../src/shared/filter.js';
import type { Row } from '../../../src/renderer/src/store.js';
import { filterRows, updateSorted } from '../../../src/renderer/src/view-rows.js';
import type { Socket } from '../../../src/shared/model.js';
import { listener, many, proc, sock } from './fixtures.js';

const row = (socket: Socket, flag: Row['flag'] = null): Row => ({ id: socket.id, socket, flag, flagUntil: 0 });
const ids = (rows: readonly Row[]) => rows.map((r) => r.id);

describe('updateSorted', () => {
  it('after any deltas, the merged order is the full sort’s, for every sortable column and direction', () => {
    const columns = CONNECTION_TABLE.columns.filter((c) => c.sort !== undefined);
    fc.assert(
      fc.property(
        fc.constantFrom(...columns.map((c) => c.id)),
        fc.boolean(),
        fc.array(fc.record({ add: fc.nat(40), remove: fc.nat(40), change: fc.nat(40), seed: fc.nat() }), { minLength: 1, maxLength: 6 }),
        (column, desc, steps) => {
          const sorting = [{ id: column, desc }];
          const rows = new Map<string, Row>();
          for (const s of many(300, (i) => 100 + (i % 7))) rows.set(s.id, row(s));
          let state = updateSorted(null, rows, sorting, CONNECTION_TABLE.columns);
          let next = 10_000;
          for (const step of steps) {
            const live = [...rows.keys()];
            for (let i = 0; i < step.remove && live.length > 0; i++) rows.delete(live[(step.seed + i * 7) % live.length]!);
            const left = [...rows.values()];
            for (let i = 0; i < step.change && left.length > 0; i++) {
              const r = left[(step.seed + i * 13) % left.length]!;
              const states = ['ESTABLISHED', 'CLOSE_WAIT', 'TIME_WAIT', 'FIN_WAIT2'] as const;
              const pid = 100 + ((step.seed + i) % 9);
              rows.set(r.id, row({ ...r.socket, state: states[(step.seed + i) % 4]!, pid, process: proc(pid, `p${pid}`), firstSeen: r.socket.firstSeen + i }, 'changed'));
            }
            for (let i = 0; i < step.add; i++) {
              const n = next++;
              const s = sock({ localPort: 20_000 + (n % 40_000), remoteAddress: `10.1.${(n >> 8) & 255}.${n & 255}`, pid: 100 + (n % 11), process: proc(100 + (n % 11), `p${n % 11}`), firstSeen: 1_700_000_000_000 + n });
              rows.set(s.id, row(s, 'new'));
            }
            state = updateSorted(state, rows, sorting, CONNECTION_TABLE.columns);
            const full = sortRows([...rows.values()], sorting, CONNECTION_TABLE.columns);
            // Equal keys may sit in another order; the sort keys, and the row objects on show, must match.
            const key = CONNECTION_TABLE.columns.find((c) => c.id === column)!.sort!;
            expect(state.list.map((r) => key.get(r.socket, NO_NAMES))).toEqual(full.map((r) => key.get(r.socket, NO_NAMES)));
            expect(new Set(state.list)).toEqual(new Set(rows.values()));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps the same list when nothing moved, and refreshes row objects in place when only highlights lapsed', () => {
    const rows = new Map(many(50).map((s) => [s.id, row(s, 'new')]));
    const sorting = CONNECTION_TABLE.defaultSort;
    const first = updateSorted(null, rows, sorting, CONNECTION_TABLE.columns);
    expect(updateSorted(first, rows, sorting, CONNECTION_TABLE.columns)).toBe(first);
    const [id, r] = [...rows][3]!;
    rows.set(id, { ...r, flag: null });
    const after = updateSorted(first, rows, sorting, CONNECTION_TABLE.columns);
    expect(ids(after.list)).toEqual(ids(first.list));
    expect(after.list).toContain(rows.get(id));
  });

  it('a view of some sockets (Listening) takes only those, and follows a socket that stops listening', () => {
    const l = listener(8080, '0.0.0.0');
    const rows = new Map([l, listener(22, '0.0.0.0', 7, 'sshd'), ...many(20)].map((s) => [s.id, row(s)]));
    const include = (s: Socket) => s.listening;
    const first = updateSorted(null, rows, LISTENING_TABLE.defaultSort, LISTENING_TABLE.columns, include);
    expect(first.list.map((r) => r.socket.localPort)).toEqual([22, 8080]);
    rows.set(l.id, row({ ...l, listening: false, state: 'CLOSE' }));
    expect(updateSorted(first, rows, LISTENING_TABLE.defaultSort, LISTENING_TABLE.columns, include).list.map((r) => r.socket.localPort)).toEqual([22]);
  });
});

describe('filterRows', () => {
  it('counts live sockets only; closing rows are on show and counted apart', () => {
    const sockets = many(10);
    const list = sockets.map((s, i) => row(s, i < 3 ? 'closing' : null));
    const all = filterRows(list, parseFilter(''));
    expect(all).toMatchObject({ live: 7, closing: 3 });
    expect(all.rows).toHaveLength(10);
    const some = filterRows(list, parseFilter(`port:${sockets[0]!.localPort}`));
    expect(some).toMatchObject({ live: 0, closing: 1 });
    expect(some.live).toBeLessThanOrEqual(all.live);
  });

  it('typing forward filters what the last keystroke left, with the result of filtering everything', () => {
    const list = many(400).map((s) => row(s));
    const texts = ['p', 'pr', 'pro', 'proc-1', 'proc-1 port:1', 'proc-1 port:1000', 'proc-1 -10.0', 'x'];
    let prev: ReturnType<typeof filterRows> | undefined;
    for (const t of texts) {
      const f = parseFilter(t);
      const fast = filterRows(list, f, prev && { ...prev, from: list, namesVersion: 0 });
      expect(ids(fast.rows)).toEqual(ids(filterRows(list, f).rows));
      prev = fast;
    }
  });

  it('narrows: longer text and added terms narrow; anything else does not', () => {
    const n = (a: string, b: string) => narrows(parseFilter(a), parseFilter(b));
    expect(n('', 'chrome')).toBe(true);
    expect(n('ch', 'chr')).toBe(true);
    expect(n('chrome', 'chrome 443')).toBe(true);
    expect(n('proc:no', 'proc:node')).toBe(true);
    expect(n('chr', 'ch')).toBe(false);
    expect(n('port:3', 'port:30')).toBe(false);
    expect(n('-ab', '-abc')).toBe(false);
    expect(n('chrome 443', 'chrome')).toBe(false);
  });
});
