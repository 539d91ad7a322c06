// The rows a socket view shows, and the counts said about them: one derivation, read by the table and
// by the toolbar alike, so the two can never disagree.
//
// Counts have one meaning everywhere (the tabs, the header, the toolbar, group headings): live sockets.
// A closing row stays on screen for a moment (TCPView's red) but is no longer counted; the toolbar
// says how many closing rows are on show beside the count.
//
// Work per input is kept to what the input changes: the rows are sorted in full only when the sort
// changes; after a delta the new and changed rows are sorted among themselves and merged into the
// list (mergeSorted), and when only highlights lapse the list is refreshed in place. Filtering — the
// cheap part, a keystroke's whole cost — comes last.
import { useMemo, useRef } from 'react';
import type { SortEntry } from './column-layout.js';
import type { ColumnSpec } from './components/columns.js';
import { mergeSorted, socketComparator, sortRows } from './components/columns.js';
import type { Filter } from './filter.js';
import { isEmptyFilter, matchSocket, narrows } from './filter.js';
import type { Row, StoreSnapshot } from './store.js';
import type { Socket } from '../../shared/model.js';

export interface ViewRows {
  /** What the table shows, in order: the matching rows, closing ones included. */
  rows: readonly Row[];
  /** Matching live sockets: the count the toolbar says. */
  live: number;
  /** Matching rows on show only because they are closing. */
  closing: number;
  /** The filter these rows went through. */
  filter: Filter;
}

export interface RowsInput {
  snap: Pick<StoreSnapshot, 'rows' | 'rowsVersion' | 'socketsVersion'>;
  /** Which sockets belong to the view at all (Listening: listeners). */
  include?: (s: Socket) => boolean;
  sorting: readonly SortEntry[];
  columns: readonly ColumnSpec[];
  filter: Filter;
  /** False while the view is not on screen: nothing is recomputed until it is again. */
  active: boolean;
}

/**
 * Filters `sorted` (order kept) and counts what it lets through. With `prev` — the result for the same
 * sorted list under a filter this one narrows — only prev's rows are looked at.
 */
export function filterRows(sorted: readonly Row[], filter: Filter, prev?: ViewRows & { from: readonly Row[] }): ViewRows {
  if (prev !== undefined && prev.from === sorted && !isEmptyFilter(prev.filter) && narrows(prev.filter, filter)) {
    const rows: Row[] = [];
    let closing = 0;
    for (const r of prev.rows) {
      if (!matchSocket(filter, r.socket)) continue;
      rows.push(r);
      if (r.flag === 'closing') closing++;
    }
    return { rows, live: rows.length - closing, closing, filter };
  }
  const empty = isEmptyFilter(filter);
  const rows: Row[] = empty ? (sorted as Row[]) : [];
  let closing = 0;
  for (const r of sorted) {
    if (!empty && !matchSocket(filter, r.socket)) continue;
    if (!empty) rows.push(r);
    if (r.flag === 'closing') closing++;
  }
  return { rows, live: rows.length - closing, closing, filter };
}

interface Sorted {
  list: readonly Row[];
  sorting: readonly SortEntry[];
  columns: readonly ColumnSpec[];
  include: ((s: Socket) => boolean) | undefined;
}

/**
 * The view's rows in order, from the previous order where there is one: what left is dropped, what is
 * new or changed is merged in, the rest keeps its place (with its current row object).
 */
export function updateSorted(prev: Sorted | null, rows: ReadonlyMap<string, Row>, sorting: readonly SortEntry[], columns: readonly ColumnSpec[], include?: (s: Socket) => boolean): Sorted {
  const compare = socketComparator(sorting, columns);
  const fresh = prev === null || prev.sorting !== sorting || prev.columns !== columns || prev.include !== include;
  if (!fresh && compare !== null) {
    const seen = new Set<string>();
    const kept: Row[] = [];
    const moved: Row[] = [];
    let same = true;
    // How many of the rows listed before are still in the table: fewer than the table holds means new ones.
    let present = 0;
    for (const r of prev.list) {
      seen.add(r.id);
      const now = rows.get(r.id);
      if (now === undefined) {
        same = false;
        continue;
      }
      present++;
      if (now.socket === r.socket) {
        if (now !== r) same = false;
        kept.push(now);
      } else {
        same = false;
        if (include === undefined || include(now.socket)) moved.push(now);
      }
    }
    if (rows.size > present || include !== undefined) {
      for (const r of rows.values()) if (!seen.has(r.id) && (include === undefined || include(r.socket))) moved.push(r);
    }
    if (same && moved.length === 0) return prev;
    // Past a third of the list changing, one sort is cheaper than a merge.
    if (moved.length * 3 < kept.length) return { list: mergeSorted(kept, moved, compare), sorting, columns, include };
  }
  const list: Row[] = [];
  if (include === undefined) for (const r of rows.values()) list.push(r);
  else for (const r of rows.values()) if (include(r.socket)) list.push(r);
  return { list: sortRows(list, sorting, columns), sorting, columns, include };
}

export function useViewRows({ snap, include, sorting, columns, filter, active }: RowsInput): ViewRows {
  // While inactive the inputs are frozen at what was last computed, so the memos below keep their value.
  const frozen = useRef({ socketsVersion: snap.socketsVersion, rowsVersion: snap.rowsVersion, sorting, filter });
  if (active) frozen.current = { socketsVersion: snap.socketsVersion, rowsVersion: snap.rowsVersion, sorting, filter };
  const f = frozen.current;
  const { rows } = snap;
  const last = useRef<Sorted | null>(null);

  const sorted = useMemo(() => {
    last.current = updateSorted(last.current, rows, f.sorting, columns, include);
    return last.current.list;
    // The versions say when the Map (updated in place) changed.
  }, [rows, f.socketsVersion, f.rowsVersion, f.sorting, columns, include]);

  const lastFiltered = useRef<(ViewRows & { from: readonly Row[] }) | undefined>(undefined);
  return useMemo(() => {
    const result = filterRows(sorted, f.filter, lastFiltered.current);
    lastFiltered.current = { ...result, from: sorted };
    return result;
  }, [sorted, f.filter]);
}
