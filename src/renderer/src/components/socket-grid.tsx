// One virtualised table of sockets, whatever view it is in: Connections, Listening, and the port
// lookup's lists. Fixed-height rows under a sticky header (column-header.tsx), only the rows in
// view in the DOM, cells from the table's visible columns, and optional group headings (Connections
// grouped by process). A bounded grid (maxRows) sits in a scrolling page with a scroller of its own.
import { memo, useCallback, useRef, type CSSProperties, type ReactNode } from 'react';
import { formatCount } from '../format.js';
import type { Row } from '../store.js';
import { GridHead, type ColumnTable } from './column-header.js';
import type { CellContext, ColumnSpec } from './columns.js';
import { HEAD_H, ROW_H, SocketRow, useGridVirtualizer, useRowNavigation } from './grid.js';

/** A heading over the rows of one process (Connections, grouped). */
export interface GroupItem {
  kind: 'group';
  key: string;
  name: string;
  pid: number | null;
  user: string | null;
  /** Live sockets in the group (closing ones are not counted, as everywhere). */
  count: number;
  closing: number;
  collapsed: boolean;
}

export type GridItem = Row | GroupItem;

export const isGroup = (item: GridItem): item is GroupItem => 'kind' in item;

const NO_CONTEXT: CellContext = {};

export interface SocketGridProps {
  label: string;
  ct: ColumnTable;
  items: readonly GridItem[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** Arrow keys and Page keys move the selection (the view's main table only). */
  keyboard?: boolean;
  /** What a row's cells need beyond the socket (its conflicts). */
  contextOf?: (row: Row) => CellContext;
  /** Classes and data attributes a table adds to its rows. */
  decorate?: (row: Row) => { extraClass?: string; data?: Record<`data-${string}`, string | undefined> };
  onToggleGroup?: (key: string) => void;
  /** Shown where rows would be (loading, nothing matches). */
  message?: ReactNode;
  className?: string;
  /** A grid inside a scrolling page: at most this many rows tall, scrolling within. */
  maxRows?: number;
}

export function SocketGrid({ label, ct, items, selectedId, onSelect, keyboard = false, contextOf, decorate, onToggleGroup, message, className = '', maxRows }: SocketGridProps) {
  const { scrollRef, virtualizer } = useGridVirtualizer(items.length);
  const itemsRef = useRef(items);
  itemsRef.current = items;
  useRowNavigation({
    enabled: keyboard,
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
  const toggle = useCallback((key: string) => onToggleGroup?.(key), [onToggleGroup]);

  const style: CSSProperties = maxRows === undefined ? ct.style : { ...ct.style, height: HEAD_H + Math.max(1, Math.min(items.length, maxRows)) * ROW_H + 2 };
  return (
    <div
      className={`grid ${className}${maxRows === undefined ? '' : ' bounded'}`}
      role="grid"
      aria-label={label}
      aria-rowcount={items.length + 1}
      aria-multiselectable="false"
      ref={scrollRef}
      tabIndex={-1}
      style={style}
    >
      <div className="grid-head table-head" role="rowgroup">
        <GridHead ct={ct} label={label} />
      </div>
      <div className="grid-body" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((v) => {
          const item = items[v.index];
          if (item === undefined) return null;
          const top = v.start - HEAD_H;
          // Keyed by position: a sort, a filter or a delta changes what a row on screen shows, and
          // patching its text is cheaper than replacing it.
          if (isGroup(item)) return <GroupRow key={v.index} item={item} top={top} index={v.index} onToggle={toggle} />;
          const deco = decorate?.(item);
          return (
            <GridRow
              key={v.index}
              row={item}
              top={top}
              index={v.index}
              selected={item.id === selectedId}
              onSelect={select}
              columns={ct.visible}
              ctx={contextOf?.(item) ?? NO_CONTEXT}
              extraClass={deco?.extraClass}
              data={deco?.data}
            />
          );
        })}
      </div>
      {message}
    </div>
  );
}

interface GridRowProps {
  row: Row;
  top: number;
  index: number;
  selected: boolean;
  onSelect: (id: string) => void;
  columns: readonly ColumnSpec[];
  ctx: CellContext;
  extraClass?: string;
  data?: Record<`data-${string}`, string | undefined>;
}

const GridRow = memo(
  function GridRow({ row, columns, ctx, extraClass, data, ...placed }: GridRowProps) {
    const s = row.socket;
    return (
      <SocketRow row={row} {...placed} extraClass={extraClass ? ` ${extraClass}` : ''} data={data}>
        {columns.map((c) => (
          <div key={c.id} role="gridcell" className={`c c-${c.id}${c.numeric ? ' num' : ''}${c.cellClass ? ` ${c.cellClass}` : ''}`} title={c.title?.(s)}>
            {c.cell(s, ctx)}
          </div>
        ))}
      </SocketRow>
    );
  },
  // data is rebuilt per render by decorate: compare what it says, not the object.
  (a, b) =>
    a.row === b.row &&
    a.top === b.top &&
    a.index === b.index &&
    a.selected === b.selected &&
    a.onSelect === b.onSelect &&
    a.columns === b.columns &&
    a.ctx === b.ctx &&
    a.extraClass === b.extraClass &&
    sameData(a.data, b.data),
);

function sameData(a: GridRowProps['data'], b: GridRowProps['data']): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k as `data-${string}`] === b[k as `data-${string}`]);
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
          {item.closing > 0 && <span className="group-meta">+{formatCount(item.closing)} closing</span>}
          <span className="group-count" title={`${formatCount(item.count)} socket${item.count === 1 ? '' : 's'}`}>
            {formatCount(item.count)}
          </span>
        </button>
      </div>
    </div>
  );
});
