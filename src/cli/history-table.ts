// The history as the terminal shows it: one line per closed connection or gone listener, newest first.
import type { HistoryEntry, HistoryResult } from '../shared/history.js';
import { entryDuration } from '../shared/history.js';
import { formatEndpoint } from '../shared/model.js';
import { printable } from '../shared/printable.js';

const COLUMNS = ['CLOSED', 'LIVED', 'KIND', 'PROTO', 'LOCAL', 'REMOTE', 'PID', 'PROCESS', 'SENT', 'RECEIVED'] as const;

/** "1.2 MB", "512 B"; "-" where unknown. */
export function formatBytes(n: number | null): string {
  if (n === null) return '-';
  if (n < 1024) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** "0.4 s", "12 s", "3 min", "5 h", "2 d". */
export function formatLifetime(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7200_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${Math.round(ms / 3600_000)} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

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
