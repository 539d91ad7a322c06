// Builds generated/asn-owners.bin.gz, the offline IP → AS number and organisation table the engine
// reads (src/core/names/asn-database.ts), from the @ip-location-db/asn package's CSV files
// (RouteViews, DB-IP and NRO data, CC BY 4.0: attribution in README.md and the About box). The CSVs
// are 64 MB; the table is a few MB: sorted ranges for a binary search. Run by `npm ci` (prepare).
//
// Layout (little-endian): "PWASN001", then u32 n4, n6, orgCount, orgBytes; IPv4 starts, ends,
// asns, org indexes (u32 each); IPv6 starts and ends (16 bytes each), asns, org indexes (u32);
// org offsets (u32 × orgCount + 1) and the organisation names (UTF-8).
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIPv4 } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ASN_TABLE = join(root, 'generated', 'asn-owners.bin.gz');

/** The four fields of one CSV row (start, end, asn, organisation; the last may be quoted). */
export function splitRow(line) {
  const fields = [];
  let i = 0;
  while (i <= line.length && fields.length < 4) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 2; // past the quote and the comma
          break;
        }
      }
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 || fields.length === 3 ? line.length : comma;
      fields.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return fields.length === 4 ? fields : null;
}

function v4Number(text) {
  const p = text.split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}

function v6Bytes(text) {
  const halves = text.split('::');
  const part = (s) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const head = part(halves[0]);
  const tail = halves.length > 1 ? part(halves[1]) : [];
  const groups = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
  return bytes;
}

async function readRows(file, family, orgIndex) {
  const rows = [];
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    const f = splitRow(line);
    if (!f) continue;
    const [start, end, asn, org] = f;
    if (family === 4 ? !isIPv4(start) || !isIPv4(end) : start.includes('.') || end.includes('.')) continue;
    let index = orgIndex.get(org);
    if (index === undefined) {
      index = orgIndex.size;
      orgIndex.set(org, index);
    }
    rows.push({ start: family === 4 ? v4Number(start) : v6Bytes(start), end: family === 4 ? v4Number(end) : v6Bytes(end), asn: Number(asn) >>> 0, org: index });
  }
  return rows;
}

export async function buildAsnTable(folder = dirname(require.resolve('@ip-location-db/asn/package.json'))) {
  const orgIndex = new Map();
  const v4 = await readRows(join(folder, 'asn-ipv4.csv'), 4, orgIndex);
  const v6 = await readRows(join(folder, 'asn-ipv6.csv'), 6, orgIndex);
  v4.sort((a, b) => a.start - b.start);
  v6.sort((a, b) => Buffer.compare(a.start, b.start));
  const orgs = [...orgIndex.keys()].map((o) => Buffer.from(o, 'utf8'));
  const orgBytes = orgs.reduce((n, b) => n + b.length, 0);
  const header = Buffer.alloc(24);
  header.write('PWASN001', 0, 'latin1');
  header.writeUInt32LE(v4.length, 8);
  header.writeUInt32LE(v6.length, 12);
  header.writeUInt32LE(orgs.length, 16);
  header.writeUInt32LE(orgBytes, 20);
  const u32 = (values) => {
    const b = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => b.writeUInt32LE(v, i * 4));
    return b;
  };
  const offsets = [0];
  for (const o of orgs) offsets.push(offsets[offsets.length - 1] + o.length);
  const body = Buffer.concat([
    header,
    u32(v4.map((r) => r.start)),
    u32(v4.map((r) => r.end)),
    u32(v4.map((r) => r.asn)),
    u32(v4.map((r) => r.org)),
    Buffer.concat(v6.map((r) => r.start)),
    Buffer.concat(v6.map((r) => r.end)),
    u32(v6.map((r) => r.asn)),
    u32(v6.map((r) => r.org)),
    u32(offsets),
    ...orgs,
  ]);
  return gzipSync(body, { level: 9 });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const data = await buildAsnTable();
  mkdirSync(dirname(ASN_TABLE), { recursive: true });
  writeFileSync(ASN_TABLE, data);
  console.log(`wrote ${ASN_TABLE} (${(data.length / 1e6).toFixed(1)} MB)`);
}
