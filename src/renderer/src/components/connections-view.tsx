// Every socket, TCPView style: a dense, sortable, virtualised table that stays smooth at 10,000 rows.
// New rows flash green, closing rows stay red for a moment, changed rows are briefly marked.
import { memo, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTable, type SortingState } from '@tanstack/react-table';
import type { Row } from '../store.js';
import type { Filter } from '../filter.js';
import { describeFilter, isEmptyFilter, matchSocket, usesNames } from '../filter.js';
import { useSnapshot } from '../hooks.js';
import { useViewCommitMark } from '../commit-marks.js';
import { formatCount } from '../format.js';
import { columns, features, NUMERIC_COLUMNS, renderCell, sortRows, type ColumnId } from './columns.js';
import { useNamesLookup } from './names.js';
import { GridMessage, HEAD_H, ROW_H, SocketRow, SortGlyph, useGridVirtualizer, useRowNavigation, type SocketRowProps } from './grid.js';

const COLUMN_IDS: ColumnId[] = ['proto', 'local', 'remote', 'owner', 'state', 'process', 'pid', 'user', 'age'];

export interface ConnectionsViewProps {
  filter: Filter;
  grouped: boolean;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
  /** Told how many rows the filter lets through, for the toolbar. */
  onShown?: (shown: number) => void;
}

interface GroupItem {
  kind: 'group';
  key: string;
  name: string;
  pid: number | null;
  user: string | null;
  count: number;
  collapsed: boolean;
}

/** What the scroller shows: store rows as they are (no wrapper per row), and group headings. */
type Item = Row | GroupItem;

const isGroup = (item: Item): item is GroupItem => 'kind' in item;

const NO_DATA: Row[] = [];

function groupKey(row: Row): string {
  return row.socket.pid === null ? 'none' : `pid:${row.socket.pid}`;
}

/** Groups rows by owning process, in order of each group's first row (so groups follow the sort). */
function groupRows(rows: readonly Row[], collapsed: ReadonlySet<string>): Item[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = groupKey(r);
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  const items: Item[] = [];
  for (const [key, list] of groups) {
    const s = list[0]!.socket;
    const isCollapsed = collapsed.has(key);
    items.push({
      kind: 'group',
      key,
      name: s.process?.name ?? (s.pid === null ? 'No process (not attributed)' : `pid ${s.pid}`),
      pid: s.pid,
      user: s.process?.user ?? null,
      count: list.length,
      collapsed: isCollapsed,
    });
    if (!isCollapsed) for (const r of list) items.push(r);
  }
  return items;
}

export function ConnectionsView({ filter, grouped, selectedId, onSelect, onShown }: ConnectionsViewProps) {
  const snap = useSnapshot();
  const { rows: allRows, rowsVersion, phase } = snap;

  // TanStack Table keeps the columns, the header model and the sorting state; ordering the live rows
  // is done by sortRows (see columns.tsx for why).
  const [sorting, setSorting] = useState<SortingState>([{ id: 'process', desc: false }]);
  const table = useTable({
    features,
    columns,
    data: NO_DATA,
    state: { sorting },
    onSortingChange: setSorting,
    manualSorting: true,
    enableSortingRemoval: false,
    sortDescFirst: false,
  });

  const { socketsVersion } = snap;
  const names = useNamesLookup(usesNames(filter));
  const sorted = useMemo(() => {
    const out: Row[] = [];
    if (isEmptyFilter(filter)) for (const r of allRows.values()) out.push(r);
    else for (const r of allRows.values()) if (matchSocket(filter, r.socket, names.get)) out.push(r);
    return sortRows(out, sorting);
    // socketsVersion says when the Map (updated in place) gained or changed a socket; names.version
    // when a host: or country: term may match differently.
  }, [allRows, socketsVersion, filter, sorting, names.get, names.version]);

  // A highlight lapsing or a closing row leaving moves nothing: take the current row objects in the
  // order already sorted, instead of sorting again.
  const shownRows = useMemo(() => {
    let same = true;
    const out: Row[] = [];
    for (const r of sorted) {
      const current = allRows.get(r.id);
      if (current !== r) same = false;
      if (current !== undefined) out.push(current);
    }
    return same ? sorted : out;
  }, [sorted, allRows, rowsVersion]);

  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const items = useMemo<readonly Item[]>(() => (grouped ? groupRows(shownRows, collapsed) : shownRows), [shownRows, grouped, collapsed]);

  useEffect(() => onShown?.(shownRows.length), [onShown, shownRows.length]);
  useViewCommitMark(items, { view: 'connections', filter: filter.source, sorting: sorting.map((s) => `${s.id}:${s.desc ? 'desc' : 'asc'}`).join(','), grouped, rows: items.length });

  const toggleGroup = useCallback((key: string) => {
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  }, []);

  // Rows are all one height, so the virtualiser needs only the count: it recomputes nothing when
  // rows move. React keys come from the items themselves.
  const { scrollRef, virtualizer } = useGridVirtualizer(items.length);

  const itemsRef = useRef(items);
  itemsRef.current = items;
  useRowNavigation({
    ids: () => itemsRef.current.flatMap((it) => (isGroup(it) ? [] : [it.id])),
    selectedId,
    onSelect,
    scrollToId: (id) => {
      const index = itemsRef.current.findIndex((it) => !isGroup(it) && it.id === id);
      if (index >= 0) virtualizer.scrollToIndex(index, { align: 'auto' });
    },
    pageSize: () => Math.max(1, Math.floor(((scrollRef.current?.clientHeight ?? 400) - HEAD_H) / ROW_H) - 1),
  });

  const select = useCallback((id: string) => onSelect(id), [onSelect]);
  const headers = table.getHeaderGroups()[0]?.headers ?? [];
  const virtualItems = virtualizer.getVirtualItems();

  let message: ReactNode = null;
  if (phase === 'loading') message = <GridMessage tone="busy">Reading the socket tables…</GridMessage>;
  else if (items.length === 0 && allRows.size > 0)
    message = (
      <GridMessage>
        No sockets match <strong>{describeFilter(filter)}</strong> ({formatCount(allRows.size)} hidden). Press Esc in the filter box to clear it.
      </GridMessage>
    );
  else if (allRows.size === 0) message = <GridMessage>No sockets are open.</GridMessage>;

  return (
    <div
      className="grid conn-grid"
      role="grid"
      aria-label="Connections"
      aria-rowcount={items.length + 1}
      aria-multiselectable="false"
      ref={scrollRef}
      tabIndex={-1}
    >
      <div className="grid-head" role="rowgroup">
        <div className="grid-row head" role="row" aria-rowindex={1}>
          {headers.map((header) => {
            const dir = header.column.getIsSorted();
            const id = header.column.id;
            return (
              <div
                key={header.id}
                role="columnheader"
                className={`c c-${id} ${NUMERIC_COLUMNS.has(id) ? 'num' : ''}`}
                aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
              >
                <button type="button" onClick={header.column.getToggleSortingHandler()} title="Sort (Shift+click adds a column)">
                  {String(header.column.columnDef.header)}
                  <SortGlyph dir={dir} />
                </button>
              </div>
            );
          })}
        </div>
      </div>
      <div className="grid-body" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
        {virtualItems.map((v) => {
          const item = items[v.index];
          if (item === undefined) return null;
          const top = v.start - HEAD_H;
          return isGroup(item) ? (
            <GroupRow key={`group ${item.key}`} item={item} top={top} index={v.index} onToggle={toggleGroup} />
          ) : (
            <ConnectionRow key={item.id} row={item} top={top} index={v.index} selected={item.id === selectedId} onSelect={select} />
          );
        })}
      </div>
      {message}
    </div>
  );
}

const ConnectionRow = memo(function ConnectionRow({ row, ...placed }: SocketRowProps) {
  const s = row.socket;
  return (
    <SocketRow row={row} {...placed}>
      {COLUMN_IDS.map((id) => (
        <div key={id} role="gridcell" className={`c c-${id}${NUMERIC_COLUMNS.has(id) ? ' num' : ''}`} title={cellTitle(id, row)}>
          {renderCell(id, s)}
        </div>
      ))}
    </SocketRow>
  );
});

function cellTitle(id: ColumnId, row: Row): string | undefined {
  const s = row.socket;
  // The endpoints' cells carry their own tooltips (raw address, scope, the port's service and class).
  if (id === 'process') return s.process?.cmdline || s.process?.exe || undefined;
  return undefined;
}

interface GroupRowProps {
  item: GroupItem;
  top: number;
  index: number;
  onToggle: (key: string) => void;
}

const GroupRow = memo(function GroupRow({ item, top, index, onToggle }: GroupRowProps) {
  return (
    <div className="grid-row group" role="row" aria-rowindex={index + 2} aria-expanded={!item.collapsed} style={{ transform: `translateY(${top}px)` }}>
      <div role="gridcell" className="c group-cell">
        <button type="button" className="group-toggle" onClick={() => onToggle(item.key)} aria-label={`${item.collapsed ? 'Expand' : 'Collapse'} ${item.name}`}>
          <span className="chevron" aria-hidden="true">
            {item.collapsed ? '▸' : '▾'}
          </span>
          <span className="group-name">{item.name}</span>
          {item.pid !== null && <span className="group-meta">pid {item.pid}</span>}
          {item.user !== null && <span className="group-meta">{item.user}</span>}
          <span className="group-count">{formatCount(item.count)}</span>
        </button>
      </div>
    </div>
  );
});
