// A small right-click menu for a row: opened by the mouse, the context-menu key or Shift+F10; arrow
// keys move, Enter picks, Escape (or a click elsewhere) closes and gives focus back.
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';

export interface MenuItem {
  id: string;
  label: string;
  onSelect: () => void;
  danger?: boolean;
  /** Said quietly after the label (the address a copy takes, a shortcut). */
  hint?: string;
  /** A line above this item. */
  separated?: boolean;
  /** A check item (shown with a tick when true); it toggles without closing the menu. */
  checked?: boolean;
  /** Shown but cannot be picked (a column that cannot be hidden). */
  disabled?: boolean;
}

export interface ContextMenuProps {
  /** Where it opens (viewport pixels); it moves in to stay on screen. */
  x: number;
  y: number;
  label: string;
  items: readonly MenuItem[];
  onClose: () => void;
}

const ITEMS = '[role="menuitem"], [role="menuitemcheckbox"]';

export function ContextMenu({ x, y, label, items, onClose }: ContextMenuProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [pos, setPos] = useState({ left: x, top: y });
  const restore = useRef<Element | null>(null);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const { width, height } = el.getBoundingClientRect();
    const margin = 6;
    setPos({
      left: Math.max(margin, Math.min(x, window.innerWidth - width - margin)),
      top: Math.max(margin, y + height + margin > window.innerHeight ? y - height : y),
    });
  }, [x, y]);

  useEffect(() => {
    restore.current = document.activeElement;
    ref.current?.querySelector<HTMLElement>(ITEMS)?.focus();
    const outside = (e: Event) => {
      if (ref.current && e.target instanceof Node && ref.current.contains(e.target)) return;
      onClose();
    };
    const close = () => onClose();
    document.addEventListener('mousedown', outside, true);
    window.addEventListener('resize', close);
    window.addEventListener('blur', close);
    document.addEventListener('wheel', close, { capture: true, passive: true });
    return () => {
      document.removeEventListener('mousedown', outside, true);
      window.removeEventListener('resize', close);
      window.removeEventListener('blur', close);
      document.removeEventListener('wheel', close, { capture: true });
      if (restore.current instanceof HTMLElement && restore.current.isConnected) restore.current.focus();
    };
  }, [onClose]);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    // Nothing behind the menu (row navigation, the filter shortcut) hears these keys.
    e.stopPropagation();
    const buttons = [...(ref.current?.querySelectorAll<HTMLButtonElement>(ITEMS) ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const move = (i: number) => buttons[(i + buttons.length) % buttons.length]?.focus();
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        move(at + 1);
        break;
      case 'ArrowUp':
        e.preventDefault();
        move(at < 0 ? -1 : at - 1);
        break;
      case 'Home':
        e.preventDefault();
        move(0);
        break;
      case 'End':
        e.preventDefault();
        move(-1);
        break;
      case 'Escape':
      case 'Tab':
        e.preventDefault();
        onClose();
        break;
      case 'F10':
      case 'ContextMenu':
        e.preventDefault();
        break;
    }
  }

  return (
    <div
      ref={ref}
      className="context-menu"
      role="menu"
      aria-label={label}
      style={{ left: pos.left, top: pos.top }}
      onKeyDown={onKeyDown}
      onContextMenu={(e) => e.preventDefault()}
    >
      {items.map((item) => (
        <div key={item.id} role="none" className={item.separated ? 'menu-sep' : undefined}>
          <button
            type="button"
            role={item.checked === undefined ? 'menuitem' : 'menuitemcheckbox'}
            aria-checked={item.checked}
            aria-disabled={item.disabled || undefined}
            tabIndex={-1}
            className={`menu-item${item.danger ? ' danger' : ''}${item.disabled ? ' disabled' : ''}`}
            onMouseEnter={(e) => e.currentTarget.focus()}
            onClick={() => {
              if (item.disabled) return;
              if (item.checked === undefined) onClose();
              item.onSelect();
            }}
          >
            {item.checked !== undefined && (
              <span className="menu-check" aria-hidden="true">
                {item.checked ? '✓' : ''}
              </span>
            )}
            <span className="menu-label">{item.label}</span>
            {item.hint !== undefined && <span className="menu-hint">{item.hint}</span>}
          </button>
        </div>
      ))}
    </div>
  );
}
