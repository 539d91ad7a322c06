// What "Copy row" (and Ctrl+C on a selected row) puts on the clipboard: the row as the table shows it
// — its visible columns in their order, names as shown — tab-separated, as TCPView copies. A row the
// virtualised table has not drawn is read from its socket instead. Each cell follows export.ts's textCell.
import type { Socket } from '../../shared/model.js';
import { formatEndpoint, stateLabel } from '../../shared/model.js';
import { textCell as cell } from '../../shared/export.js';
import { protoLabel } from './format.js';

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
