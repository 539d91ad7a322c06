// Text output of the CLI: aligned tables and the live "+ / - / ~" lines.
import type { Delta, Socket } from '../shared/model.js';
import { formatEndpoint } from '../shared/model.js';

const COLUMNS = ['PROTO', 'STATE', 'LOCAL', 'REMOTE', 'PID', 'PROCESS', 'USER'] as const;

function row(s: Socket): string[] {
  return [
    `${s.protocol}${s.family === 6 ? '6' : ''}`,
    s.state,
    formatEndpoint(s.localAddress, s.localPort),
    formatEndpoint(s.remoteAddress, s.remotePort),
    s.pid === null ? '-' : String(s.pid),
    s.process?.name ?? '-',
    s.process?.user ?? (s.process?.uid != null ? String(s.process.uid) : '-'),
  ];
}

/** Listeners first, then by protocol, port and address: the order a reader scans for. */
export function compareSockets(a: Socket, b: Socket): number {
  return (
    Number(b.listening) - Number(a.listening) ||
    a.protocol.localeCompare(b.protocol) ||
    a.localPort - b.localPort ||
    a.family - b.family ||
    a.localAddress.localeCompare(b.localAddress) ||
    (a.remotePort ?? 0) - (b.remotePort ?? 0) ||
    (a.remoteAddress ?? '').localeCompare(b.remoteAddress ?? '')
  );
}

export function formatTable(sockets: readonly Socket[]): string {
  const rows = [...sockets].sort(compareSockets).map(row);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(COLUMNS), ...rows.map(line)].join('\n') + '\n';
}

export function describeSocket(s: Socket): string {
  const owner = s.pid === null ? 'owner unknown' : `${s.process?.name ?? '?'}[${s.pid}]`;
  const remote = s.remoteAddress === null ? '' : ` -> ${formatEndpoint(s.remoteAddress, s.remotePort)}`;
  return `${s.protocol}${s.family}  ${formatEndpoint(s.localAddress, s.localPort)}${remote}  ${s.state}  ${owner}`;
}

function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

/** One line per change: "+" new, "-" closed, "~" changed (state or owner). */
export function formatDeltaLines(delta: Delta, closed: ReadonlyMap<string, Socket>): string[] {
  const at = clock(delta.takenAt);
  const lines: string[] = [];
  for (const s of delta.added) lines.push(`${at} + ${describeSocket(s)}`);
  for (const id of delta.removed) {
    const s = closed.get(id);
    lines.push(`${at} - ${s ? describeSocket(s) : id}`);
  }
  for (const s of delta.changed) lines.push(`${at} ~ ${describeSocket(s)}`);
  return lines;
}
