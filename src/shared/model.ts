// The socket model every layer speaks: sources produce it, the diff compares it, hosts carry it,
// views show it. Plain data only, so it crosses IPC and WebSocket as JSON unchanged.

export type Protocol = 'tcp' | 'udp';
export type Family = 4 | 6;

/** TCP states by the kernel's names, in the kernel's numbering (1 = ESTABLISHED … 11 = CLOSING). */
export const TCP_STATES = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
] as const;
export type TcpState = (typeof TCP_STATES)[number];
export type UdpState = 'UNCONN' | 'ESTABLISHED';
export type SocketState = TcpState | UdpState;

export interface ProcessInfo {
  pid: number;
  /** Short name (Linux comm, or the image name elsewhere). */
  name: string;
  /** Absolute path of the executable, null when the OS will not say. */
  exe: string | null;
  /** Full command line, arguments joined by spaces. */
  cmdline: string;
  user: string | null;
  uid: number | null;
  ppid: number | null;
  /** Epoch milliseconds; with pid it is the process identity (pids get reused). */
  startedAt: number | null;
}

export interface Socket {
  /** Stable for the socket's life; see socketId(). */
  id: string;
  protocol: Protocol;
  family: Family;
  localAddress: string;
  localPort: number;
  /** null for listeners and unconnected UDP. */
  remoteAddress: string | null;
  remotePort: number | null;
  state: SocketState;
  /** TCP LISTEN, or a bound UDP socket with no peer. */
  listening: boolean;
  /**
   * The process holding the socket. When several hold it (an fd inherited across fork, or passed
   * over a Unix socket), the one with the lowest pid: the same answer in every view and command.
   */
  pid: number | null;
  process: ProcessInfo | null;
  /**
   * The other processes holding the same socket, by pid, lowest first; usually empty. Linux finds
   * every holder when it starts and holders that appear later in new processes (forks); a socket
   * handed to a long-running process over a Unix socket is found when its first holder lets go.
   */
  otherHolders: ProcessInfo[];
  /** Kernel socket inode where the OS exposes one (Linux); 0 for TIME_WAIT and orphans. */
  inode: number | null;
  /** Epoch milliseconds when Portwatch first saw this socket. */
  firstSeen: number;
  /**
   * TCP bytes over the connection's whole life (tcp_info's bytes_sent, which counts retransmissions,
   * or bytes_acked on kernels before 4.19; bytes_received), including bytes from before Portwatch
   * started. null where the OS gives none: UDP, macOS and Windows, Linux without the sock_diag addon.
   * A TIME_WAIT socket keeps its connection's final counts. These three fields move on every active
   * connection without the socket counting as "changed" in a Delta: the engine updates them in place
   * each poll and views follow them through 'traffic' updates (shared/traffic.ts).
   */
  bytesSent: number | null;
  bytesReceived: number | null;
  /** TCP smoothed round-trip time in milliseconds; null for UDP, before a first sample, and where the OS gives none. */
  rttMs: number | null;
}

/** Every process holding a socket, lowest pid first (empty when its owner is unknown). */
export function holdersOf(s: Pick<Socket, 'process' | 'otherHolders'>): ProcessInfo[] {
  if (s.process === null) return [];
  return s.otherHolders.length === 0 ? [s.process] : [s.process, ...s.otherHolders];
}

export interface Snapshot {
  takenAt: number;
  sockets: Socket[];
}

export interface Delta {
  seq: number;
  takenAt: number;
  added: Socket[];
  removed: string[];
  changed: Socket[];
}

/**
 * The id of a socket. A connected TCP socket is unique by its 4-tuple, and keeping the inode out of
 * it lets ESTABLISHED → TIME_WAIT (where the kernel drops the inode) read as a change, as TCPView
 * shows it. Listeners and UDP sockets can share a tuple (SO_REUSEPORT), so the inode tells them apart.
 */
export function socketId(
  s: Pick<Socket, 'protocol' | 'family' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort' | 'inode'>,
): string {
  const local = `${formatHost(s.localAddress)}:${s.localPort}`;
  const proto = `${s.protocol}${s.family}`;
  if (s.protocol === 'tcp' && s.remoteAddress !== null && s.remotePort !== null && s.remotePort !== 0) {
    return `${proto} ${local}>${formatHost(s.remoteAddress)}:${s.remotePort}`;
  }
  const remote = s.remoteAddress === null ? '*' : `${formatHost(s.remoteAddress)}:${s.remotePort ?? 0}`;
  return `${proto} ${local}>${remote}#${s.inode ?? 0}`;
}

/**
 * The state as the tables say it: the kernel's TCP names (as netstat and TCPView say them), but a UDP
 * socket with no peer is "BOUND" rather than ss's "UNCONN". The detail panel keeps the raw state; the filter finds either.
 */
export function stateLabel(s: Pick<Socket, 'state'>): string {
  return s.state === 'UNCONN' ? 'BOUND' : s.state;
}

/** Brackets an IPv6 address for use before ":port". */
export function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

export function formatEndpoint(address: string | null, port: number | null): string {
  if (address === null) return '*';
  return `${formatHost(address)}:${port === null ? '*' : port}`;
}

/** "TCP 127.0.0.1:51234 → 127.0.0.1:8080", "TCP listening on 0.0.0.0:8000", "UDP bound to 0.0.0.0:5353". */
export function describeSocket(s: Socket): string {
  const proto = s.protocol.toUpperCase();
  const local = formatEndpoint(s.localAddress, s.localPort);
  if (s.listening) return `${proto} ${s.protocol === 'tcp' ? 'listening on' : 'bound to'} ${local}`;
  return `${proto} ${local} → ${formatEndpoint(s.remoteAddress, s.remotePort)}`;
}

/** Whether two records of the same socket look the same to a user (state, peer, owner, the process behind it). */
export function sameSocket(a: Socket, b: Socket): boolean {
  if (a === b) return true; // sources hand back the same object for an unchanged socket
  return (
    a.state === b.state &&
    a.listening === b.listening &&
    a.pid === b.pid &&
    a.inode === b.inode &&
    a.localAddress === b.localAddress &&
    a.localPort === b.localPort &&
    a.remoteAddress === b.remoteAddress &&
    a.remotePort === b.remotePort &&
    a.firstSeen === b.firstSeen &&
    sameProcess(a.process, b.process) &&
    sameHolders(a.otherHolders, b.otherHolders)
  );
}

function sameHolders(a: readonly ProcessInfo[], b: readonly ProcessInfo[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameProcess(a[i]!, b[i]!)) return false;
  return true;
}

/** The same process, as a user sees it: identity (pid, start time) and what it is (name, path, command line, user). */
export function sameProcess(a: ProcessInfo | null, b: ProcessInfo | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return a.pid === b.pid && a.startedAt === b.startedAt && a.name === b.name && a.exe === b.exe && a.cmdline === b.cmdline && a.user === b.user;
}
