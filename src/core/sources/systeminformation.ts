// The macOS / Windows socket source: systeminformation's networkConnections() for the sockets and
// processes() for their owners, normalised into our Socket model.
//
// What systeminformation 5.33 hands over, per platform (read from lib/network.js):
// - darwin: `netstat -natvln`. UDP rows have no state column, so they arrive with state 'UNKNOWN'.
//   TCP CLOSED and SYN_RCVD are missing from its state list and arrive as 'UNKNOWN' too, and for
//   those rows the older pid/epid layout makes it read the pid one column too far left (shiwat).
//   IPv6 rows in the oldest layout can arrive with pid NaN.
// - win32: `netstat -nao`. UDP rows arrive with state ''; the column header line arrives as a row
//   with protocol 'proto'.
// - linux: `netstat -tunap | grep <states>`, which drops unconnected UDP before we see it; the
//   linux-proc source is the one for Linux.
// Nothing it keeps is lost here: rows without a state are read from their peer, and a pid that
// cannot be trusted is dropped rather than attributed to the wrong process.
import type si from 'systeminformation';
import { normaliseAddress, parseIPv4 } from '../../shared/address.js';
import type { Family, ProcessInfo, Protocol, Socket, SocketState, TcpState } from '../../shared/model.js';
import { socketId } from '../../shared/model.js';
import { emptyWarnings, type InterfaceCounters, type Sample, type SocketSource, type TrafficSample } from './source.js';

/** A row of si.networkConnections() as it really arrives: the typings promise more than the parsers keep. */
export interface SiConnection {
  protocol?: string | null;
  localAddress?: string | null;
  localPort?: string | number | null;
  peerAddress?: string | null;
  peerPort?: string | number | null;
  state?: string | null;
  pid?: number | string | null;
  process?: string | null;
}

/** The fields of si.processes().list this source reads. */
export interface SiProcess {
  pid?: number | null;
  parentPid?: number | null;
  name?: string | null;
  started?: string | null;
  user?: string | null;
  command?: string | null;
  params?: string | null;
  /** darwin/linux: the executable's directory; win32: the executable itself. */
  path?: string | null;
}

export interface Normalised {
  sockets: Socket[];
  /** Rows that could not be read as a socket. */
  skipped: number;
}

/** netstat / ss / si spellings → the kernel names of model.ts. Keys have '-' already turned into '_'. */
const TCP_STATE_NAMES: Readonly<Record<string, TcpState>> = {
  ESTABLISHED: 'ESTABLISHED',
  ESTAB: 'ESTABLISHED',
  SYN_SENT: 'SYN_SENT',
  SYN_RECV: 'SYN_RECV',
  SYN_RECEIVED: 'SYN_RECV',
  SYN_RCVD: 'SYN_RECV',
  FIN_WAIT1: 'FIN_WAIT1',
  FIN_WAIT_1: 'FIN_WAIT1',
  FIN_WAIT2: 'FIN_WAIT2',
  FIN_WAIT_2: 'FIN_WAIT2',
  TIME_WAIT: 'TIME_WAIT',
  CLOSE: 'CLOSE',
  CLOSED: 'CLOSE',
  // Windows: a TCB being torn down, and a socket bound but neither listening nor connected.
  DELETE_TCB: 'CLOSE',
  BOUND: 'CLOSE',
  CLOSE_WAIT: 'CLOSE_WAIT',
  LAST_ACK: 'LAST_ACK',
  LISTEN: 'LISTEN',
  LISTENING: 'LISTEN',
  CLOSING: 'CLOSING',
};

/**
 * si's darwin parser says 'UNKNOWN' for every row whose state it does not list: UDP (no state) and
 * TCP CLOSED / SYN_RCVD. For TCP we cannot tell those two apart, and CLOSE is the reading that
 * claims neither a listener nor a live connection.
 */
const UNREAD_STATES = new Set(['', 'UNKNOWN']);

export function normaliseConnections(
  conns: readonly SiConnection[],
  procs: readonly SiProcess[],
  takenAt: number,
): Normalised {
  const processes = indexProcesses(procs);
  const sockets: Socket[] = [];
  let skipped = 0;
  for (const row of conns) {
    let socket: Socket | null;
    try {
      // si's win32 parser turns netstat's column header ("Proto  Local Address ...") into a row.
      if (text(row.protocol).toLowerCase() === 'proto') continue;
      socket = readRow(row, processes, takenAt);
    } catch {
      // A row of an unexpected shape (null, a getter that throws) is one bad row, never a failed sample.
      socket = null;
    }
    if (socket === null) skipped++;
    else sockets.push(socket);
  }
  return { sockets: withUniqueIds(sockets), skipped };
}

function readRow(row: SiConnection, processes: Map<number, ProcessInfo>, takenAt: number): Socket | null {
  const m = /^(tcp|udp)(4|6|46)?$/.exec(text(row.protocol).toLowerCase());
  if (!m) return null;
  const protocol = m[1] as Protocol;
  const suffix = m[2];

  const local = readHost(row.localAddress);
  const peer = readHost(row.peerAddress);
  if (local === null || local === '' || peer === null) return null;
  // The address text decides; for wildcards the suffix does, and a bare '*' with none is how ss
  // prints a dual-stack socket.
  const family: Family = hostFamily(local) ?? hostFamily(peer) ?? (suffix === '4' ? 4 : 6);

  const localPort = readPort(row.localPort);
  const peerPort = readPort(row.peerPort);
  if (localPort === undefined || peerPort === undefined) return null;

  const localAddress = local === '*' ? (family === 4 ? '0.0.0.0' : '::') : canonical(local);
  const hasPeer = peer !== '' && peer !== '*' && !isUnspecified(peer);
  const remoteAddress = hasPeer ? canonical(peer) : null;
  const remotePort = hasPeer ? peerPort : null;

  const rawState = text(row.state).toUpperCase().replace(/-/g, '_');
  let state: SocketState;
  if (protocol === 'udp') {
    // UDP has no states; netstat leaves the column empty. What matters is whether it has a peer.
    state = hasPeer ? 'ESTABLISHED' : 'UNCONN';
  } else if (UNREAD_STATES.has(rawState)) {
    state = 'CLOSE';
  } else {
    const known = TCP_STATE_NAMES[rawState];
    if (known === undefined) return null;
    state = known;
  }
  const listening = protocol === 'tcp' ? state === 'LISTEN' : !hasPeer;

  let pid = readPid(row.pid);
  // For the TCP rows si could not read a state from, older macOS layouts make it take the pid from
  // the send-buffer column: only a pid that names a live process is believed.
  if (protocol === 'tcp' && UNREAD_STATES.has(rawState) && pid !== null && !processes.has(pid)) pid = null;
  const process = pid === null ? null : (processes.get(pid) ?? null);

  const socket: Socket = {
    id: '',
    protocol,
    family,
    localAddress,
    localPort: localPort ?? 0,
    remoteAddress,
    remotePort,
    state,
    listening,
    pid,
    process,
    otherHolders: [],
    inode: null,
    firstSeen: takenAt,
    // netstat gives no per-connection counters without elevation.
    bytesSent: null,
    bytesReceived: null,
    rttMs: null,
  };
  socket.id = socketId(socket);
  return socket;
}

/**
 * Without an inode, two sockets can share a tuple: UDP *:5353 bound by several processes, or two
 * listeners with SO_REUSEPORT. The diff needs ids unique, so a shared id is told apart by owner
 * (stable while the owner holds it), then by order.
 */
function withUniqueIds(sockets: Socket[]): Socket[] {
  const count = new Map<string, number>();
  for (const s of sockets) count.set(s.id, (count.get(s.id) ?? 0) + 1);
  const used = new Set<string>();
  for (const s of sockets) {
    if (count.get(s.id) === 1) continue;
    const base = `${s.id}@${s.pid ?? '-'}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}.${n}`;
    used.add(id);
    s.id = id;
  }
  return sockets;
}

function indexProcesses(procs: readonly SiProcess[]): Map<number, ProcessInfo> {
  const byPid = new Map<number, ProcessInfo>();
  for (const p of procs) {
    const pid = readPid(p.pid);
    if (pid === null) continue;
    byPid.set(pid, toProcessInfo(pid, p));
  }
  return byPid;
}

function toProcessInfo(pid: number, p: SiProcess): ProcessInfo {
  const command = text(p.command);
  const params = text(p.params);
  const name = text(p.name) || command;
  const dir = text(p.path);
  let exe: string | null = null;
  let cmdline = `${command} ${params}`.trim();
  if (dir !== '') {
    const base = dir.split(/[\\/]/).pop() ?? '';
    if (/\.exe$/i.test(dir) || base.toLowerCase() === name.toLowerCase()) {
      // win32: ExecutablePath is already the executable, and command is the full command line.
      exe = dir;
    } else if (command !== '') {
      // darwin/linux: path is the directory and command its file name; together they are the
      // executable, and with params the command line as ps printed it.
      exe = `${dir.replace(/\/+$/, '')}/${command}`;
      cmdline = `${exe} ${params}`.trim();
    }
  }
  const ppid = typeof p.parentPid === 'number' && Number.isInteger(p.parentPid) && p.parentPid >= 0 ? p.parentPid : null;
  return {
    pid,
    name,
    exe,
    cmdline,
    user: text(p.user) || null,
    // si does not report uids.
    uid: null,
    ppid,
    startedAt: parseStarted(p.started),
  };
}

/** si formats start times as local "YYYY-MM-DD HH:MM:SS" on every platform. */
export function parseStarted(value: string | null | undefined): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text(value));
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (h > 23 || mi > 59 || s > 59) return null;
  const date = new Date(y, mo - 1, d, h, mi, s);
  // Date rolls 2024-02-31 over into March; a rolled date was not a date.
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return date.getTime();
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** Address text without Windows' brackets; '*' for a wildcard, '' for none, null for junk. */
function readHost(value: unknown): string | null {
  const host = text(value).replace(/[[\]]/g, '');
  if (host === '' || host === '*') return host;
  if (host.includes(':')) return /^[0-9a-fA-F:.]+(%[\w.-]+)?$/.test(host) ? host : null;
  return parseIPv4(host) === null ? null : host;
}

function hostFamily(host: string): Family | null {
  if (host === '' || host === '*') return null;
  return host.includes(':') ? 6 : 4;
}

function canonical(host: string): string {
  return host.includes(':') ? normaliseAddress(host) : host;
}

function isUnspecified(host: string): boolean {
  return host === '0.0.0.0' || canonical(host) === '::';
}

/** A port number; null for '*' or none; undefined for junk. */
function readPort(value: unknown): number | null | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= 65535 ? value : undefined;
  const s = text(value);
  if (s === '' || s === '*') return null;
  if (!/^\d{1,5}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** si reports "no owner" as 0, null, NaN or '-'. */
function readPid(value: unknown): number | null {
  const n = typeof value === 'string' ? Number(value.trim()) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : null;
}

/** The fields of si.networkStats() this source reads. */
export interface SiNetworkStats {
  iface?: string | null;
  rx_bytes?: number | null;
  tx_bytes?: number | null;
}

/** si's interface rows as counters; rows without a name or with counters that are not numbers are left out. */
export function normaliseNetworkStats(rows: readonly SiNetworkStats[]): InterfaceCounters[] {
  const out: InterfaceCounters[] = [];
  for (const r of rows) {
    const name = text(r.iface);
    const rx = r.rx_bytes;
    const tx = r.tx_bytes;
    if (name === '' || typeof rx !== 'number' || typeof tx !== 'number' || !Number.isFinite(rx) || !Number.isFinite(tx) || rx < 0 || tx < 0) continue;
    out.push({ name, bytesSent: tx, bytesReceived: rx });
  }
  return out;
}

// Loaded at the first poll: on Linux this source is never used, and the module costs ~70 ms to load.
let loaded: Promise<typeof si> | null = null;
const loadSi = (): Promise<typeof si> => (loaded ??= import('systeminformation').then((m) => m.default));

const CONNECTIONS_NOTE = 'Per-connection traffic is measured on Linux only; here netstat gives no per-connection counters.';

export interface SystemInformationOptions {
  /** Per-interface counters; default si.networkStats('*'). */
  networkStats?: () => Promise<readonly SiNetworkStats[]>;
}

export class SystemInformationSource implements SocketSource {
  readonly name = 'systeminformation';
  private readonly networkStats: () => Promise<readonly SiNetworkStats[]>;
  private traffic = true;

  /** Interface totals cost a netstat or PowerShell run on each poll: only while wanted. */
  measureTraffic(on: boolean): void {
    this.traffic = on;
  }

  constructor(options: SystemInformationOptions = {}) {
    this.networkStats = options.networkStats ?? (async () => (await loadSi()).networkStats('*'));
  }

  async sample(): Promise<Sample> {
    const si = await loadSi();
    const takenAt = Date.now();
    const [conns, procs, stats] = await Promise.all([
      si.networkConnections(),
      si.processes(),
      (this.traffic ? this.networkStats() : Promise.resolve(null)).then(
        (rows) => ({ rows, error: null }),
        (e: unknown) => ({ rows: [], error: e instanceof Error ? e.message : String(e) }),
      ),
    ]);
    const { sockets, skipped } = normaliseConnections(conns, procs.list, takenAt);
    const warnings = emptyWarnings();
    warnings.skippedLines = skipped;
    warnings.unattributed = sockets.filter((s) => s.pid === null).length;
    if (stats.rows === null) return { takenAt, sockets, warnings, traffic: null };
    const interfaces = stats.error === null ? normaliseNetworkStats(stats.rows) : null;
    const traffic: TrafficSample = {
      availability: {
        connections: false,
        closedConnections: false,
        interfaces: interfaces !== null,
        notes: stats.error === null ? [CONNECTIONS_NOTE] : [CONNECTIONS_NOTE, `Interface totals are not available: ${stats.error}`],
      },
      moves: [],
      closed: [],
      interfaces,
    };
    return { takenAt, sockets, warnings, traffic };
  }
}
