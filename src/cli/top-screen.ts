// The text of `portwatch top`: processes by rate, then the connections moving data, as a frame that
// fits a terminal (refreshed in place) or, without one, every row (a batch for a pager or a log).
// Every OS string (process and interface names) goes through printable() before the terminal.
import { formatEndpoint } from '../shared/model.js';
import { formatBytes, formatRate } from '../shared/units.js';
import { printable } from '../shared/printable.js';
import { clock } from './format.js';
import type { TopReport } from './top-report.js';

/** A terminal's size; rows null prints every row (piped output, or the last frame on leaving). */
export interface Layout {
  columns: number;
  rows: number | null;
}

/** Piped output: lines no wider than this, every row. */
export const BATCH_LAYOUT: Layout = { columns: 120, rows: null };

const RATE = 11;
const BYTES = 9;

function cut(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text + ' '.repeat(width - chars.length);
  return width <= 1 ? chars.slice(0, width).join('') : chars.slice(0, width - 1).join('') + '…';
}

const right = (text: string, width: number) => text.padStart(width);

/** At most `lines` lines: the heading, the rows that fit, and "… N more" when some do not. */
function rowsThatFit(total: number, lines: number): number {
  return total <= lines - 1 ? total : Math.max(0, lines - 2);
}

function processLines(report: TopReport, lines: number, nameWidth: number): string[] {
  const limit = rowsThatFit(report.processes.length, lines);
  const out = [`${right('PID', 7)}  ${cut('PROCESS', nameWidth)}  ${right('SEND', RATE)}  ${right('RECEIVE', RATE)}  ${right('SENT', BYTES)}  ${right('RECEIVED', BYTES)}  ${right('CONNS', 5)}`];
  for (const p of report.processes.slice(0, limit)) {
    out.push(
      `${right(String(p.pid), 7)}  ${cut(printable(p.name ?? '?'), nameWidth)}  ${right(formatRate(p.sendRate), RATE)}  ${right(formatRate(p.receiveRate), RATE)}  ${right(formatBytes(p.bytesSent), BYTES)}  ${right(formatBytes(p.bytesReceived), BYTES)}  ${right(String(p.connections), 5)}`,
    );
  }
  const more = report.processes.length - limit;
  if (more > 0) out.push(`  … ${more} more`);
  return out;
}

function connectionLines(report: TopReport, lines: number, endpointWidth: number): string[] {
  if (report.connections.length === 0) return ['no connection moved data in this interval'];
  const limit = rowsThatFit(report.connections.length, lines);
  const out = [`${cut('CONNECTION', endpointWidth)}  ${right('PID', 7)}  ${cut('PROCESS', 15)}  ${right('SEND', RATE)}  ${right('RECEIVE', RATE)}`];
  for (const c of report.connections.slice(0, limit)) {
    const endpoints = `${c.protocol} ${formatEndpoint(c.localAddress, c.localPort)} → ${formatEndpoint(c.remoteAddress, c.remotePort)}`;
    out.push(
      `${cut(endpoints, endpointWidth)}  ${right(c.pid === null ? '-' : String(c.pid), 7)}  ${cut(printable(c.name ?? '?'), 15)}  ${right(formatRate(c.sendRate), RATE)}  ${right(formatRate(c.receiveRate), RATE)}`,
    );
  }
  const more = report.connections.length - limit;
  if (more > 0) out.push(`  … ${more} more`);
  return out;
}

function headerLines(report: TopReport, intervalMs: number): string[] {
  const t = report.total;
  const total =
    t === null
      ? 'total n/a'
      : `${t.basis === 'interfaces' ? 'network' : 'connections'} ↑ ${formatRate(t.sendRate)} ↓ ${formatRate(t.receiveRate)}`;
  const lines = [`portwatch top  ${clock(report.takenAt)}  every ${(intervalMs / 1000).toFixed(1)} s  ${total}`];
  const u = report.unattributed;
  if (u.sendRate > 0 || u.receiveRate > 0) lines.push(`not credited to a process (other users, short connections): ↑ ${formatRate(u.sendRate)} ↓ ${formatRate(u.receiveRate)}`);
  const busy = report.interfaces.filter((i) => i.sendRate > 0 || i.receiveRate > 0);
  if (busy.length > 0) lines.push(`interfaces: ${busy.map((i) => `${printable(i.name)} ↑ ${formatRate(i.sendRate)} ↓ ${formatRate(i.receiveRate)}`).join('  ')}`);
  for (const note of report.availability.notes) lines.push(`note: ${printable(note)}`);
  return lines;
}

/**
 * The lines of one report, cut to the layout's width. With rows: they fit its height, processes first
 * (about two thirds of the rows), then connections. Without: every process and every moving connection.
 */
export function formatTop(report: TopReport, intervalMs: number, layout: Layout): string[] {
  const width = Math.max(40, layout.columns);
  const nameWidth = Math.max(8, Math.min(40, width - (7 + RATE * 2 + BYTES * 2 + 5 + 12)));
  const endpointWidth = Math.max(20, width - (7 + 15 + RATE * 2 + 8));
  const head = headerLines(report, intervalMs);
  if (layout.rows === null) {
    return [...head, '', ...processLines(report, Infinity, nameWidth), '', ...connectionLines(report, Infinity, endpointWidth)].map((l) => cut(l, width).trimEnd());
  }
  // The rows below the header and above the footer: two thirds to processes, the rest to connections.
  const body = Math.max(4, layout.rows - head.length - 1);
  const connectionBudget = Math.min(Math.max(2, Math.floor(body / 3)), report.connections.length + 2);
  const processBudget = body - connectionBudget - 2;
  const out = [...head, '', ...processLines(report, processBudget, nameWidth), '', ...connectionLines(report, connectionBudget - 1, endpointWidth)];
  out.push('Ctrl+C quits');
  return out.slice(-layout.rows).map((l) => cut(l, width).trimEnd());
}
