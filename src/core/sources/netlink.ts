// The Linux socket tables through NETLINK_SOCK_DIAG (inet_diag), the interface `ss` uses: a native
// addon (native/sock_diag.c) dumps every TCP and UDP socket into a Buffer of fixed 48-byte records,
// and this module turns them into the same rows parseProcNet makes of /proc/net/{tcp,tcp6,udp,udp6}.
//
// Why: reading /proc/net/tcp and tcp6 walks the kernel's whole established hash once per file, in
// seq_file's small steps; one inet_diag dump walks it once for both families, several times cheaper.
// The addon is optional: when it is not built or netlink is refused, loadSockDiag() returns null and
// the caller reads /proc/net as before.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIPv6 } from '../../shared/address.js';
import type { Family } from '../../shared/model.js';
import { kernelState, type ProcNetRow } from './proc-net.js';

/** Where scripts/build-native.js puts the addon, relative to the repository root. */
export const SOCK_DIAG_ADDON = join('native', 'build', 'Release', 'sock_diag.node');

const HEADER_SIZE = 16;
const RECORD_SIZE = 48;
const WORDS = RECORD_SIZE / 4;
const PROTO_TCP = 6;
/** Header status of a protocol the dump was not asked for. */
const NOT_ASKED = 1;

/** The addon's interface (see native/sock_diag.c for the record layout). */
export interface SockDiagAddon {
  dump(out: Uint8Array, what?: number): number;
  close(): void;
  /** Absent from addons built before it existed: callers then read fd links from JS. */
  fdSockets?(fdDir: string, out: Uint32Array): number;
}

/** A process's fd table: fd name → socket inode, 0 for anything that is not a socket. */
export type FdTableRead = Map<string, number> | 'denied' | 'gone';

export interface SockDiagRead {
  rows: ProcNetRow[];
  /**
   * False when the kernel refused that protocol's dump (for UDP: no udp_diag, -ENOENT): none of its
   * sockets are in `rows`, so the caller reads /proc/net/{tcp,tcp6} or /proc/net/{udp,udp6} for it.
   */
  tcp: boolean;
  udp: boolean;
  /** The kernel's answer for each protocol: 0, or -errno. */
  tcpStatus: number;
  udpStatus: number;
}

export interface SockDiag {
  /**
   * Dumps every TCP and UDP socket. Rows of sockets unchanged since the previous read are the same
   * objects as then (do not mutate them). Throws only when the netlink socket itself fails (the
   * caller should then fall back to /proc/net for good).
   */
  read(): SockDiagRead;
  /** Closes the netlink socket; the next read() opens a new one. */
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

/**
 * Finds the built addon by walking up from this module: it runs from src/core/sources (tsx, vitest)
 * and from dist/node/core/sources (tsc output), and the repository root is above both. In a packaged
 * app it runs from resources/app.asar/out/…, and the addon, which the OS can only load from a real
 * file, is unpacked beside the archive in resources/app.asar.unpacked: that copy is looked for first.
 */
export function findSockDiagAddon(from: string = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (;;) {
    for (const base of unpackedFirst(dir)) {
      const candidate = join(base, SOCK_DIAG_ADDON);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The folder, preceded by its twin outside the archive when it is inside an app.asar. */
function unpackedFirst(dir: string): string[] {
  const parts = dir.split(sep);
  const asar = parts.lastIndexOf('app.asar');
  if (asar === -1) return [dir];
  return [[...parts.slice(0, asar), 'app.asar.unpacked', ...parts.slice(asar + 1)].join(sep), dir];
}

/** Loads the addon and opens its netlink socket; null (never a throw) when it cannot be used here. */
export function loadSockDiag(options: LoadSockDiagOptions = {}): SockDiag | null {
  const fail = (reason: string): null => {
    options.onError?.(reason);
    return null;
  };
  if (process.platform !== 'linux') return fail('NETLINK_SOCK_DIAG exists only on Linux');
  const path = options.path ?? findSockDiagAddon();
  if (path === null) return fail(`${SOCK_DIAG_ADDON} is not built (run node scripts/build-native.js)`);
  let addon: SockDiagAddon;
  try {
    const loaded = createRequire(import.meta.url)(path) as Partial<SockDiagAddon> | null;
    if (typeof loaded?.dump !== 'function' || typeof loaded.close !== 'function') return fail(`${path} is not the sock_diag addon`);
    addon = loaded as SockDiagAddon;
  } catch (e) {
    return fail(`could not load ${path}: ${(e as Error).message}`);
  }
  try {
    // Opens the netlink socket and asks for nothing: cheap, so a source may be made per poll. A
    // kernel that refuses a protocol's dump says so in read().
    addon.dump(Buffer.alloc(HEADER_SIZE), 0);
  } catch (e) {
    return fail((e as Error).message);
  }
  return sockDiagFromAddon(addon);
}

/** A SockDiag over a loaded addon (or a stand-in for one, in tests). */
export function sockDiagFromAddon(addon: SockDiagAddon): SockDiag {
  return new SockDiagReader(addon);
}

class SockDiagReader implements SockDiag {
  private buf: Buffer = Buffer.allocUnsafe(HEADER_SIZE + RECORD_SIZE * 1024);
  private readonly decoder = new SockDiagDecoder();

  private fdBuf = new Uint32Array(2048);
  readonly readFdTable: ((fdDir: string) => FdTableRead) | null;

  constructor(private readonly addon: SockDiagAddon) {
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
    const table = new Map<string, number>();
    const count = Math.min(n, this.fdBuf.length >> 1);
    for (let i = 0; i < count; i++) table.set(String(this.fdBuf[i * 2]), this.fdBuf[i * 2 + 1]!);
    return table;
  }

  read(): SockDiagRead {
    let count = this.addon.dump(this.buf);
    // More sockets than room: grow with headroom (sockets come and go between two dumps) and redo,
    // rather than hand back a table with sockets missing (they would show as closed, then new).
    for (let tries = 0; tries < 4; tries++) {
      const seen = this.buf.readUInt32LE(4);
      if (seen <= count) break;
      this.buf = Buffer.allocUnsafe(HEADER_SIZE + RECORD_SIZE * (Math.ceil(seen * 1.25) + 256));
      count = this.addon.dump(this.buf);
    }
    const tcpStatus = this.buf.readInt32LE(8);
    const udpStatus = this.buf.readInt32LE(12);
    return {
      rows: this.decoder.decode(this.buf, count),
      tcp: tcpStatus === 0,
      udp: udpStatus === 0,
      tcpStatus: tcpStatus === NOT_ASKED ? 0 : tcpStatus,
      udpStatus: udpStatus === NOT_ASKED ? 0 : udpStatus,
    };
  }

  close(): void {
    this.addon.close();
  }
}

/**
 * Turns the addon's records into ProcNetRows exactly as parseProcNet reads the same sockets from
 * /proc/net. A record's 48 bytes are its key, and a socket whose record is byte-for-byte the one of
 * the previous decode gets the previous row object back.
 *
 * The kernel dumps its hash tables in bucket order, so between two polls the records come in the
 * same order save where sockets came or went. Each record is first compared with the previous
 * decode's record at a cursor (12 integer compares); only on a mismatch is its key looked up in a
 * map of the previous records (built then, once), which also moves the cursor past the change. An
 * unchanged table thus costs no string and no map work at all.
 */
export class SockDiagDecoder {
  private prevWords = new Int32Array(0);
  private prevRows: Array<ProcNetRow | null> = [];
  private prevCount = 0;
  private spareWords = new Int32Array(0);
  /** Address text by its 4 (IPv4, as a number) or 16 raw bytes (IPv6, as latin1 text). */
  private readonly v4 = new Map<number, string>();
  private readonly v6 = new Map<string, string>();

  /** `buf` holds the 16-byte header and then `count` records. */
  decode(buf: Buffer, count: number): ProcNetRow[] {
    const n32 = count * WORDS;
    let words: Int32Array;
    if ((buf.byteOffset + HEADER_SIZE) % 4 === 0) words = new Int32Array(buf.buffer, buf.byteOffset + HEADER_SIZE, n32);
    else words = new Int32Array(new Uint8Array(buf.subarray(HEADER_SIZE, HEADER_SIZE + count * RECORD_SIZE)).buffer);
    const prevWords = this.prevWords;
    const prevRows = this.prevRows;
    const prevCount = this.prevCount;
    const consumed = new Uint8Array(prevCount);
    let byKey: Map<string, number> | null = null;
    let fresh: Map<string, ProcNetRow> | null = null;
    const rows: ProcNetRow[] = [];
    const rowAt = new Array<ProcNetRow | null>(count);
    let j = 0;
    for (let i = 0; i < count; i++) {
      const a = i * WORDS;
      let row: ProcNetRow | null | undefined;
      if (j < prevCount && consumed[j] === 0) {
        const b = j * WORDS;
        let w = 0;
        while (w < WORDS && words[a + w] === prevWords[b + w]) w++;
        if (w === WORDS) {
          consumed[j] = 1;
          // A record dropped last time (a repeat) may be the one kept now: look it up below.
          row = prevRows[j++] ?? undefined;
        }
      }
      if (row === undefined) {
        const o = HEADER_SIZE + i * RECORD_SIZE;
        const key = buf.toString('latin1', o, o + RECORD_SIZE);
        if (byKey === null) {
          byKey = new Map();
          for (let k = 0; k < prevCount; k++) {
            const r = prevRows[k];
            if (r != null) byKey.set(r.key, k);
          }
        }
        const k = byKey.get(key);
        if (k !== undefined) {
          // Seen before, elsewhere: the records between the cursor and it are gone or moved.
          // A record the dump gave twice (its hash walk resumes between messages) is kept once.
          row = consumed[k] === 0 ? prevRows[k]! : null;
          consumed[k] = 1;
          j = k + 1;
        } else {
          fresh ??= new Map();
          row = fresh.has(key) ? null : this.decodeRecord(buf, o, key);
          if (row !== null) fresh.set(key, row);
        }
      }
      rowAt[i] = row;
      if (row !== null) rows.push(row);
    }
    // Keep this decode's records for the next: the caller's buffer is overwritten by the next dump.
    let keep = this.spareWords;
    if (keep.length < n32) keep = new Int32Array(Math.max(n32, Math.ceil(n32 * 1.25)));
    keep.set(words);
    this.spareWords = this.prevWords;
    this.prevWords = keep;
    this.prevRows = rowAt;
    this.prevCount = count;
    return rows;
  }

  private decodeRecord(buf: Buffer, o: number, key: string): ProcNetRow | null {
    const proto = buf[o]!;
    const family: Family = buf[o + 1] === 6 ? 6 : 4;
    const st = buf[o + 2]!;
    const localPort = buf[o + 4]! | (buf[o + 5]! << 8);
    const remotePort = buf[o + 6]! | (buf[o + 7]! << 8);
    const uid = buf.readUInt32LE(o + 40);
    const inode = buf.readUInt32LE(o + 44);
    const localAddress = this.address(buf, o + 8, family);
    const remoteRaw = this.address(buf, o + 24, family);

    const kernel = kernelState(proto === PROTO_TCP ? 'tcp' : 'udp', st, remotePort);
    if (kernel === null) return null;
    const { state, listening, connected } = kernel;
    return {
      protocol: proto === PROTO_TCP ? 'tcp' : 'udp',
      family,
      localAddress,
      localPort,
      remoteAddress: connected ? remoteRaw : null,
      remotePort: connected ? remotePort : null,
      state,
      listening,
      uid,
      inode,
      key,
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

/** Packs one record as the addon does: for tests of the decoder without the kernel. */
export function encodeSockDiagRecord(
  out: Buffer,
  index: number,
  r: { protocol: 6 | 17; family: 4 | 6; state: number; localPort: number; remotePort: number; local: ArrayLike<number>; remote: ArrayLike<number>; uid: number; inode: number },
): void {
  const o = HEADER_SIZE + index * RECORD_SIZE;
  out.fill(0, o, o + RECORD_SIZE);
  out[o] = r.protocol;
  out[o + 1] = r.family;
  out[o + 2] = r.state;
  out.writeUInt16LE(r.localPort, o + 4);
  out.writeUInt16LE(r.remotePort, o + 6);
  out.set(r.local, o + 8);
  out.set(r.remote, o + 24);
  out.writeUInt32LE(r.uid, o + 40);
  out.writeUInt32LE(r.inode, o + 44);
}

export const SOCK_DIAG_RECORD_SIZE = RECORD_SIZE;
export const SOCK_DIAG_HEADER_SIZE = HEADER_SIZE;
