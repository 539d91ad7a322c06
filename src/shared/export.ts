// Export of what a view shows (live sockets, history, processes, alerts, port conflicts) as CSV, JSON
// or NDJSON, and the same columns as tab-separated text for the clipboard: one rule for the CLI and the UI. CSV goes through
// csv-stringify (quoting per RFC 4180); cells a spreadsheet would run as a formula are neutralised.
// The browser build (its own small Buffer polyfill inside): the same module in Node, Electron and the page.
import { stringify } from 'csv-stringify/browser/esm/sync';
import type { Alert } from './alerts.js';
import type { Conflict } from './conflicts.js';
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
  return exportRows(SOCKET_COLUMNS, sockets, format, 'sockets', takenAt);
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

/** One line of the Processes view: who uses the network, how fast and how much (null: not measured). */
export interface ProcessExportRow {
  pid: number;
  name: string;
  exe: string | null;
  user: string | null;
  sendRate: number | null;
  receiveRate: number | null;
  bytesSent: number | null;
  bytesReceived: number | null;
  connections: number;
  listeners: number;
  remoteHosts: number;
}

const PROCESS_COLUMNS: Column<ProcessExportRow>[] = [
  { header: 'pid', value: (p) => p.pid },
  { header: 'process', value: (p) => p.name },
  { header: 'user', value: (p) => p.user },
  { header: 'exe', value: (p) => p.exe },
  { header: 'send_bytes_per_s', value: (p) => p.sendRate },
  { header: 'receive_bytes_per_s', value: (p) => p.receiveRate },
  { header: 'bytes_sent', value: (p) => p.bytesSent },
  { header: 'bytes_received', value: (p) => p.bytesReceived },
  { header: 'connections', value: (p) => p.connections },
  { header: 'listeners', value: (p) => p.listeners },
  { header: 'remote_hosts', value: (p) => p.remoteHosts },
];

const firstSocket = (a: Alert) => a.sockets[0] ?? null;
const ALERT_COLUMNS: Column<Alert>[] = [
  { header: 'at', value: (a) => iso(a.at) },
  { header: 'severity', value: (a) => a.severity },
  { header: 'kind', value: (a) => a.kind },
  { header: 'message', value: (a) => a.message },
  { header: 'pid', value: (a) => a.pid },
  { header: 'process', value: (a) => a.process?.name ?? null },
  { header: 'user', value: (a) => a.process?.user ?? null },
  { header: 'exe', value: (a) => a.process?.exe ?? null },
  { header: 'cmdline', value: (a) => a.process?.cmdline ?? null },
  { header: 'protocol', value: (a) => firstSocket(a)?.protocol ?? null },
  { header: 'local_address', value: (a) => firstSocket(a)?.localAddress ?? null },
  { header: 'local_port', value: (a) => firstSocket(a)?.localPort ?? null },
  { header: 'remote_address', value: (a) => firstSocket(a)?.remoteAddress ?? null },
  { header: 'remote_port', value: (a) => firstSocket(a)?.remotePort ?? null },
  { header: 'sockets', value: (a) => a.sockets.length },
  { header: 'acknowledged_at', value: (a) => iso(a.acknowledgedAt) },
  { header: 'snoozed_until', value: (a) => iso(a.snoozedUntil) },
];

const CONFLICT_COLUMNS: Column<Conflict>[] = [
  { header: 'severity', value: (c) => c.severity },
  { header: 'kind', value: (c) => c.kind },
  { header: 'protocol', value: (c) => c.protocol },
  { header: 'port', value: (c) => c.port },
  { header: 'summary', value: (c) => c.summary },
  { header: 'pids', value: (c) => c.pids.join(' ') },
  { header: 'processes', value: (c) => [...new Set(c.sockets.map((s) => s.process?.name).filter((n): n is string => n != null))].join(' ') },
  { header: 'sockets', value: (c) => c.sockets.length },
  { header: 'explanation', value: (c) => c.explanation },
];

/** Rows of any view in one of the formats: JSON wraps them as { takenAt, [key]: rows }. */
function exportRows<T>(columns: Column<T>[], rows: readonly T[], format: ExportFormat, key: string, takenAt: number): string {
  switch (format) {
    case 'csv':
      return toCsv(columns, rows);
    case 'json':
      return jsonText({ takenAt, [key]: rows }) + '\n';
    case 'ndjson':
      return rows.map((r) => jsonText(r) + '\n').join('');
  }
}

/** The Processes view's lines. */
export function exportProcesses(rows: readonly ProcessExportRow[], format: ExportFormat, takenAt: number): string {
  return exportRows(PROCESS_COLUMNS, rows, format, 'processes', takenAt);
}

/** The alerts a view shows (one row an alert, its first socket's ends). */
export function exportAlerts(alerts: readonly Alert[], format: ExportFormat, takenAt: number): string {
  return exportRows(ALERT_COLUMNS, alerts, format, 'alerts', takenAt);
}

/** Port conflicts, with the engine's explanation of each. */
export function exportConflicts(conflicts: readonly Conflict[], format: ExportFormat, takenAt: number): string {
  return exportRows(CONFLICT_COLUMNS, conflicts, format, 'conflicts', takenAt);
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
