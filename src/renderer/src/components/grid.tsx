// The pieces both live tables share: fixed-height rows in a virtualised scroller under a sticky
// header, keyboard movement of the selection, and the messages shown where rows would be.
import { useEffect, useRef, type ReactNode, type RefObject } from 'react';
import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import type { Row } from '../store.js';

export const ROW_H = 22;
export const HEAD_H = 26;

export function useGridVirtualizer(count: number): {
  scrollRef: RefObject<HTMLDivElement | null>;
  virtualizer: Virtualizer<HTMLDivElement, Element>;
} {
  const scrollRef = useRef<HTMLDivElement | null>(null);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 10,
    // The sticky header sits above the rows inside the same scroller.
    scrollMargin: HEAD_H,
    scrollPaddingStart: HEAD_H,
  });
  return { scrollRef, virtualizer };
}

/** Inputs whose keys are not text or choices: the table's keys still work while one has focus. */
const KEYLESS_INPUTS = new Set(['checkbox', 'button', 'submit', 'reset']);

export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.getAttribute('aria-label') === 'Filter') return false;
  if (target instanceof HTMLInputElement) return !KEYLESS_INPUTS.has(target.type);
  return target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT';
}

/**
 * ArrowUp / ArrowDown (and PageUp / PageDown, Home / End) move the selection through the rows in
 * display order (`ids`, asked for only when a key is pressed) and scroll the new one into view.
 */
export function useRowNavigation(options: {
  /** False: the keys are left alone (a table that is not the view's main one). Default true. */
  enabled?: boolean;
  ids: () => readonly string[];
  selectedId: string | null;
  onSelect: (id: string) => void;
  scrollToId: (id: string) => void;
  pageSize: () => number;
}): void {
  const latest = useRef(options);
  latest.current = options;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || isTypingTarget(e.target) || latest.current.enabled === false) return;
      const { selectedId, onSelect, scrollToId, pageSize } = latest.current;
      const keys = ['ArrowDown', 'ArrowUp', 'PageDown', 'PageUp', 'Home', 'End'];
      if (!keys.includes(e.key)) return;
      const ids = latest.current.ids();
      if (ids.length === 0) return;
      const at = selectedId === null ? -1 : ids.indexOf(selectedId);
      let next: number;
      switch (e.key) {
        case 'ArrowDown':
          next = at < 0 ? 0 : Math.min(ids.length - 1, at + 1);
          break;
        case 'ArrowUp':
          next = at < 0 ? 0 : Math.max(0, at - 1);
          break;
        case 'PageDown':
          next = Math.min(ids.length - 1, Math.max(0, at) + pageSize());
          break;
        case 'PageUp':
          next = Math.max(0, at - pageSize());
          break;
        case 'Home':
          if (e.target instanceof HTMLInputElement) return;
          next = 0;
          break;
        case 'End':
          if (e.target instanceof HTMLInputElement) return;
          next = ids.length - 1;
          break;
        default:
          return;
      }
      e.preventDefault();
      const id = ids[next];
      if (id === undefined) return;
      onSelect(id);
      scrollToId(id);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export interface SocketRowProps {
  row: Row;
  /** Where the virtualiser places it. */
  top: number;
  index: number;
  selected: boolean;
  onSelect: (id: string) => void;
}

/**
 * One socket's row in a live table: placed at `top`, marked new, changed or closing (data-flag, for
 * the highlight and the specs), selected on mouse-down. Extra classes and data attributes are the table's.
 */
export function SocketRow({
  row,
  top,
  index,
  selected,
  onSelect,
  extraClass = '',
  data,
  children,
}: SocketRowProps & { extraClass?: string; data?: Record<`data-${string}`, string | undefined>; children: ReactNode }) {
  return (
    <div
      className={`grid-row row${row.flag ? ` ${row.flag}` : ''}${selected ? ' selected' : ''}${extraClass}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-id={row.id}
      data-flag={row.flag ?? undefined}
      {...data}
      style={{ transform: `translateY(${top}px)` }}
      onMouseDown={() => onSelect(row.id)}
    >
      {children}
    </div>
  );
}

export function GridMessage({ children, tone = 'info' }: { children: ReactNode; tone?: 'info' | 'busy' }) {
  return (
    <div className={`grid-message ${tone}`} role="status">
      {tone === 'busy' && <span className="spinner" aria-hidden="true" />}
      {children}
    </div>
  );
}

export function SortGlyph({ dir }: { dir: false | 'asc' | 'desc' }) {
  return (
    <span className={`sort-glyph ${dir === false ? 'off' : ''}`} aria-hidden="true">
      {dir === 'desc' ? '▼' : '▲'}
    </span>
  );
}
