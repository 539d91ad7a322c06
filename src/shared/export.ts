// Export of what a view shows (live sockets or history) as CSV, JSON or NDJSON, and the same columns
// as tab-separated text for the clipboard: one rule for the CLI and the UI. CSV goes through
// csv-stringify (quoting per RFC 4180); cells a spreadsheet would run as a formula are neutralised.
// The browser build (its own small Buffer polyfill inside): the same module in Node, Electron and the page.
import { stringify } from 'csv-stringify/browser/esm/sync';
import type { HistoryEntry } from './history.js';
import type { Socket } from './model.js';
import { jsonText, printable } from './printable.js';

export const EXPORT_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

type Cell = string | number | null;
interface Column<T> {
  header: string;
  value: (row: T) => Cell;
}

const iso = (ms: number | null): string | null => (ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString());

const SOCKET_COLUMNS: Column<Socket>[] = [
  { header: 'protocol', value: (s) => `${s.protocol}${s.family === 6 ? '6' : ''}` },
  { header: 'local_address', value: (s) => s.localAddress },
  { header: 'local_port', value: (s) => s.localPort },
  { header: 'remote_address', value: (s) => s.remoteAddress },
  { header: 'remote_port', value: (s) => s.remotePort },
  { header: 'state', value: (s) => s.state },
  { header: 'pid', value: (s) => s.pid },
  { header: 'process', value: (s) => s.process?.name ?? null },
  { header: 'user', value: (s) => s.process?.user ?? null },
  { header: 'exe', value: (s) => s.process?.exe ?? null },
  { header: 'cmdline', value: (s) => s.process?.cmdline ?? null },
  { header: 'bytes_sent', value: (s) => s.bytesSent },
  { header: 'bytes_received', value: (s) => s.bytesReceived },
  { header: 'first_seen', value: (s) => iso(s.firstSeen) },
];

const HISTORY_COLUMNS: Column<HistoryEntry>[] = [
  { header: 'kind', value: (e) => e.kind },
  { header: 'opened_at', value: (e) => iso(e.openedAt) },
  { header: 'closed_at', value: (e) => iso(e.closedAt) },
  ...(SOCKET_COLUMNS.filter((c) => c.header !== 'first_seen') as Column<HistoryEntry>[]),
  { header: 'remote_host', value: (e) => e.remoteHost },
  { header: 'remote_country', value: (e) => e.remoteCountry },
  { header: 'remote_org', value: (e) => e.remoteOrg },
];

/**
 * A cell a spreadsheet would read as a formula (=, +, -, @, or a tab or carriage return first: a
 * process may name itself "=cmd|' /c calc'!A1") gets a leading apostrophe, as OWASP advises. Control
 * and bidi characters are shown as escapes: CSV has none of its own, and it is printed to terminals.
 */
export function neutraliseCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  return /^[=+\-@\t\r]/.test(value) ? `'${printable(value)}` : printable(value);
}

function toCsv<T>(columns: Column<T>[], rows: readonly T[]): string {
  return stringify([columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => neutraliseCell(c.value(r))))], { record_delimiter: 'unix' });
}

/** Live sockets as CSV (header row first). */
export function socketsCsv(sockets: readonly Socket[]): string {
  return toCsv(SOCKET_COLUMNS, sockets);
}

/** History entries as CSV (header row first). */
export function historyCsv(entries: readonly HistoryEntry[]): string {
  return toCsv(HISTORY_COLUMNS, entries);
}

/** What a view shows, in one of the export formats. */
export function exportSockets(sockets: readonly Socket[], format: ExportFormat, takenAt: number): string {
  switch (format) {
    case 'csv':
      return socketsCsv(sockets);
    case 'json':
      return jsonText({ takenAt, sockets }) + '\n';
    case 'ndjson':
      return sockets.map((s) => jsonText(s) + '\n').join('');
  }
}

/** History as the CLI's `history --json` prints it: { connections: [...], listeners: [...] }. */
export function exportHistory(entries: readonly HistoryEntry[], format: ExportFormat): string {
  switch (format) {
    case 'csv':
      return historyCsv(entries);
    case 'json':
      return jsonText({ connections: entries.filter((e) => e.kind === 'connection'), listeners: entries.filter((e) => e.kind === 'listener') }) + '\n';
    case 'ndjson':
      return entries.map((e) => jsonText(e) + '\n').join('');
  }
}

/** Rows as tab-separated text for the clipboard (a header line first when more than one row). */
export function historyText(entries: readonly HistoryEntry[]): string {
  return asText(HISTORY_COLUMNS, entries);
}

/** One cell of tab-separated text (clipboard, history table): tabs and line breaks as spaces, controls escaped. */
export function textCell(value: string | number): string {
  return printable(String(value).replace(/[\t\r\n]+/g, ' '));
}

function asText<T>(columns: Column<T>[], rows: readonly T[]): string {
  // Tabs and line breaks inside a value would break the columns: they become spaces; other controls
  // are shown as escapes (pasted into a terminal, they would run).
  const line = (cells: Cell[]) => cells.map((c) => (c === null ? '' : textCell(c))).join('\t');
  const body = rows.map((r) => line(columns.map((c) => c.value(r))));
  return (rows.length > 1 ? [line(columns.map((c) => c.header)), ...body] : body).join('\n') + '\n';
}
