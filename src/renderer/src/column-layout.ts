// How a table's columns are laid out: their order, which are hidden, their widths and the sort. The
// user changes it by dragging and right-clicking the header; it is kept per table in localStorage, so
// it survives a restart. What is read back is checked against the columns that exist now: an unknown
// id is dropped, a column added since (a new release) takes its default place, and a width outside the
// column's limits is clamped. A corrupt entry is ignored (the defaults apply) and overwritten only
// when the user changes the layout again.

export interface ColumnBasics {
  id: string;
  /** Default width in pixels. */
  width: number;
  minWidth?: number;
  /** Hidden until the user asks for it. */
  defaultHidden?: boolean;
  /** Cannot be hidden (the table would mean nothing without it). */
  required?: boolean;
}

export interface SortEntry {
  id: string;
  desc: boolean;
}

export interface ColumnLayout {
  /** Every known column id, in display order (hidden ones keep their place). */
  order: string[];
  hidden: string[];
  widths: Record<string, number>;
  sort: SortEntry[];
}

export const MAX_COLUMN_WIDTH = 1600;
export const DEFAULT_MIN_WIDTH = 36;
const STORAGE_PREFIX = 'portwatch.columns.v1.';

export function defaultLayout(columns: readonly ColumnBasics[], sort: readonly SortEntry[] = []): ColumnLayout {
  return {
    order: columns.map((c) => c.id),
    hidden: columns.filter((c) => c.defaultHidden && !c.required).map((c) => c.id),
    widths: Object.fromEntries(columns.map((c) => [c.id, c.width])),
    sort: [...sort],
  };
}

export function clampWidth(column: ColumnBasics, width: number): number {
  return Math.round(Math.min(MAX_COLUMN_WIDTH, Math.max(column.minWidth ?? DEFAULT_MIN_WIDTH, width)));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A saved layout made to fit the columns that exist now. Anything malformed is replaced by the
 * default for that part; sortable says which ids may be sorted on.
 */
export function normaliseLayout(saved: unknown, columns: readonly ColumnBasics[], fallbackSort: readonly SortEntry[], sortable: (id: string) => boolean): ColumnLayout {
  const base = defaultLayout(columns, fallbackSort);
  if (!isRecord(saved)) return base;
  const byId = new Map(columns.map((c) => [c.id, c]));

  // Order: the saved ids that still exist, then each newer column after the column it follows by default.
  let order = base.order;
  if (Array.isArray(saved.order)) {
    const kept = [...new Set(saved.order.filter((id): id is string => typeof id === 'string' && byId.has(id)))];
    if (kept.length > 0) {
      for (const [i, id] of base.order.entries()) {
        if (kept.includes(id)) continue;
        const before = base.order.slice(0, i).reverse().find((b) => kept.includes(b));
        kept.splice(before === undefined ? 0 : kept.indexOf(before) + 1, 0, id);
      }
      order = kept;
    }
  }

  let hidden = base.hidden;
  if (Array.isArray(saved.hidden)) {
    hidden = [...new Set(saved.hidden.filter((id): id is string => typeof id === 'string' && byId.has(id) && !byId.get(id)!.required))];
    // A column added since the layout was saved keeps its default visibility.
    const known = Array.isArray(saved.order) ? new Set(saved.order) : null;
    if (known !== null) for (const id of base.hidden) if (!known.has(id) && !hidden.includes(id)) hidden.push(id);
    // Never every column: the table would be an empty box.
    if (order.every((id) => hidden.includes(id))) hidden = base.hidden;
  }

  const widths = { ...base.widths };
  if (isRecord(saved.widths)) {
    for (const [id, w] of Object.entries(saved.widths)) {
      const column = byId.get(id);
      if (column !== undefined && typeof w === 'number' && Number.isFinite(w)) widths[id] = clampWidth(column, w);
    }
  }

  let sort = base.sort;
  if (Array.isArray(saved.sort)) {
    const entries = saved.sort.filter((s): s is SortEntry => isRecord(s) && typeof s.id === 'string' && typeof s.desc === 'boolean' && byId.has(s.id) && sortable(s.id));
    if (entries.length > 0) sort = entries.map((s) => ({ id: s.id, desc: s.desc }));
  }
  return { order, hidden, widths, sort };
}

/** The visible columns, in order. */
export function visibleColumns(layout: ColumnLayout): string[] {
  const hidden = new Set(layout.hidden);
  return layout.order.filter((id) => !hidden.has(id));
}

/** A layout with `id` moved to sit before `beforeId` (null: at the end). */
export function moveColumn(layout: ColumnLayout, id: string, beforeId: string | null): ColumnLayout {
  if (id === beforeId) return layout;
  const order = layout.order.filter((x) => x !== id);
  const at = beforeId === null ? order.length : order.indexOf(beforeId);
  order.splice(at < 0 ? order.length : at, 0, id);
  return order.every((x, i) => x === layout.order[i]) ? layout : { ...layout, order };
}

/** The CSS grid template of the visible columns, then a filler that takes what width is left. */
export function gridTemplate(layout: ColumnLayout, visible: readonly string[]): { template: string; minWidth: number } {
  let total = 0;
  const parts = visible.map((id) => {
    const w = layout.widths[id] ?? 100;
    total += w;
    return `${w}px`;
  });
  parts.push('minmax(0, 1fr)');
  return { template: parts.join(' '), minWidth: total };
}

/** What is saved, or undefined when nothing is (or storage cannot be read: private mode, a sandbox). */
export function readLayout(table: string, storage: Pick<Storage, 'getItem'> | null = safeStorage()): unknown {
  if (storage === null) return undefined;
  try {
    const text = storage.getItem(STORAGE_PREFIX + table);
    return text === null ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

/** Saves the layout; false when storage refused (full, disabled): the layout still applies until reload. */
export function writeLayout(table: string, layout: ColumnLayout, storage: Pick<Storage, 'setItem'> | null = safeStorage()): boolean {
  if (storage === null) return false;
  try {
    storage.setItem(STORAGE_PREFIX + table, JSON.stringify(layout));
    return true;
  } catch {
    return false;
  }
}

export function forgetLayout(table: string, storage: Pick<Storage, 'removeItem'> | null = safeStorage()): void {
  try {
    storage?.removeItem(STORAGE_PREFIX + table);
  } catch {
    // Nothing saved can be lost by failing to forget it.
  }
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
