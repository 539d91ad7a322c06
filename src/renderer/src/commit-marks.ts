// Events fired after React has committed what the user asked for, so a benchmark can time an input
// event (a keystroke, a click) to the screen holding its answer. Dispatching one costs nothing when
// nobody listens; the app never reads them.
import { useLayoutEffect } from 'react';

/** A change of rows from a delta reached the screen. detail: { seq, rowsVersion } */
export const ROWS_COMMITTED_EVENT = 'portwatch:rows-committed';

/** A view committed a new list: detail says which view and what shaped it (filter, sorting, grouping). */
export const VIEW_COMMITTED_EVENT = 'portwatch:view-committed';

export interface ViewCommit {
  view: string;
  /** The filter text the rows on screen were filtered with. */
  filter?: string;
  /** "process:asc,pid:desc" */
  sorting?: string;
  grouped?: boolean;
  rows: number;
}

/** Fires VIEW_COMMITTED_EVENT after each commit in which `list` (the view's rows) is a new object. */
export function useViewCommitMark(list: unknown, detail: ViewCommit): void {
  useLayoutEffect(() => {
    document.dispatchEvent(new CustomEvent(VIEW_COMMITTED_EVENT, { detail }));
    // detail is derived from the same inputs as list.
  }, [list]);
}
