// The history as the terminal shows it: one line per closed connection or gone listener, newest first.
import type { HistoryEntry, HistoryResult } from '../shared/history.js';
import { formatBytes, formatLifetime } from '../shared/byte-size.js';
import { entryDuration } from '../shared/history.js';
import { formatEndpoint } from '../shared/model.js';
import { printable } from '../shared/printable.js';

const COLUMNS = ['CLOSED', 'LIVED', 'KIND', 'PROTO', 'LOCAL', 'REMOTE', 'PID', 'PROCESS', 'SENT', 'RECEIVED'] as const;

/** Local date and time to the second: "2026-12-02 08:14:03". */
export function formatWhen(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function row(e: HistoryEntry): string[] {
  return [
    formatWhen(e.closedAt),
    formatLifetime(entryDuration(e)),
    e.kind,
    `${e.protocol}${e.family === 6 ? '6' : ''}`,
    formatEndpoint(e.localAddress, e.localPort),
    e.remoteHost !== null && e.remotePort !== null ? `${printable(e.remoteHost)}:${e.remotePort}` : formatEndpoint(e.remoteAddress, e.remotePort),
    e.pid === null ? '-' : String(e.pid),
    printable(e.process?.name ?? '-'),
    formatBytes(e.bytesSent),
    formatBytes(e.bytesReceived),
  ];
}

export function formatHistoryTable(result: HistoryResult): string {
  const rows = result.entries.map(row);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const t = result.totals;
  const shown = result.entries.length < result.matched ? `${result.entries.length} of ${result.matched} shown (--limit)` : `${result.matched}`;
  const total = `${shown}: ${t.connections} connection${t.connections === 1 ? '' : 's'}, ${t.listeners} listener${t.listeners === 1 ? '' : 's'}; ${formatBytes(t.bytesSent)} sent, ${formatBytes(t.bytesReceived)} received`;
  return [line(COLUMNS), ...rows.map(line), total].join('\n') + '\n';
}
