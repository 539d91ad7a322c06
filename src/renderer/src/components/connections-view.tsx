// Every socket, TCPView style: a dense, sortable, virtualised table that stays smooth at 12,000 rows.
// New rows flash green, closing rows stay red for a moment, changed rows are briefly marked. The rows
// come filtered and sorted from the shell (view-rows.ts), which says the same counts in the toolbar.
import { memo, useCallback, useMemo, useState, type ReactNode } from 'react';
import { useViewCommitMark } from '../commit-marks.js';
import { describeFilter, isEmptyFilter } from '../../../shared/filter.js';
import { formatCount } from '../format.js';
import type { Row } from '../store.js';
import type { ViewRows } from '../view-rows.js';
import { sortingText, type ColumnTable } from './column-header.js';
import { GridMessage } from './grid.js';
import { SocketGrid, type GridItem } from './socket-grid.js';

export interface ConnectionsViewProps {
  ct: ColumnTable;
  view: ViewRows;
  /** Live sockets in all, for "nothing matches (N hidden)". */
  total: number;
  loading: boolean;
  grouped: boolean;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
}

function groupKey(row: Row): string {
  return row.socket.pid === null ? 'none' : `pid:${row.socket.pid}`;
}

/** Groups rows by owning process, in order of each group's first row (so groups follow the sort). */
export function groupRows(rows: readonly Row[], collapsed: ReadonlySet<string>): GridItem[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = groupKey(r);
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const items: GridItem[] = [];
  for (const [key, list] of groups) {
    const s = list[0]!.socket;
    const isCollapsed = collapsed.has(key);
    let closing = 0;
    for (const r of list) if (r.flag === 'closing') closing++;
    items.push({
      kind: 'group',
      key,
      name: s.process?.name ?? (s.pid === null ? 'No process (not attributed)' : `pid ${s.pid}`),
      pid: s.pid,
      user: s.process?.user ?? null,
      count: list.length - closing,
      closing,
      collapsed: isCollapsed,
    });
    if (!isCollapsed) for (const r of list) items.push(r);
  }
  return items;
}

/** Memoised: a keystroke's first, urgent render (the text in the box) leaves the table alone. */
export const ConnectionsView = memo(function ConnectionsView({ ct, view, total, loading, grouped, selectedId, onSelect }: ConnectionsViewProps) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const items = useMemo<readonly GridItem[]>(() => (grouped ? groupRows(view.rows, collapsed) : view.rows), [view.rows, grouped, collapsed]);
  useViewCommitMark(items, { view: 'connections', filter: view.filter.source, sorting: sortingText(ct.sorting), grouped, rows: items.length });

  const toggleGroup = useCallback((key: string) => {
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  }, []);
  const select = useCallback((id: string) => onSelect(id), [onSelect]);

  let message: ReactNode = null;
  if (loading) message = <GridMessage tone="busy">Reading the socket tables…</GridMessage>;
  else if (items.length === 0 && total > 0 && !isEmptyFilter(view.filter))
    message = (
      <GridMessage>
        No sockets match <strong>{describeFilter(view.filter)}</strong> ({formatCount(total)} hidden). Press Esc in the filter box to clear it.
      </GridMessage>
    );
  else if (items.length === 0) message = <GridMessage>No sockets are open.</GridMessage>;

  return (
    <SocketGrid
      label="Connections"
      className="conn-grid"
      ct={ct}
      items={items}
      selectedId={selectedId}
      onSelect={select}
      keyboard
      onToggleGroup={toggleGroup}
      message={message}
    />
  );
});
