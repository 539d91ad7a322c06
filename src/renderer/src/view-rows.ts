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
import type { ColumnSpec, SortNames } from './components/columns.js';
import { mergeSorted, NO_NAMES, socketComparator, sortRows, sortUsesNames, sortUsesTraffic } from './components/columns.js';
import { useTrafficLookup } from './hooks.js';
import { useNamesLookup, useResolve } from './components/names.js';
import type { Filter } from '../../shared/filter.js';
import { isEmptyFilter, matchSocket, narrows, usesNames } from '../../shared/filter.js';
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

/** The looked-up names a sort or filter may read, and a version that moves whenever they change. */
export interface ViewNames {
  lookup: SortNames;
  version: number;
  /** Moves with traffic updates (at most once a second) while a sort reads counters; 0 otherwise. */
  trafficVersion?: number;
}

export const NO_VIEW_NAMES: ViewNames = { lookup: NO_NAMES, version: 0 };

/**
 * The names store's lookup for the views' sorts and filters. Live (its version moving with every
 * names update) only while a sort or filter reads names, so that otherwise a names update costs the
 * tables nothing.
 */
export function useViewNames(live: boolean, liveTraffic = false): ViewNames {
  const { get, version } = useNamesLookup(live);
  const resolve = useResolve();
  // Traffic the same way: a sort by rate or bytes is redone as updates arrive, once a second at most.
  const traffic = useTrafficLookup(liveTraffic);
  return useMemo(() => ({ lookup: { get, resolve, counters: traffic.counters }, version, trafficVersion: traffic.version }), [get, resolve, version, traffic]);
}

/** A filter's result, with what it was computed from (for the next keystroke's shortcut). */
export type FilteredFrom = ViewRows & { from: readonly Row[]; namesVersion: number };

export interface RowsInput {
  snap: Pick<StoreSnapshot, 'rows' | 'rowsVersion' | 'socketsVersion'>;
  /** Which sockets belong to the view at all (Listening: listeners). */
  include?: (s: Socket) => boolean;
  sorting: readonly SortEntry[];
  columns: readonly ColumnSpec[];
  filter: Filter;
  /** Names for the sort and the filter (owner, host:, country:). */
  names?: ViewNames;
  /** False while the view is not on screen: nothing is recomputed until it is again. */
  active: boolean;
}

/**
 * Filters `sorted` (order kept) and counts what it lets through. With `prev` — the result for the same
 * sorted list under a filter this one narrows — only prev's rows are looked at.
 */
export function filterRows(sorted: readonly Row[], filter: Filter, prev?: FilteredFrom, names: ViewNames = NO_VIEW_NAMES): ViewRows {
  const get = names.lookup.get;
  // A host: or country: term matches differently once names have changed: no shortcut then.
  const sameNames = prev !== undefined && (prev.namesVersion === names.version || !usesNames(filter));
  if (prev !== undefined && sameNames && prev.from === sorted && !isEmptyFilter(prev.filter) && narrows(prev.filter, filter)) {
    const rows: Row[] = [];
    let closing = 0;
    for (const r of prev.rows) {
      if (!matchSocket(filter, r.socket, get)) continue;
      rows.push(r);
      if (r.flag === 'closing') closing++;
    }
    return { rows, live: rows.length - closing, closing, filter };
  }
  const empty = isEmptyFilter(filter);
  const rows: Row[] = empty ? (sorted as Row[]) : [];
  let closing = 0;
  for (const r of sorted) {
    if (!empty && !matchSocket(filter, r.socket, get)) continue;
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
  namesVersion: number;
  trafficVersion: number;
}

/**
 * The view's rows in order, from the previous order where there is one: what left is dropped, what is
 * new or changed is merged in, the rest keeps its place (with its current row object).
 */
export function updateSorted(
  prev: Sorted | null,
  rows: ReadonlyMap<string, Row>,
  sorting: readonly SortEntry[],
  columns: readonly ColumnSpec[],
  include?: (s: Socket) => boolean,
  names: ViewNames = NO_VIEW_NAMES,
): Sorted {
  const compare = socketComparator(sorting, columns, names.lookup);
  const namesVersion = names.version;
  const trafficVersion = names.trafficVersion ?? 0;
  // New names can move any row of a sort that reads them (owner, host), new counters any row of a
  // sort by traffic: sort everything again.
  const fresh =
    prev === null ||
    prev.sorting !== sorting ||
    prev.columns !== columns ||
    prev.include !== include ||
    (prev.namesVersion !== namesVersion && sortUsesNames(sorting, columns)) ||
    (prev.trafficVersion !== trafficVersion && sortUsesTraffic(sorting, columns));
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
    if (same && moved.length === 0) return prev.namesVersion === namesVersion && prev.trafficVersion === trafficVersion ? prev : { ...prev, namesVersion, trafficVersion };
    // Past a third of the list changing, one sort is cheaper than a merge.
    if (moved.length * 3 < kept.length) return { list: mergeSorted(kept, moved, compare), sorting, columns, include, namesVersion, trafficVersion };
  }
  const list: Row[] = [];
  if (include === undefined) for (const r of rows.values()) list.push(r);
  else for (const r of rows.values()) if (include(r.socket)) list.push(r);
  return { list: sortRows(list, sorting, columns, names.lookup), sorting, columns, include, namesVersion, trafficVersion };
}

export function useViewRows({ snap, include, sorting, columns, filter, names = NO_VIEW_NAMES, active }: RowsInput): ViewRows {
  // While inactive the inputs are frozen at what was last computed, so the memos below keep their value.
  const frozen = useRef({ socketsVersion: snap.socketsVersion, rowsVersion: snap.rowsVersion, sorting, filter, names });
  if (active) frozen.current = { socketsVersion: snap.socketsVersion, rowsVersion: snap.rowsVersion, sorting, filter, names };
  const f = frozen.current;
  const { rows } = snap;
  const last = useRef<Sorted | null>(null);

  const sorted = useMemo(() => {
    last.current = updateSorted(last.current, rows, f.sorting, columns, include, f.names);
    return last.current.list;
    // The versions say when the Map (updated in place) changed, and when names did.
  }, [rows, f.socketsVersion, f.rowsVersion, f.sorting, columns, include, f.names]);

  const lastFiltered = useRef<FilteredFrom | undefined>(undefined);
  return useMemo(() => {
    const result = filterRows(sorted, f.filter, lastFiltered.current, f.names);
    lastFiltered.current = { ...result, from: sorted, namesVersion: f.names.version };
    return result;
  }, [sorted, f.filter, f.names]);
}
