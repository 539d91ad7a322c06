// @vitest-environment happy-dom
// The layout of a table's columns as saved and read back: what a user set survives, what a newer
// release adds takes its default place, and nothing in storage can break the table.
import { afterEach, describe, expect, it } from 'vitest';
import {
  clampWidth,
  defaultLayout,
  forgetLayout,
  gridTemplate,
  moveColumn,
  normaliseLayout,
  readLayout,
  visibleColumns,
  writeLayout,
  type ColumnBasics,
} from '../../../src/renderer/src/column-layout.js';

const COLUMNS: ColumnBasics[] = [
  { id: 'proto', width: 60 },
  { id: 'local', width: 200, minWidth: 80 },
  { id: 'remote', width: 220 },
  { id: 'process', width: 150, required: true },
  { id: 'command', width: 300, defaultHidden: true },
];
const sortable = (id: string) => id !== 'command';
const SORT = [{ id: 'process', desc: false }];

afterEach(() => localStorage.clear());

describe('column layout', () => {
  it('defaults: every column in order, the default-hidden ones hidden, default widths and sort', () => {
    const l = defaultLayout(COLUMNS, SORT);
    expect(l).toEqual({ order: ['proto', 'local', 'remote', 'process', 'command'], hidden: ['command'], widths: { proto: 60, local: 200, remote: 220, process: 150, command: 300 }, sort: SORT });
    expect(visibleColumns(l)).toEqual(['proto', 'local', 'remote', 'process']);
  });

  it('keeps what the user saved, and clamps widths to the column’s limits', () => {
    const saved = { order: ['process', 'remote', 'local', 'proto', 'command'], hidden: ['proto'], widths: { local: 10, remote: 99_999, process: 180 }, sort: [{ id: 'remote', desc: true }] };
    const l = normaliseLayout(saved, COLUMNS, SORT, sortable);
    expect(l.order).toEqual(['process', 'remote', 'local', 'proto', 'command']);
    expect(l.hidden).toEqual(['proto']);
    expect(l.widths).toMatchObject({ local: 80, remote: 1600, process: 180, proto: 60 });
    expect(l.sort).toEqual([{ id: 'remote', desc: true }]);
  });

  it('a column added since the layout was saved takes its default place and visibility; unknown ids are dropped', () => {
    const saved = { order: ['remote', 'gone', 'proto', 'process'], hidden: ['gone'], widths: { gone: 50 }, sort: [{ id: 'gone', desc: false }] };
    const l = normaliseLayout(saved, COLUMNS, SORT, sortable);
    // local followed proto by default; command followed process.
    expect(l.order).toEqual(['remote', 'proto', 'local', 'process', 'command']);
    expect(l.hidden).toEqual(['command']);
    expect(l.widths).not.toHaveProperty('gone');
    expect(l.sort).toEqual(SORT);
  });

  it('a required column cannot be hidden, and hiding every column is refused', () => {
    expect(normaliseLayout({ order: COLUMNS.map((c) => c.id), hidden: ['process', 'local'] }, COLUMNS, SORT, sortable).hidden).toEqual(['local']);
    expect(normaliseLayout({ hidden: ['proto', 'local', 'remote', 'command'] }, [{ id: 'proto', width: 1 }, { id: 'local', width: 1 }], [], sortable).hidden).toEqual([]);
  });

  it('anything else in storage gives the defaults', () => {
    for (const bad of [null, 42, 'x', [], { order: 'proto' }, { widths: [1, 2] }, { sort: [{ id: 'proto' }] }]) {
      const l = normaliseLayout(bad, COLUMNS, SORT, sortable);
      expect(l.order).toEqual(defaultLayout(COLUMNS).order);
      expect(l.sort).toEqual(SORT);
    }
    localStorage.setItem('portwatch.columns.v1.t', '{not json');
    expect(readLayout('t')).toBeUndefined();
  });

  it('moves a column before another, or to the end; the grid template has each width and a filler', () => {
    const l = defaultLayout(COLUMNS, SORT);
    expect(moveColumn(l, 'process', 'local').order).toEqual(['proto', 'process', 'local', 'remote', 'command']);
    expect(moveColumn(l, 'proto', null).order).toEqual(['local', 'remote', 'process', 'command', 'proto']);
    expect(moveColumn(l, 'local', 'remote')).toBe(l); // already there
    expect(gridTemplate(l, visibleColumns(l))).toEqual({ template: '60px 200px 220px 150px minmax(0, 1fr)', minWidth: 630 });
    expect(clampWidth(COLUMNS[1]!, 12.4)).toBe(80);
  });

  it('is saved per table in localStorage and read back; forgetting it brings the defaults back', () => {
    const l = { ...moveColumn(defaultLayout(COLUMNS, SORT), 'remote', 'proto'), hidden: ['local'] };
    expect(writeLayout('connections', l)).toBe(true);
    expect(readLayout('listening')).toBeUndefined();
    expect(normaliseLayout(readLayout('connections'), COLUMNS, SORT, sortable)).toEqual(l);
    forgetLayout('connections');
    expect(readLayout('connections')).toBeUndefined();
  });

  it('a storage that refuses (full, disabled) loses nothing already on screen and says so', () => {
    const refusing = { setItem: () => { throw new Error('QuotaExceededError'); }, getItem: () => { throw new Error('SecurityError'); } };
    expect(writeLayout('t', defaultLayout(COLUMNS), refusing)).toBe(false);
    expect(readLayout('t', refusing)).toBeUndefined();
  });
});
