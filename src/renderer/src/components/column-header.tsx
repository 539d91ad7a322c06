// A socket table's header and its column layout: click a header to sort (Shift+click adds a column),
// drag its right edge to resize (double-click: back to the default width; with the keyboard, focus
// the edge and press ← →), drag a header onto another to move it there, right-click the header (or
// its ⋯ button) to hide and show columns or reset them. The layout is kept per table (column-layout.ts).
//
// TanStack Table holds the state of the header (sorting, sizing, order, visibility), controlled from
// here so that one object — the ColumnLayout — is what is saved; its row pipeline is not used (see
// columns.tsx). It lives in the header alone, which re-renders only when the layout changes (not
// with every delta). Widths reach the rows as one CSS variable on the grid, so resizing re-renders
// no row.
import { memo, useCallback, useEffect, useMemo, useRef, useState, type CSSProperties, type DragEvent, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import {
  columnOrderingFeature,
  columnResizingFeature,
  columnSizingFeature,
  columnVisibilityFeature,
  createColumnHelper,
  functionalUpdate,
  rowSortingFeature,
  tableFeatures,
  useTable,
  type SortingState,
  type Updater,
} from '@tanstack/react-table';
import type { ColumnLayout, SortEntry } from '../column-layout.js';
import { clampWidth, defaultLayout, forgetLayout, gridTemplate, moveColumn, normaliseLayout, readLayout, visibleColumns, writeLayout } from '../column-layout.js';
import type { ColumnSpec, TableColumns } from './columns.js';
import { ContextMenu, type MenuItem } from './context-menu.js';
import { SortGlyph } from './grid.js';

const features = tableFeatures({ rowSortingFeature, columnSizingFeature, columnResizingFeature, columnOrderingFeature, columnVisibilityFeature });
type Features = typeof features;
const helper = createColumnHelper<Features, ColumnSpec>();
const NO_DATA: ColumnSpec[] = [];

export interface ColumnTable {
  spec: TableColumns;
  layout: ColumnLayout;
  /** The columns on show, in order; the same array until the order or visibility changes. */
  visible: readonly ColumnSpec[];
  sorting: readonly SortEntry[];
  /** Put on the grid: the columns' widths as --cols and --min-w. */
  style: CSSProperties;
  setLayout(update: (layout: ColumnLayout) => ColumnLayout): void;
  reset(): void;
}

function useTanStack(spec: TableColumns, layout: ColumnLayout, setLayout: (u: (l: ColumnLayout) => ColumnLayout) => void) {
  const byId = useMemo(() => new Map(spec.columns.map((c) => [c.id, c])), [spec]);
  const columns = useMemo(
    () =>
      helper.columns(
      spec.columns.map((c) =>
        // An accessor (never called: there is no data) is what makes a column sortable to TanStack.
        helper.accessor((row) => row.id, {
          id: c.id,
          header: c.header,
          size: c.width,
          minSize: c.minWidth,
          enableSorting: c.sort !== undefined,
          enableHiding: !c.required,
        }),
      ),
      ),
    [spec],
  );
  const columnVisibility = useMemo(() => Object.fromEntries(layout.hidden.map((id) => [id, false])), [layout.hidden]);
  return useTable({
    features,
    columns,
    data: NO_DATA,
    state: {
      sorting: layout.sort as SortingState,
      columnSizing: layout.widths,
      columnOrder: layout.order,
      columnVisibility,
    },
    onSortingChange: (u: Updater<SortingState>) => setLayout((l) => ({ ...l, sort: functionalUpdate(u, l.sort as SortingState).map((s) => ({ id: s.id, desc: s.desc })) })),
    onColumnSizingChange: (u) =>
      setLayout((l) => {
        const next = functionalUpdate(u, l.widths);
        const widths: Record<string, number> = {};
        for (const [id, w] of Object.entries(next)) {
          const c = byId.get(id);
          if (c) widths[id] = clampWidth(c, w);
        }
        return { ...l, widths };
      }),
    onColumnOrderChange: (u) => setLayout((l) => ({ ...l, order: functionalUpdate(u, l.order) })),
    onColumnVisibilityChange: (u) =>
      setLayout((l) => {
        const next = functionalUpdate(u, Object.fromEntries(l.hidden.map((id) => [id, false])));
        return { ...l, hidden: Object.entries(next).flatMap(([id, on]) => (on === false && !byId.get(id)?.required ? [id] : [])) };
      }),
    manualSorting: true,
    enableSortingRemoval: false,
    sortDescFirst: false,
    columnResizeMode: 'onChange',
  });
}

/** The layout of one table: read once from storage, saved shortly after each change. */
export function useColumnTable(spec: TableColumns): ColumnTable {
  const sortable = useCallback((id: string) => spec.columns.some((c) => c.id === id && c.sort !== undefined), [spec]);
  const [layout, setLayoutState] = useState<ColumnLayout>(() => normaliseLayout(readLayout(spec.id), spec.columns, spec.defaultSort, sortable));
  const changed = useRef(false);
  const setLayout = useCallback((update: (l: ColumnLayout) => ColumnLayout) => {
    changed.current = true;
    setLayoutState(update);
  }, []);

  // A drag of a column's edge changes the layout every frame: save once it rests.
  useEffect(() => {
    if (!changed.current) return;
    const t = setTimeout(() => writeLayout(spec.id, layout), 300);
    return () => clearTimeout(t);
  }, [spec.id, layout]);

  const reset = useCallback(() => {
    changed.current = false;
    forgetLayout(spec.id);
    setLayoutState(defaultLayout(spec.columns, spec.defaultSort));
  }, [spec]);

  const visibleIds = visibleColumns(layout).join(' ');
  const visible = useMemo(() => {
    const byId = new Map(spec.columns.map((c) => [c.id, c]));
    return visibleIds.split(' ').flatMap((id) => byId.get(id) ?? []);
  }, [spec, visibleIds]);
  const { template, minWidth } = gridTemplate(layout, visibleColumns(layout));
  const style = useMemo(() => ({ '--cols': template, '--min-w': `${minWidth}px` }) as CSSProperties, [template, minWidth]);
  // One object per layout: what reads it (the header, the grid) re-renders only when it changes.
  return useMemo(() => ({ spec, layout, visible, sorting: layout.sort, style, setLayout, reset }), [spec, layout, visible, style, setLayout, reset]);
}

/** The sort as a short text ("process:asc,pid:desc"), for commit marks and keys. */
export function sortingText(sorting: readonly SortEntry[]): string {
  return sorting.map((s) => `${s.id}:${s.desc ? 'desc' : 'asc'}`).join(',');
}

const RESIZE_STEP = 10;

/** The header row of a socket grid (inside its role="rowgroup"). */
export const GridHead = memo(function GridHead({ ct, label }: { ct: ColumnTable; label: string }) {
  const [menu, setMenu] = useState<{ x: number; y: number } | null>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const [dropBefore, setDropBefore] = useState<string | null>(null);
  const table = useTanStack(ct.spec, ct.layout, ct.setLayout);
  const headers = table.getHeaderGroups()[0]?.headers ?? [];
  const byId = useMemo(() => new Map(ct.spec.columns.map((c) => [c.id, c])), [ct.spec]);
  const { setLayout } = ct;

  const resizeBy = (id: string, delta: number) => {
    const c = byId.get(id);
    if (c) setLayout((l) => ({ ...l, widths: { ...l.widths, [id]: clampWidth(c, (l.widths[id] ?? c.width) + delta) } }));
  };

  const menuItems: MenuItem[] = [
    ...ct.layout.order.map((id) => {
      const c = byId.get(id)!;
      const shown = !ct.layout.hidden.includes(id);
      return {
        id: `col-${id}`,
        label: c.header,
        checked: shown,
        disabled: c.required,
        hint: c.required ? 'always shown' : undefined,
        onSelect: () => setLayout((l) => ({ ...l, hidden: shown ? [...l.hidden, id] : l.hidden.filter((h) => h !== id) })),
      } satisfies MenuItem;
    }),
    { id: 'reset', label: 'Reset columns', hint: 'order, widths, sort', separated: true, onSelect: ct.reset },
  ];

  const onDragOver = (id: string) => (e: DragEvent) => {
    if (dragging === null || dragging === id) return;
    e.preventDefault();
    const box = e.currentTarget.getBoundingClientRect();
    // Past the middle of a header: the column lands after it.
    const after = e.clientX > box.left + box.width / 2;
    const visible = ct.visible.map((c) => c.id);
    const before = after ? (visible[visible.indexOf(id) + 1] ?? null) : id;
    setDropBefore(before ?? '');
  };

  const startDrag = (id: string, label: string) => (e: DragEvent) => {
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', label);
    setDragging(id);
  };
  const endDrag = () => {
    setDragging(null);
    setDropBefore(null);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    if (dragging !== null && dropBefore !== null) {
      const id = dragging;
      const before = dropBefore === '' ? null : dropBefore;
      setLayout((l) => moveColumn(l, id, before));
    }
    setDragging(null);
    setDropBefore(null);
  };

  return (
    <div
      className={`grid-row head${dragging ? ' reordering' : ''}`}
      role="row"
      aria-rowindex={1}
      onContextMenu={(e) => {
        e.preventDefault();
        e.stopPropagation();
        setMenu({ x: e.clientX, y: e.clientY });
      }}
    >
      {headers.map((header) => {
        const id = header.column.id;
        const c = byId.get(id)!;
        const dir = header.column.getIsSorted();
        const canSort = header.column.getCanSort();
        return (
          <div
            key={header.id}
            role="columnheader"
            className={`c c-${id}${c.numeric ? ' num' : ''}${dragging === id ? ' dragging' : ''}${dropBefore === id ? ' drop-before' : ''}`}
            aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
            data-column={id}
            onDragOver={onDragOver(id)}
            onDrop={onDrop}
          >
            {/* The label is what drags (not the whole cell): pressing the resize edge must not start a move. */}
            {canSort ? (
              <button
                type="button"
                draggable
                onDragStart={startDrag(id, c.header)}
                onDragEnd={endDrag}
                onClick={header.column.getToggleSortingHandler()}
                title={`${c.help ? `${c.help}. ` : ''}Click to sort, Shift+click to add a column; drag to move; right-click for columns`}
              >
                <span className="head-text">{c.header}</span>
                <SortGlyph dir={dir} />
              </button>
            ) : (
              <span className="head-label" title={c.help} draggable onDragStart={startDrag(id, c.header)} onDragEnd={endDrag}>
                {c.header}
              </span>
            )}
            <span
              className={`col-resize${header.column.getIsResizing() ? ' active' : ''}`}
              role="separator"
              aria-orientation="vertical"
              aria-label={`Resize ${c.header}`}
              aria-valuenow={Math.round(header.getSize())}
              aria-valuemin={c.minWidth ?? 36}
              tabIndex={0}
              onMouseDown={(e) => {
                // No text selection, and no header drag: this press resizes.
                e.preventDefault();
                e.stopPropagation();
                header.getResizeHandler()(e);
              }}
              onTouchStart={(e) => header.getResizeHandler()(e)}
              onClick={(e) => e.stopPropagation()}
              onDoubleClick={() => setLayout((l) => ({ ...l, widths: { ...l.widths, [id]: c.width } }))}
              onKeyDown={(e: ReactKeyboardEvent) => {
                if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
                  e.preventDefault();
                  e.stopPropagation();
                  resizeBy(id, e.key === 'ArrowLeft' ? -RESIZE_STEP : RESIZE_STEP);
                }
              }}
            />
          </div>
        );
      })}
      <div
        role="columnheader"
        className={`c c-filler${dropBefore === '' ? ' drop-before' : ''}`}
        onDragOver={(e) => {
          if (dragging === null) return;
          e.preventDefault();
          setDropBefore('');
        }}
        onDrop={onDrop}
      >
        <button type="button" className="columns-button" aria-label={`Columns of ${label}`} title="Show, hide or reset columns" onClick={(e) => setMenu({ x: e.clientX, y: e.clientY })}>
          ⋯
        </button>
      </div>
      {menu !== null && <ContextMenu x={menu.x} y={menu.y} label={`Columns of ${label}`} items={menuItems} onClose={() => setMenu(null)} />}
    </div>
  );
});
