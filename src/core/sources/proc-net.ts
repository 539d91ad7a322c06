// Parser for the Linux socket tables /proc/net/{tcp,tcp6,udp,udp6}.
import { endianness } from 'node:os';
import { formatIPv6 } from '../../shared/address.js';
import type { Family, Protocol, Socket, SocketState } from '../../shared/model.js';
import { TCP_STATES } from '../../shared/model.js';

/** One row of a socket table, before it is attributed to a process. */
export interface ProcNetRow
  extends Pick<Socket, 'protocol' | 'family' | 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort' | 'state' | 'listening'> {
  /** Owner of the socket as the kernel records it (the uid that created it). */
  uid: number;
  /** 0 for TIME_WAIT and orphaned sockets, which no process holds. */
  inode: number;
  /**
   * What identifies this row between two reads: /proc/net's raw columns (a socket whose state or
   * inode changes gets a new key there), or the kernel's socket cookie through netlink.
   */
  key: string | number;
}

export interface ProcNetParse {
  rows: ProcNetRow[];
  skipped: number;
}

const LITTLE_ENDIAN = endianness() === 'LE';
const TCP_LISTEN = 0x0a;
const TCP_NEW_SYN_RECV = 0x0c;

/** Decoded addresses repeat a lot (127.0.0.1, ::), so the hex → text work is done once each. */
const addressCache = new Map<string, string>();

/**
 * Parses one table. Lines that are malformed or cut short are skipped and counted, never thrown on:
 * the kernel can hand us a partial last line when a table changes under the read.
 */
export function parseProcNet(text: string, protocol: Protocol, family: Family): ProcNetParse {
  const rows: ProcNetRow[] = [];
  let skipped = 0;
  const addrLen = family === 4 ? 8 : 32;
  const kind = `${protocol}${family}`;
  let pos = text.indexOf('\n') + 1; // the header line
  if (pos === 0) return { rows, skipped: text.trim() === '' ? 0 : 1 };
  const end = text.length;
  const tok: number[] = new Array<number>(20);
  while (pos < end) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = end;
    // Token start/end offsets of the first 10 columns.
    let n = 0;
    let i = pos;
    while (i < eol && n < 20) {
      while (i < eol && text.charCodeAt(i) === 32) i++;
      if (i >= eol) break;
      const start = i;
      while (i < eol && text.charCodeAt(i) !== 32) i++;
      tok[n++] = start;
      tok[n++] = i;
    }
    const row = n === 20 ? parseRow(text, tok, protocol, family, addrLen, kind) : null;
    if (row !== null) rows.push(row);
    else if (eol > pos && text.slice(pos, eol).trim() !== '') skipped++;
    pos = eol + 1;
  }
  return { rows, skipped };
}

function parseRow(
  text: string,
  tok: number[],
  protocol: Protocol,
  family: Family,
  addrLen: number,
  kind: string,
): ProcNetRow | null {
  // Columns: sl, local, remote, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode.
  const localStart = tok[2]!;
  const localEnd = tok[3]!;
  const remoteStart = tok[4]!;
  const remoteEnd = tok[5]!;
  if (localEnd - localStart !== addrLen + 5 || remoteEnd - remoteStart !== addrLen + 5) return null;
  if (text.charCodeAt(localStart + addrLen) !== 58 || text.charCodeAt(remoteStart + addrLen) !== 58) return null;
  const localHex = text.slice(localStart, localStart + addrLen);
  const remoteHex = text.slice(remoteStart, remoteStart + addrLen);
  const localPort = hex(text, localStart + addrLen + 1, localEnd);
  const remotePort = hex(text, remoteStart + addrLen + 1, remoteEnd);
  const st = hex(text, tok[6]!, tok[7]!);
  const uid = dec(text, tok[14]!, tok[15]!);
  const inode = dec(text, tok[18]!, tok[19]!);
  if (localPort < 0 || remotePort < 0 || st < 0 || uid < 0 || inode < 0) return null;
  const localAddress = decodeAddress(localHex, family);
  const remoteRaw = decodeAddress(remoteHex, family);
  if (localAddress === null || remoteRaw === null) return null;

  const kernel = kernelState(protocol, st, remotePort);
  if (kernel === null) return null;
  const { state, listening, connected } = kernel;
  const key = `${kind} ${text.slice(localStart, tok[7]!)} ${inode}`;
  return {
    protocol,
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

/**
 * The kernel's state number as our model says it, for either table reader (/proc/net or netlink).
 * null for a number the kernel does not use.
 */
export function kernelState(
  protocol: Protocol,
  st: number,
  remotePort: number,
): { state: SocketState; listening: boolean; connected: boolean } | null {
  if (protocol === 'tcp') {
    const name = st === TCP_NEW_SYN_RECV ? 'SYN_RECV' : TCP_STATES[st - 1];
    if (name === undefined) return null;
    const listening = st === TCP_LISTEN;
    return { state: name, listening, connected: !listening };
  }
  // A UDP socket is "connected" once connect() gave it a peer; the kernel then marks it ESTABLISHED.
  const connected = remotePort !== 0 || st === 1;
  return { state: connected ? 'ESTABLISHED' : 'UNCONN', listening: !connected, connected };
}

function hex(text: string, start: number, end: number): number {
  if (end <= start || end - start > 8) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 65 && c <= 70) d = c - 55;
    else if (c >= 97 && c <= 102) d = c - 87;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

function dec(text: string, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The kernel prints each 32-bit word of the address in host byte order, so on little-endian
 * machines every group of 8 hex digits is byte-reversed.
 */
export function decodeAddress(hexText: string, family: Family): string | null {
  const cached = addressCache.get(hexText);
  if (cached !== undefined) return cached;
  const len = family === 4 ? 4 : 16;
  if (hexText.length !== len * 2) return null;
  const bytes = new Uint8Array(len);
  for (let word = 0; word < len / 4; word++) {
    for (let b = 0; b < 4; b++) {
      const v = hex(hexText, word * 8 + b * 2, word * 8 + b * 2 + 2);
      if (v < 0) return null;
      bytes[word * 4 + (LITTLE_ENDIAN ? 3 - b : b)] = v;
    }
  }
  const text = family === 4 ? `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}` : formatIPv6(bytes);
  if (addressCache.size > 50_000) addressCache.clear();
  addressCache.set(hexText, text);
  return text;
}
