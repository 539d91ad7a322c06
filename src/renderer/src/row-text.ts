// What "Copy row" (and Ctrl+C on a selected row) puts on the clipboard: the row as the table shows it
// — its visible columns in their order, names as shown — tab-separated, as TCPView copies. A row the
// virtualised table has not drawn is read from its socket instead. Controls are shown as escapes and
// tabs/line breaks as spaces (pasted into a terminal, they would run; in a sheet, break the columns).
import type { Socket } from '../../shared/model.js';
import { formatEndpoint, stateLabel } from '../../shared/model.js';
import { printable } from '../../shared/printable.js';
import { protoLabel } from './format.js';

const cell = (v: string | number): string => printable(String(v).replace(/[\t\r\n]+/g, ' '));

export function rowText(s: Socket, root: ParentNode | null = typeof document === 'undefined' ? null : document): string {
  const row = root?.querySelector(`[role="row"][data-id="${CSS.escape(s.id)}"]`);
  if (row) {
    const cells = [...row.querySelectorAll('[role="gridcell"]')].map((c) => cell((c.textContent ?? '').trim()));
    if (cells.length > 0) return cells.join('\t');
  }
  return [
    protoLabel(s),
    formatEndpoint(s.localAddress, s.localPort),
    s.remoteAddress === null ? '*' : formatEndpoint(s.remoteAddress, s.remotePort),
    stateLabel(s),
    s.process?.name ?? '',
    s.pid ?? '',
    s.process?.user ?? '',
  ]
    .map(cell)
    .join('\t');
}
