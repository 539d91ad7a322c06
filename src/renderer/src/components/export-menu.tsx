// "Export ▾": what a view shows (after its filter, in its order) saved as CSV, JSON or NDJSON, the
// formats and columns of shared/export.ts. One menu for every view that exports.
import { useState } from 'react';
import type { ExportFormat } from '../../../shared/export.js';
import { exportFileName, MIME, saveText } from '../save-file.js';
import { ContextMenu, type MenuItem } from './context-menu.js';

export interface ExportMenuProps {
  /** Names the file: portwatch-WHAT-<time>.csv. */
  what: string;
  /** The text of the export, made when chosen (not on every render). */
  make: (format: ExportFormat, takenAt: number) => string;
  /** Says what one NDJSON line is: "one socket a line". */
  unit: string;
  disabled?: boolean;
}

export function ExportMenu({ what, make, unit, disabled = false }: ExportMenuProps) {
  const [at, setAt] = useState<{ x: number; y: number } | null>(null);
  function run(format: ExportFormat) {
    const now = Date.now();
    saveText(exportFileName(what, format, now), make(format, now), MIME[format]);
  }
  const items: MenuItem[] = [
    { id: 'csv', label: 'CSV', hint: 'spreadsheets', onSelect: () => run('csv') },
    { id: 'json', label: 'JSON', onSelect: () => run('json') },
    { id: 'ndjson', label: 'NDJSON', hint: `one ${unit} a line`, onSelect: () => run('ndjson') },
  ];
  return (
    <>
      <button
        type="button"
        className="button small"
        aria-haspopup="menu"
        title="Save what this view shows (after the filter)"
        disabled={disabled}
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
