// What a live socket row offers beyond the view's own items: copy it (as text, its command line),
// close its connection (TCPView's "Close Connection", confirmed in CloseConnectionDialog), and export
// what the view shows. One rule for which connections may be closed: shared/close-connection.ts.
import { whyNotClosable } from '../../../shared/close-connection.js';
import { exportSockets } from '../../../shared/export.js';
import type { Socket } from '../../../shared/model.js';
import type { Row } from '../store.js';
import { copyText } from '../save-file.js';
import type { MenuItem } from './context-menu.js';
import { ExportMenu } from './export-menu.js';

/** Copy command line, close connection: for the row menu (Copy row and its Ctrl+C are the shell's: row-text.ts). */
export function socketMenuItems(s: Socket, onCopied: (message: string) => void, onCloseConnection: (s: Socket) => void): MenuItem[] {
  const items: MenuItem[] = [];
  // Copy items only where there is a clipboard to copy to (as "Copy address").
  const clipboard = typeof navigator !== 'undefined' && typeof navigator.clipboard?.writeText === 'function';
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

/** "Export ▾" for a socket table: the rows it shows (its filter applied, in its order). */
export function ExportButton({ view, rows }: { view: 'connections' | 'listening'; rows: readonly Row[] }) {
  return <ExportMenu what={view} unit="socket" make={(format, takenAt) => exportSockets(rows.map((r) => r.socket), format, takenAt)} />;
}
