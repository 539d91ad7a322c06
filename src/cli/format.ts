// Text output of the CLI: aligned tables, the live "+ / - / ~ / !" lines, alerts and port answers.
import { describeWatchedPortEvent } from '../core/analysis/watched-ports.js';
import type { Alert } from '../shared/alerts.js';
import { ALERT_KINDS } from '../shared/alerts.js';
import type { Conflict } from '../shared/conflicts.js';
import type { Delta, Socket } from '../shared/model.js';
import type { AddressExplanation, SocketNames } from '../shared/names.js';
import { addressOwnerText, unownedRangeText } from '../shared/names.js';
import type { BindVerdict, PortLookup, PortProcess, WatchedPortEvent } from '../shared/ports.js';
import { formatEndpoint, formatHost } from '../shared/model.js';
import { printable } from '../shared/printable.js';

const COLUMNS = ['PROTO', 'STATE', 'LOCAL', 'REMOTE', 'PID', 'PROCESS', 'USER'] as const;

export interface TableOptions {
  /** Each socket's names: ports shown as services and peers as host names, as netstat does without -n. */
  names?: (s: Socket) => SocketNames;
}

/** "127.0.0.1:http", "localhost:5432": a service name for the port and a host name for the address, where known. */
export function namedEndpoint(address: string | null, port: number | null, service: string | null, host: string | null = null): string {
  if (address === null) return '*';
  return `${host ?? formatHost(address)}:${service ?? (port === null ? '*' : port)}`;
}

function row(s: Socket, options: TableOptions): string[] {
  const n = options.names?.(s);
  return [
    `${s.protocol}${s.family === 6 ? '6' : ''}`,
    s.state,
    n ? printable(namedEndpoint(s.localAddress, s.localPort, n.localService)) : formatEndpoint(s.localAddress, s.localPort),
    n ? printable(namedEndpoint(s.remoteAddress, s.remotePort, n.remoteService, n.remoteHost)) : formatEndpoint(s.remoteAddress, s.remotePort),
    s.pid === null ? '-' : String(s.pid),
    printable(s.process?.name ?? '-'),
    printable(s.process?.user ?? (s.process?.uid != null ? String(s.process.uid) : '-')),
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

export function formatTable(sockets: readonly Socket[], options: TableOptions = {}): string {
  const rows = [...sockets].sort(compareSockets).map((s) => row(s, options));
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(COLUMNS), ...rows.map(line)].join('\n') + '\n';
}

export function describeSocket(s: Socket): string {
  const owner = s.pid === null ? 'owner unknown' : `${printable(s.process?.name ?? '?')}[${s.pid}]`;
  const remote = s.remoteAddress === null ? '' : ` -> ${formatEndpoint(s.remoteAddress, s.remotePort)}`;
  return `${s.protocol}${s.family}  ${formatEndpoint(s.localAddress, s.localPort)}${remote}  ${s.state}  ${owner}`;
}

/** HH:MM:SS in local time. */
export function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

/** One line per change: "+" new, "-" closed, "~" changed (state or owner). */
export function formatDeltaLines(delta: Delta, closed: ReadonlyMap<string, Socket>): string[] {
  const at = clock(delta.takenAt);
  const lines: string[] = [];
  for (const s of delta.added) lines.push(`${at} + ${describeSocket(s)}`);
  for (const id of delta.removed) {
    const s = closed.get(id);
    lines.push(`${at} - ${s ? describeSocket(s) : printable(id)}`);
  }
  for (const s of delta.changed) lines.push(`${at} ~ ${describeSocket(s)}`);
  return lines;
}

/** Wraps a paragraph at width columns, each line after `indent`. */
export function wrap(text: string, width = 100, indent = '  '): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** One block per conflict: kind, port and protocol, the explanation, then its sockets. */
export function formatConflicts(conflicts: readonly Conflict[]): string {
  if (conflicts.length === 0) return 'No port conflicts: no port is split or shared between processes, and none is stuck closing.\n';
  const blocks = conflicts.map((c) => {
    const lines = [`${c.kind}  ${c.protocol} ${c.port}  [${c.severity}]  ${printable(c.summary)}`];
    lines.push(...wrap(printable(c.explanation)));
    for (const s of [...c.sockets].sort(compareSockets)) lines.push(`    ${describeSocket(s)}`);
    return lines.join('\n');
  });
  const count = conflicts.length === 1 ? '1 port conflict' : `${conflicts.length} port conflicts`;
  return `${count}:\n\n${blocks.join('\n\n')}\n`;
}

/** "tcp  127.0.0.1:3000  taken by node (pid 1)", one line per bind address. */
export function formatVerdicts(verdicts: readonly BindVerdict[], port: number): string[] {
  const rows = verdicts.map((v) => [v.protocol, formatEndpoint(v.address, port), v.text]);
  const width = Math.max(...rows.map((r) => r[1]!.length));
  return rows.map(([protocol, endpoint, text]) => `  ${protocol}  ${endpoint!.padEnd(width)}  ${printable(text!)}`);
}

/** Each process on the port with its role, command line and working directory. */
export function formatPortProcesses(processes: readonly PortProcess[]): string[] {
  const lines: string[] = [];
  for (const p of processes) {
    lines.push(`  ${printable(p.name)} (pid ${p.pid}${p.user ? `, user ${p.user}` : ''})  ${p.role}`);
    lines.push(`    command: ${printable(p.cmdline)}`);
    lines.push(`    cwd:     ${p.cwd === null ? 'unknown (not permitted)' : printable(p.cwd)}`);
  }
  return lines;
}

/** "12:04:31 ! ALERT high new-listener: nc (…) listens on 0.0.0.0:4444 …" */
export function formatAlertLine(alert: Alert): string {
  return `${clock(alert.at)} ! ALERT ${alert.severity} ${alert.kind}: ${printable(alert.message)}`;
}

/** "12:04:31 ! port 3000 taken by node (pid 123)" */
export function formatWatchedPortLine(event: WatchedPortEvent, at: number): string {
  return `${clock(at)} ! ${printable(describeWatchedPortEvent(event))}`;
}

/** One line per alert for `portwatch alerts`: day, time, severity, kind, message, and its state. */
export function formatAlertList(alerts: readonly Alert[], now: number): string {
  const kindWidth = Math.max(...ALERT_KINDS.map((k) => k.length));
  const lines = alerts.map((a) => {
    const day = new Date(a.at).toISOString().slice(0, 10);
    const state = a.acknowledgedAt !== null ? '  (acknowledged)' : a.snoozedUntil !== null && a.snoozedUntil > now ? '  (snoozed)' : '';
    return `${day} ${clock(a.at)}  ${a.severity.padEnd(6)}  ${a.kind.padEnd(kindWidth)}  ${printable(a.message)}${state}`;
  });
  return lines.join('\n') + '\n';
}

function owner(s: Socket): string {
  return s.pid === null ? 'an unknown process' : `${printable(s.process?.name ?? 'pid')} (pid ${s.pid})`;
}

/** `portwatch who PORT`: who holds it, its local clients, a verdict per bind address, the processes. */
export function formatWho(who: PortLookup): string {
  const { holders, clients, port } = who;
  const lines: string[] = [];
  const listeners = holders.filter((s) => s.listening);
  lines.push(
    listeners.length > 0
      ? `Port ${port} is taken by ${[...new Set(listeners.map(owner))].join(', ')}.`
      : `Port ${port} has no listener, but sockets are bound to it.`,
  );
  lines.push('');
  lines.push(formatTable(holders).trimEnd());
  if (clients.length > 0) {
    lines.push('', `Clients on this machine connected to port ${port}:`);
    for (const c of clients) lines.push(`  ${describeSocket(c)}`);
  }
  lines.push('', 'Binding it now:');
  lines.push(...formatVerdicts(who.verdicts, port));
  if (who.processes.length > 0) {
    lines.push('', 'Processes:');
    lines.push(...formatPortProcesses(who.processes));
  }
  return lines.join('\n') + '\n';
}

/** `portwatch ip`: one address, what kind it is, its host name and owner. */
export function formatAddress(x: AddressExplanation): string {
  // An address no public database answers for says what it is, as the UI's Country · owner does.
  const owner = unownedRangeText(x.scope) ?? addressOwnerText(x) ?? '-';
  const rows: Array<[string, string]> = [
    ['address', x.address],
    ['scope', x.scope],
    ['host', x.host ?? '-'],
    // A PTR name that does not resolve back: anyone's reverse zone may say it, so it is no host name.
    ...(x.unconfirmedHost === null ? [] : ([['ptr', `${x.unconfirmedHost} (unconfirmed: that name does not resolve to this address)`]] as Array<[string, string]>)),
    ['country', x.country ?? '-'],
    ['owner', owner],
  ];
  return rows.map(([k, v]) => `${k.padEnd(8)} ${printable(v)}`).join('\n') + '\n';
}
