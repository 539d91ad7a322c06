// What a live socket row offers beyond the view's own items: copy it (as text, its command line),
// close its connection (TCPView's "Close Connection", confirmed in CloseConnectionDialog), and export
// what the view shows. One rule for which connections may be closed: shared/close-connection.ts.
import { useEffect, useState } from 'react';
import { whyNotClosable } from '../../../shared/close-connection.js';
import { exportSockets, socketsText, type ExportFormat } from '../../../shared/export.js';
import type { Socket } from '../../../shared/model.js';
import type { Row } from '../store.js';
import { copyText, exportFileName, MIME, saveText } from '../save-file.js';
import { ContextMenu, type MenuItem } from './context-menu.js';

/** Copy row, copy command line, close connection: for the row menu. */
export function socketMenuItems(s: Socket, onCopied: (message: string) => void, onCloseConnection: (s: Socket) => void): MenuItem[] {
  const items: MenuItem[] = [];
  // Copy items only where there is a clipboard to copy to (as "Copy address").
  const clipboard = typeof navigator !== 'undefined' && typeof navigator.clipboard?.writeText === 'function';
  if (clipboard) items.push({ id: 'copy-row', label: 'Copy row', hint: 'Ctrl+C', onSelect: () => void copyText(socketsText([s]), 'the row').then(onCopied) });
  if (clipboard && s.process?.cmdline) {
    const cmd = s.process.cmdline;
    items.push({ id: 'copy-cmd', label: 'Copy command line', onSelect: () => void copyText(cmd, 'the command line').then(onCopied) });
  }
  // The engine refuses its own connections too; the page does not know its pid.
  if (whyNotClosable(s, null) === null) {
    items.push({ id: 'close-connection', label: 'Close connection…', hint: 'process keeps running', danger: true, separated: true, onSelect: () => onCloseConnection(s) });
  }
  return items;
}

/** Ctrl+C (⌘C) copies the selected row as text, unless text is selected or a field has focus. */
export function useCopyRowShortcut(selected: () => Socket | null, onCopied: (message: string) => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.key.toLowerCase() !== 'c') return;
      const t = e.target;
      if (t instanceof HTMLElement && (t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
      if (window.getSelection()?.toString()) return;
      const s = selected();
      if (s === null) return;
      e.preventDefault();
      void copyText(socketsText([s]), 'the row').then(onCopied);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [selected, onCopied]);
}

/** "Export ▾": the rows the view shows (its filter applied, in its order) as CSV, JSON or NDJSON. */
export function ExportButton({ view, rows }: { view: 'connections' | 'listening'; rows: readonly Row[] }) {
  const [at, setAt] = useState<{ x: number; y: number } | null>(null);
  function run(format: ExportFormat) {
    saveText(exportFileName(view, format), exportSockets(rows.map((r) => r.socket), format, Date.now()), MIME[format]);
  }
  const items: MenuItem[] = [
    { id: 'csv', label: 'CSV', hint: 'spreadsheets', onSelect: () => run('csv') },
    { id: 'json', label: 'JSON', onSelect: () => run('json') },
    { id: 'ndjson', label: 'NDJSON', hint: 'one socket a line', onSelect: () => run('ndjson') },
  ];
  return (
    <>
      <button
        type="button"
        className="button small"
        aria-haspopup="menu"
        title="Save what this view shows (after the filter)"
        onClick={(e) => {
          const box = e.currentTarget.getBoundingClientRect();
          setAt({ x: box.left, y: box.bottom + 2 });
        }}
      >
        Export ▾
      </button>
      {at !== null && <ContextMenu x={at.x} y={at.y} label="Export as" items={items} onClose={() => setAt(null)} />}
    </>
  );
}
