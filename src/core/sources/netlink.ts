// The Linux socket tables through NETLINK_SOCK_DIAG (inet_diag), the interface `ss` uses: a native
// addon (native/sock_diag.c) dumps every TCP and UDP socket, compares the dump with the previous one
// where the data is (keyed by the kernel's socket cookie), and hands over only what changed, in
// fixed-size records this module turns into the rows parseProcNet makes of /proc/net.
//
// Why: reading /proc/net/tcp and tcp6 walks the kernel's whole established hash once per file, in
// seq_file's small steps; one inet_diag dump walks it once for both families, several times cheaper,
// and carries each connection's tcp_info (bytes, rtt) at no privilege. The addon is optional: when it
// is not built or netlink is refused, loadSockDiag() returns null and the caller reads /proc/net.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIPv6 } from '../../shared/address.js';
import type { Family } from '../../shared/model.js';
import { findNativeAddon } from '../native-addon.js';
import { kernelState, type ProcNetRow } from './proc-net.js';

/** Where scripts/build-native.js puts the addon, relative to the repository root. */
export const SOCK_DIAG_ADDON = join('native', 'build', 'Release', 'sock_diag.node');

export const SOCK_DIAG_HEADER_SIZE = 64;
export const SOCK_DIAG_RECORD_SIZE = 80;
const MOVED_SIZE = 32;
const REMOVED_SIZE = 8;
const PROTO_TCP = 6;
/** Header status of something the poll was not asked for. */
const NOT_ASKED = 1;

const F_TCP = 1;
const F_UDP = 2;
const F_PER_FAMILY = 4;
const F_INFO = 8;
const F_FULL = 16;
const F_CLOSED = 32;
const F_EVERY_STATE = 64;

const R_BYTES = 1;
const R_RTT = 2;
const R_KNOWN = 4;

/** A reader of the addon: one netlink socket, one table of the previous dump (see native/sock_diag.c). */
export interface SockDiagAddonReader {
  poll(flags: number): Buffer;
  close(): void;
}

/** The addon's interface (see native/sock_diag.c for the record layout). */
export interface SockDiagAddon {
  Reader: new () => SockDiagAddonReader;
  query(family: number, local: Buffer, localPort: number, remote: Buffer, remotePort: number): Buffer | number;
  destroy(family: number, local: Buffer, localPort: number, remote: Buffer, remotePort: number, cookie: Buffer): number;
  fdSockets?(fdDir: string, out: Uint32Array): number;
}

/** A process's fd table as (fd, socket inode or 0) pairs, or why it could not be read. */
export type FdTableRead = Uint32Array | 'denied' | 'gone';

/** A socket as a dump gives it: the /proc/net row, keyed by the kernel's cookie, with its counters. */
export interface DiagRow extends ProcNetRow {
  key: number;
  /** null for UDP, and where the dump had no tcp_info for it yet. */
  bytesSent: number | null;
  bytesReceived: number | null;
  rttMs: number | null;
}

export interface MovedCounters {
  key: number;
  bytesSent: number | null;
  bytesReceived: number | null;
  rttMs: number | null;
}

/** A TCP connection the kernel destroyed (TCP-destroy messages carry no inode and no uid). */
export interface ClosedRecord {
  row: DiagRow;
  /** Its cookie was in an earlier dump, so its owner is known by `row.key`. */
  known: boolean;
}

export interface SockDiagPoll {
  added: DiagRow[];
  changed: DiagRow[];
  /** Cookies of sockets gone. */
  removed: number[];
  moved: MovedCounters[];
  closed: ClosedRecord[];
  /**
   * False when the kernel would not dump that protocol (for UDP: no udp_diag, -ENOENT): nothing of it
   * is in the lists, and what an earlier poll reported of it stands.
   */
  tcp: boolean;
  udp: boolean;
  /** The kernel's answer for each protocol: 0, or -errno. */
  tcpStatus: number;
  udpStatus: number;
  /** Listening for TCP-destroy messages: 0, 1 when not asked for, or -errno the kernel answered. */
  closedStatus: number;
  /** Closed connections lost: more than the reader keeps between two polls, and kernel buffer overflows. */
  closedDropped: number;
  closedOverflows: number;
  /**
   * This poll's TCP dump left out ESTABLISHED sockets: the kernel's counters showed that none entered
   * or left that state since the previous dump, so their records from it stand (native/sock_diag.c).
   */
  establishedSkipped: boolean;
  /** Sockets in the reader's table now. */
  count: number;
}

export interface SockDiagPollOptions {
  tcp?: boolean;
  udp?: boolean;
  /** tcp_info counters (bytes, rtt) on TCP rows. */
  traffic?: boolean;
  /** Listen for TCP-destroy messages and report closed connections. */
  closed?: boolean;
  /** Forget the previous dump: every socket comes as added. */
  full?: boolean;
  /** TCP per family even where one AF_UNSPEC walk works (tests). */
  perFamily?: boolean;
  /** Dump ESTABLISHED sockets even when the kernel's counters say none came or went (the bench). */
  everyState?: boolean;
}

export interface SockDiag {
  /**
   * What changed since the previous poll (everything on the first). Throws only when the netlink
   * socket itself fails (the caller should then fall back to /proc/net); the next poll starts over.
   */
  poll(options?: SockDiagPollOptions): SockDiagPoll;
  /** Closes the netlink sockets and forgets the previous dump; the next poll opens new ones. */
  close(): void;
  /** Reads a whole /proc/PID/fd directory natively, or is null where the addon cannot. */
  readFdTable: ((fdDir: string) => FdTableRead) | null;
}

export interface LoadSockDiagOptions {
  /** The .node file; by default native/build/Release/sock_diag.node above this module. */
  path?: string;
  /** Told why the addon could not be used, when loadSockDiag returns null. */
  onError?: (reason: string) => void;
}

/** The built addon above this module, unpacked first in a packaged app (see native-addon.ts). */
export function findSockDiagAddon(from: string = dirname(fileURLToPath(import.meta.url))): string | null {
  return findNativeAddon(SOCK_DIAG_ADDON, from);
}

/** Loads the addon module, or says why it cannot be used here (null and onError). */
export function loadSockDiagAddon(options: LoadSockDiagOptions = {}): SockDiagAddon | null {
  const fail = (reason: string): null => {
    options.onError?.(reason);
    return null;
  };
  if (process.platform !== 'linux') return fail('NETLINK_SOCK_DIAG exists only on Linux');
  const path = options.path ?? findSockDiagAddon();
  if (path === null) return fail(`${SOCK_DIAG_ADDON} is not built (run node scripts/build-native.js)`);
  try {
    const loaded = createRequire(import.meta.url)(path) as Partial<SockDiagAddon> | null;
    if (typeof loaded?.Reader !== 'function' || typeof loaded.destroy !== 'function') return fail(`${path} is not the sock_diag addon (rebuild it)`);
    return loaded as SockDiagAddon;
  } catch (e) {
    return fail(`could not load ${path}: ${(e as Error).message}`);
  }
}

/** Loads the addon and opens a reader; null (never a throw) when it cannot be used here. */
export function loadSockDiag(options: LoadSockDiagOptions = {}): SockDiag | null {
  const addon = loadSockDiagAddon(options);
  if (addon === null) return null;
  const reader = new SockDiagReader(addon);
  try {
    // Opens the netlink socket and asks for nothing: cheap. A kernel that refuses a protocol's dump
    // says so in poll().
    reader.poll({ tcp: false, udp: false });
  } catch (e) {
    options.onError?.((e as Error).message);
    return null;
  }
  return reader;
}

/** A SockDiag over a loaded addon (or a stand-in for one, in tests). */
export function sockDiagFromAddon(addon: SockDiagAddon): SockDiag {
  return new SockDiagReader(addon);
}

class SockDiagReader implements SockDiag {
  private readonly reader: SockDiagAddonReader;
  private readonly decoder = new RecordDecoder();
  private fdBuf = new Uint32Array(2048);
  readonly readFdTable: ((fdDir: string) => FdTableRead) | null;

  constructor(private readonly addon: SockDiagAddon) {
    this.reader = new addon.Reader();
    this.readFdTable = typeof addon.fdSockets === 'function' ? (dir) => this.fdTable(dir) : null;
  }

  private fdTable(fdDir: string): FdTableRead {
    let n = this.addon.fdSockets!(fdDir, this.fdBuf);
    // A process with more fds than room: grow (with headroom for fds opened meanwhile) and read again.
    for (let tries = 0; n * 2 > this.fdBuf.length && tries < 4; tries++) {
      this.fdBuf = new Uint32Array(Math.ceil(n * 1.25 + 256) * 2);
      n = this.addon.fdSockets!(fdDir, this.fdBuf);
    }
    if (n < 0) return n === -13 || n === -1 ? 'denied' : 'gone'; // -EACCES / -EPERM
    return this.fdBuf.slice(0, Math.min(n, this.fdBuf.length >> 1) * 2);
  }

  poll(options: SockDiagPollOptions = {}): SockDiagPoll {
    let flags = 0;
    if (options.tcp ?? true) flags |= F_TCP;
    if (options.udp ?? true) flags |= F_UDP;
    if (options.perFamily) flags |= F_PER_FAMILY;
    if (options.traffic) flags |= F_INFO;
    if (options.full) flags |= F_FULL;
    if (options.closed) flags |= F_CLOSED;
    if (options.everyState) flags |= F_EVERY_STATE;
    return decodePoll(this.reader.poll(flags), this.decoder);
  }

  close(): void {
    this.reader.close();
  }
}

/** Reads a poll's buffer (header and sections, native/sock_diag.c). */
export function decodePoll(buf: Buffer, decoder: RecordDecoder = new RecordDecoder()): SockDiagPoll {
  const nAdded = buf.readUInt32LE(0);
  const nChanged = buf.readUInt32LE(4);
  const nRemoved = buf.readUInt32LE(8);
  const nMoved = buf.readUInt32LE(12);
  const nClosed = buf.readUInt32LE(16);
  const tcpStatus = buf.readInt32LE(20);
  const udpStatus = buf.readInt32LE(24);
  let o = SOCK_DIAG_HEADER_SIZE;
  const added: DiagRow[] = [];
  for (let i = 0; i < nAdded; i++, o += SOCK_DIAG_RECORD_SIZE) {
    const row = decoder.row(buf, o);
    if (row !== null) added.push(row);
  }
  const changed: DiagRow[] = [];
  for (let i = 0; i < nChanged; i++, o += SOCK_DIAG_RECORD_SIZE) {
    const row = decoder.row(buf, o);
    if (row !== null) changed.push(row);
  }
  const removed: number[] = [];
  for (let i = 0; i < nRemoved; i++, o += REMOVED_SIZE) removed.push(cookieAt(buf, o));
  const moved: MovedCounters[] = [];
  for (let i = 0; i < nMoved; i++, o += MOVED_SIZE) {
    const flags = buf[o + 28]!;
    const bytes = (flags & R_BYTES) !== 0;
    moved.push({
      key: cookieAt(buf, o),
      bytesSent: bytes ? buf.readDoubleLE(o + 8) : null,
      bytesReceived: bytes ? buf.readDoubleLE(o + 16) : null,
      rttMs: (flags & R_RTT) !== 0 ? buf.readUInt32LE(o + 24) / 1000 : null,
    });
  }
  const closed: ClosedRecord[] = [];
  for (let i = 0; i < nClosed; i++, o += SOCK_DIAG_RECORD_SIZE) {
    const row = decoder.row(buf, o);
    if (row !== null) closed.push({ row, known: (buf[o + 3]! & R_KNOWN) !== 0 });
  }
  return {
    added,
    changed,
    removed,
    moved,
    closed,
    tcp: tcpStatus === 0,
    udp: udpStatus === 0,
    tcpStatus: tcpStatus === NOT_ASKED ? 0 : tcpStatus,
    udpStatus: udpStatus === NOT_ASKED ? 0 : udpStatus,
    closedStatus: buf.readInt32LE(32),
    closedDropped: buf.readUInt32LE(36),
    closedOverflows: buf.readUInt32LE(40),
    establishedSkipped: buf.readUInt32LE(44) === 1,
    count: buf.readUInt32LE(28),
  };
}

/** The cookie as a number: a per-boot counter, far below 2^53. */
function cookieAt(buf: Buffer, o: number): number {
  return buf.readUInt32LE(o) + buf.readUInt32LE(o + 4) * 0x1_0000_0000;
}

/**
 * Turns 80-byte records into rows exactly as parseProcNet reads the same sockets from /proc/net,
 * with address text cached (loopback and wildcard addresses repeat a lot).
 */
export class RecordDecoder {
  /** Address text by its 4 (IPv4, as a number) or 16 raw bytes (IPv6, as latin1 text). */
  private readonly v4 = new Map<number, string>();
  private readonly v6 = new Map<string, string>();

  /** The row of the record at offset o, or null for a state the kernel does not use. */
  row(buf: Buffer, o: number): DiagRow | null {
    const proto = buf[o]!;
    const family: Family = buf[o + 1] === 6 ? 6 : 4;
    const st = buf[o + 2]!;
    const flags = buf[o + 3]!;
    const localPort = buf[o + 4]! | (buf[o + 5]! << 8);
    const remotePort = buf[o + 6]! | (buf[o + 7]! << 8);
    const protocol = proto === PROTO_TCP ? 'tcp' : 'udp';
    const kernel = kernelState(protocol, st, remotePort);
    if (kernel === null) return null;
    const { state, listening, connected } = kernel;
    const bytes = protocol === 'tcp' && (flags & R_BYTES) !== 0;
    return {
      protocol,
      family,
      localAddress: this.address(buf, o + 8, family),
      localPort,
      remoteAddress: connected ? this.address(buf, o + 24, family) : null,
      remotePort: connected ? remotePort : null,
      state,
      listening,
      uid: buf.readUInt32LE(o + 40),
      inode: buf.readUInt32LE(o + 44),
      key: cookieAt(buf, o + 48),
      bytesSent: bytes ? buf.readDoubleLE(o + 56) : null,
      bytesReceived: bytes ? buf.readDoubleLE(o + 64) : null,
      rttMs: protocol === 'tcp' && (flags & R_RTT) !== 0 ? buf.readUInt32LE(o + 72) / 1000 : null,
    };
  }

  private address(buf: Buffer, o: number, family: Family): string {
    if (family === 4) return this.ipv4(buf.readUInt32BE(o));
    // IPv4-mapped (::ffff:a.b.c.d) addresses are common on dual-stack sockets.
    if (buf.readUInt32BE(o) === 0 && buf.readUInt32BE(o + 4) === 0 && buf.readUInt32BE(o + 8) === 0xffff) {
      return `::ffff:${this.ipv4(buf.readUInt32BE(o + 12))}`;
    }
    const raw = buf.toString('latin1', o, o + 16);
    let text = this.v6.get(raw);
    if (text === undefined) {
      text = formatIPv6(buf.subarray(o, o + 16));
      if (this.v6.size > 50_000) this.v6.clear();
      this.v6.set(raw, text);
    }
    return text;
  }

  private ipv4(n: number): string {
    let text = this.v4.get(n);
    if (text === undefined) {
      text = `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
      if (this.v4.size > 50_000) this.v4.clear();
      this.v4.set(n, text);
    }
    return text;
  }
}

export interface RecordFields {
  protocol: 6 | 17;
  family: 4 | 6;
  state: number;
  localPort: number;
  remotePort: number;
  local: ArrayLike<number>;
  remote: ArrayLike<number>;
  uid: number;
  inode: number;
  cookie?: number;
  bytesSent?: number | null;
  bytesReceived?: number | null;
  rttUs?: number | null;
  known?: boolean;
}

/** Packs one record as the addon does: for tests of the decoder without the kernel. */
export function encodeSockDiagRecord(out: Buffer, o: number, r: RecordFields): void {
  out.fill(0, o, o + SOCK_DIAG_RECORD_SIZE);
  out[o] = r.protocol;
  out[o + 1] = r.family;
  out[o + 2] = r.state;
  let flags = 0;
  if (r.bytesSent != null && r.bytesReceived != null) {
    flags |= R_BYTES;
    out.writeDoubleLE(r.bytesSent, o + 56);
    out.writeDoubleLE(r.bytesReceived, o + 64);
  }
  if (r.rttUs != null) {
    flags |= R_RTT;
    out.writeUInt32LE(r.rttUs, o + 72);
  }
  if (r.known) flags |= R_KNOWN;
  out[o + 3] = flags;
  out.writeUInt16LE(r.localPort, o + 4);
  out.writeUInt16LE(r.remotePort, o + 6);
  out.set(r.local, o + 8);
  out.set(r.remote, o + 24);
  out.writeUInt32LE(r.uid, o + 40);
  out.writeUInt32LE(r.inode, o + 44);
  const cookie = r.cookie ?? 0;
  out.writeUInt32LE(cookie % 0x1_0000_0000, o + 48);
  out.writeUInt32LE(Math.floor(cookie / 0x1_0000_0000), o + 52);
}

/** A poll buffer with the given sections, as the addon lays it out: for tests without the kernel. */
export function encodeSockDiagPoll(p: {
  added?: RecordFields[];
  changed?: RecordFields[];
  removed?: number[];
  moved?: Array<{ cookie: number; bytesSent: number; bytesReceived: number; rttUs: number | null }>;
  closed?: RecordFields[];
  tcpStatus?: number;
  udpStatus?: number;
  closedStatus?: number;
}): Buffer {
  const added = p.added ?? [];
  const changed = p.changed ?? [];
  const removed = p.removed ?? [];
  const moved = p.moved ?? [];
  const closed = p.closed ?? [];
  const size =
    SOCK_DIAG_HEADER_SIZE + (added.length + changed.length + closed.length) * SOCK_DIAG_RECORD_SIZE + removed.length * REMOVED_SIZE + moved.length * MOVED_SIZE;
  const buf = Buffer.alloc(size);
  buf.writeUInt32LE(added.length, 0);
  buf.writeUInt32LE(changed.length, 4);
  buf.writeUInt32LE(removed.length, 8);
  buf.writeUInt32LE(moved.length, 12);
  buf.writeUInt32LE(closed.length, 16);
  buf.writeInt32LE(p.tcpStatus ?? 0, 20);
  buf.writeInt32LE(p.udpStatus ?? 0, 24);
  buf.writeInt32LE(p.closedStatus ?? NOT_ASKED, 32);
  let o = SOCK_DIAG_HEADER_SIZE;
  for (const r of [...added, ...changed]) {
    encodeSockDiagRecord(buf, o, r);
    o += SOCK_DIAG_RECORD_SIZE;
  }
  for (const c of removed) {
    buf.writeUInt32LE(c % 0x1_0000_0000, o);
    buf.writeUInt32LE(Math.floor(c / 0x1_0000_0000), o + 4);
    o += REMOVED_SIZE;
  }
  for (const m of moved) {
    buf.writeUInt32LE(m.cookie % 0x1_0000_0000, o);
    buf.writeUInt32LE(Math.floor(m.cookie / 0x1_0000_0000), o + 4);
    buf.writeDoubleLE(m.bytesSent, o + 8);
    buf.writeDoubleLE(m.bytesReceived, o + 16);
    buf.writeUInt32LE(m.rttUs ?? 0, o + 24);
    buf[o + 28] = R_BYTES | (m.rttUs != null ? R_RTT : 0);
    o += MOVED_SIZE;
  }
  for (const r of closed) {
    encodeSockDiagRecord(buf, o, r);
    o += SOCK_DIAG_RECORD_SIZE;
  }
  return buf;
}
