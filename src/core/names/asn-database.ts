// The offline IP → AS number and organisation table (generated/asn-owners.bin.gz, built from the
// @ip-location-db/asn package by scripts/build-names-data.mjs): sorted ranges, a binary search.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import { parseIPv4, parseIPv6, unmapped } from '../../shared/address.js';

export interface AsnOwner {
  asn: number;
  org: string | null;
}

const MAGIC = 'PWASN001';

export class AsnDatabase {
  private readonly v4Start: Uint32Array;
  private readonly v4End: Uint32Array;
  private readonly v4Asn: Uint32Array;
  private readonly v4Org: Uint32Array;
  private readonly v6Start: Uint8Array;
  private readonly v6End: Uint8Array;
  private readonly v6Asn: Uint32Array;
  private readonly v6Org: Uint32Array;
  private readonly orgOffsets: Uint32Array;
  private readonly orgText: Uint8Array;
  private readonly decoder = new TextDecoder();

  /** Reads the table from its bytes (unzipped); throws on anything that is not one. */
  constructor(raw: Buffer) {
    if (endianness() !== 'LE') throw new Error('the ASN table is little-endian');
    // A fresh, aligned buffer: typed arrays need offsets that are multiples of their element size.
    const buffer = new ArrayBuffer(raw.length);
    new Uint8Array(buffer).set(raw);
    const head = new DataView(buffer);
    if (raw.length < 24 || raw.subarray(0, 8).toString('latin1') !== MAGIC) throw new Error('not a Portwatch ASN table');
    const n4 = head.getUint32(8, true);
    const n6 = head.getUint32(12, true);
    const orgs = head.getUint32(16, true);
    const orgBytes = head.getUint32(20, true);
    let at = 24;
    const u32 = (n: number) => {
      const a = new Uint32Array(buffer, at, n);
      at += n * 4;
      return a;
    };
    const bytes = (n: number) => {
      const a = new Uint8Array(buffer, at, n);
      at += n;
      return a;
    };
    if (24 + n4 * 16 + n6 * 40 + (orgs + 1) * 4 + orgBytes !== raw.length) throw new Error('the ASN table is truncated');
    this.v4Start = u32(n4);
    this.v4End = u32(n4);
    this.v4Asn = u32(n4);
    this.v4Org = u32(n4);
    this.v6Start = bytes(n6 * 16);
    this.v6End = bytes(n6 * 16);
    this.v6Asn = u32(n6);
    this.v6Org = u32(n6);
    this.orgOffsets = u32(orgs + 1);
    this.orgText = bytes(orgBytes);
  }

  /** Opens the gzipped table now (a one-shot command). */
  static open(path: string): AsnDatabase {
    return new AsnDatabase(gunzipSync(readFileSync(path)));
  }

  /** Opens it with the reading and unzipping off the event loop (the engine: a poll is never held up). */
  static async load(path: string): Promise<AsnDatabase> {
    return new AsnDatabase(await promisify(gunzip)(await readFile(path)));
  }

  get size(): { v4: number; v6: number } {
    return { v4: this.v4Start.length, v6: this.v6Asn.length };
  }

  /** The AS announcing this address, or null when the table has none (private ranges, unrouted space). */
  lookup(address: string): AsnOwner | null {
    const v4 = parseIPv4(unmapped(address));
    if (v4 !== null) {
      const n = ((v4[0]! << 24) | (v4[1]! << 16) | (v4[2]! << 8) | v4[3]!) >>> 0;
      const i = lastAtOrBelow(this.v4Start.length, (k) => this.v4Start[k]! <= n);
      if (i < 0 || this.v4End[i]! < n) return null;
      return this.owner(this.v4Asn[i]!, this.v4Org[i]!);
    }
    const v6 = parseIPv6(address);
    if (v6 === null) return null;
    const i = lastAtOrBelow(this.v6Asn.length, (k) => compare16(this.v6Start, k, v6) <= 0);
    if (i < 0 || compare16(this.v6End, i, v6) < 0) return null;
    return this.owner(this.v6Asn[i]!, this.v6Org[i]!);
  }

  private owner(asn: number, org: number): AsnOwner | null {
    if (asn === 0) return null;
    const text = this.decoder.decode(this.orgText.subarray(this.orgOffsets[org]!, this.orgOffsets[org + 1]!));
    return { asn, org: text === '' ? null : text };
  }
}

/** The last index k in [0, n) for which below(k) holds (below is true then false along the array), or -1. */
function lastAtOrBelow(n: number, below: (k: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (below(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Compares the 16 bytes at row k of a table with an address. */
function compare16(table: Uint8Array, k: number, address: Uint8Array): number {
  const base = k * 16;
  for (let i = 0; i < 16; i++) {
    const d = table[base + i]! - address[i]!;
    if (d !== 0) return d;
  }
  return 0;
}
