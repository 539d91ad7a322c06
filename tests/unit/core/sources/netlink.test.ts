// The NETLINK_SOCK_DIAG reader: its decoder against parseProcNet on the same sockets (synthetic
// records rendered as /proc/net lines), and the real addon against the real /proc/net tables with
// sockets held by a real child process.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { endianness, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodePoll,
  encodeSockDiagPoll,
  findSockDiagAddon,
  loadSockDiag,
  sockDiagFromAddon,
  type DiagRow,
  type RecordFields,
  type SockDiag,
  type SockDiagAddon,
} from '../../../../src/core/sources/netlink.js';
import { parseProcNet, type ProcNetRow } from '../../../../src/core/sources/proc-net.js';
import { formatIPv6 } from '../../../../src/shared/address.js';
import type { Family, Protocol } from '../../../../src/shared/model.js';
import { TCP_STATES } from '../../../../src/shared/model.js';
import { startHolder, stopAll } from '../../../helpers/children.js';

type Rec = RecordFields;

/** Decodes records as the addon would hand them over as added sockets. */
function decodeAll(list: Rec[]): DiagRow[] {
  return decodePoll(encodeSockDiagPoll({ added: list.map((r, i) => ({ cookie: i + 1, ...r })) })).added;
}

/** Every field parseProcNet gives, except the cache key (whose form differs between the two). */
function fields(r: ProcNetRow) {
  const { key: _key, bytesSent: _s, bytesReceived: _r, rttMs: _t, ...rest } = r as DiagRow;
  return rest;
}
const v4 = (a: number, b: number, c: number, d: number) => [a, b, c, d];
const v6 = (text: string) => {
  const out = new Array<number>(16).fill(0);
  // Only the forms the tests use: "::1", "::", "::ffff:a.b.c.d", and full 8-group text.
  if (text === '::1') out[15] = 1;
  else if (text.startsWith('::ffff:')) {
    out[10] = 0xff;
    out[11] = 0xff;
    text.slice(7).split('.').forEach((p, i) => (out[12 + i] = Number(p)));
  } else if (text !== '::') {
    text.split(':').forEach((g, i) => {
      out[i * 2] = parseInt(g, 16) >> 8;
      out[i * 2 + 1] = parseInt(g, 16) & 0xff;
    });
  }
  return out;
};

/** The /proc/net line the kernel would print for a record (host-order 32-bit words, upper-case hex). */
function procLine(i: number, r: Rec): string {
  const le = endianness() === 'LE';
  const addr = (bytes: ArrayLike<number>) => {
    let s = '';
    for (let w = 0; w < (r.family === 4 ? 4 : 16); w += 4) {
      for (let b = 0; b < 4; b++) s += (bytes[w + (le ? 3 - b : b)] ?? 0).toString(16).padStart(2, '0');
    }
    return s.toUpperCase();
  };
  const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');
  return (
    `${String(i).padStart(4)}: ${addr(r.local)}:${hex(r.localPort, 4)} ${addr(r.remote)}:${hex(r.remotePort, 4)} ${hex(r.state, 2)} ` +
    `00000000:00000000 00:00000000 00000000 ${String(r.uid).padStart(5)}        0 ${r.inode} 1 0000000000000000 100 0 0 10 0`
  );
}

function parseLike(list: Rec[]): ProcNetRow[] {
  const out: ProcNetRow[] = [];
  for (const protocol of [6, 17] as const) {
    for (const family of [4, 6] as const) {
      const mine = list.filter((r) => r.protocol === protocol && r.family === family);
      const text = ['  sl  local_address rem_address   st ...', ...mine.map((r, i) => procLine(i, r))].join('\n') + '\n';
      const parsed = parseProcNet(text, protocol === 6 ? 'tcp' : 'udp', family);
      expect(parsed.skipped).toBe(0);
      out.push(...parsed.rows);
    }
  }
  return out;
}

const order = (rows: ProcNetRow[]) =>
  rows
    .map(fields)
    .sort((a, b) => a.protocol.localeCompare(b.protocol) || a.family - b.family || a.inode - b.inode || a.localPort - b.localPort);

describe('RecordDecoder', () => {
  it('names every TCP state the kernel can report, as parseProcNet does (12 NEW_SYN_RECV → SYN_RECV)', () => {
    const list: Rec[] = [];
    for (let st = 1; st <= 12; st++) {
      list.push({ protocol: 6, family: 4, state: st, localPort: 1000 + st, remotePort: st === 10 ? 0 : 80, local: v4(127, 0, 0, 1), remote: st === 10 ? v4(0, 0, 0, 0) : v4(10, 0, 0, st), uid: 1000, inode: st === 6 ? 0 : 500 + st });
    }
    const rows = decodeAll(list);
    expect(rows.map((r) => r.state)).toEqual([...TCP_STATES, 'SYN_RECV']);
    expect(rows.filter((r) => r.listening).map((r) => r.localPort)).toEqual([1010]);
    expect(rows[9]).toMatchObject({ state: 'LISTEN', remoteAddress: null, remotePort: null, listening: true });
    expect(rows[0]).toMatchObject({ state: 'ESTABLISHED', remoteAddress: '10.0.0.1', remotePort: 80, uid: 1000, inode: 501, key: 1 });
    expect(rows[5]).toMatchObject({ state: 'TIME_WAIT', inode: 0 });
    expect(rows.map(fields)).toEqual(order(parseLike(list)).sort((a, b) => a.localPort - b.localPort));
  });

  it('drops a record whose TCP state the kernel does not number', () => {
    const list: Rec[] = [0, 13, 1].map((state) => ({ protocol: 6, family: 4, state, localPort: 1, remotePort: 2, local: v4(1, 2, 3, 4), remote: v4(5, 6, 7, 8), uid: 0, inode: state }));
    expect(decodeAll(list).map((r) => r.state)).toEqual(['ESTABLISHED']);
  });

  it('writes IPv6 in RFC 5952 form and IPv4-mapped addresses as ::ffff:a.b.c.d', () => {
    const list: Rec[] = [
      { protocol: 6, family: 6, state: 1, localPort: 8080, remotePort: 40000, local: v6('::ffff:127.0.0.1'), remote: v6('::ffff:192.168.1.20'), uid: 0, inode: 7 },
      { protocol: 6, family: 6, state: 10, localPort: 8080, remotePort: 0, local: v6('::'), remote: v6('::'), uid: 0, inode: 8 },
      { protocol: 17, family: 6, state: 7, localPort: 53, remotePort: 0, local: v6('::1'), remote: v6('::'), uid: 0, inode: 9 },
      { protocol: 6, family: 6, state: 1, localPort: 1, remotePort: 2, local: v6('2001:db8:0:0:0:0:0:1'), remote: v6('fe80:0:0:0:baa:ff:badc:12fe'), uid: 0, inode: 10 },
    ];
    const rows = decodeAll(list);
    expect(rows.map((r) => [r.family, r.localAddress, r.remoteAddress, r.state])).toEqual([
      [6, '::ffff:127.0.0.1', '::ffff:192.168.1.20', 'ESTABLISHED'],
      [6, '::', null, 'LISTEN'],
      [6, '::1', null, 'UNCONN'],
      [6, '2001:db8::1', 'fe80::baa:ff:badc:12fe', 'ESTABLISHED'],
    ]);
    expect(order(rows)).toEqual(order(parseLike(list)));
  });

  it('reads UDP as parseProcNet does: bound sockets listen, connected ones are ESTABLISHED with a peer, never with counters', () => {
    const list: Rec[] = [
      { protocol: 17, family: 4, state: 7, localPort: 5353, remotePort: 0, local: v4(0, 0, 0, 0), remote: v4(0, 0, 0, 0), uid: 102, inode: 1 },
      { protocol: 17, family: 4, state: 1, localPort: 40000, remotePort: 53, local: v4(127, 0, 0, 1), remote: v4(127, 0, 0, 53), uid: 0, inode: 2, bytesSent: 5, bytesReceived: 6, rttUs: 7 },
    ];
    const rows = decodeAll(list);
    expect(rows.map((r) => [r.protocol, r.state, r.listening, r.remoteAddress, r.remotePort, r.bytesSent, r.rttMs])).toEqual([
      ['udp', 'UNCONN', true, null, null, null, null],
      ['udp', 'ESTABLISHED', false, '127.0.0.53', 53, null, null],
    ]);
  });

  it('agrees with parseProcNet on any socket (property)', () => {
    const bytes = (n: number) =>
      fc.oneof(
        fc.uint8Array({ minLength: n, maxLength: n }).map((a) => [...a]),
        fc.constant(new Array<number>(n).fill(0)),
        fc.uint8Array({ minLength: 4, maxLength: 4 }).map((a) => (n === 4 ? [...a] : [...v6('::ffff:0.0.0.0').slice(0, 12), ...a])),
      );
    const rec = fc
      .record({ protocol: fc.constantFrom(6 as const, 17 as const), family: fc.constantFrom(4 as const, 6 as const) })
      .chain(({ protocol, family }) =>
        fc.record({
          protocol: fc.constant(protocol),
          family: fc.constant(family),
          state: protocol === 6 ? fc.integer({ min: 1, max: 12 }) : fc.constantFrom(1, 7),
          localPort: fc.integer({ min: 0, max: 65535 }),
          remotePort: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 65535 })),
          local: bytes(family === 4 ? 4 : 16),
          remote: bytes(family === 4 ? 4 : 16),
          uid: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
          inode: fc.integer({ min: 0, max: 0xffffffff }),
        }),
      );
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 20 }), (list) => {
        // Make every record distinct, as the kernel's are.
        list.forEach((r, i) => (r.inode = i + 1));
        expect(order(decodeAll(list))).toEqual(order(parseLike(list)));
      }),
    );
    expect(formatIPv6(v6('::ffff:1.2.3.4'))).toBe('::ffff:1.2.3.4');
  });
});

describe('decodePoll', () => {
  const conn: Rec = { protocol: 6, family: 4, state: 1, localPort: 1234, remotePort: 80, local: v4(10, 0, 0, 1), remote: v4(10, 0, 0, 2), uid: 0, inode: 42 };

  it('reads each section: added and changed rows with their counters, removed cookies, moved counters, closed connections', () => {
    const big = 2 ** 40 + 7; // cookies are 64-bit: above 2^32 they still come through exactly
    const got = decodePoll(
      encodeSockDiagPoll({
        added: [{ ...conn, cookie: big, bytesSent: 1500, bytesReceived: 2 ** 33, rttUs: 250 }],
        changed: [{ ...conn, state: 8, cookie: 9 }],
        removed: [11, big + 2],
        moved: [{ cookie: 12, bytesSent: 10, bytesReceived: 20, rttUs: null }],
        closed: [
          { ...conn, state: 7, inode: 0, cookie: 13, bytesSent: 99, bytesReceived: 98, rttUs: 1000, known: true },
          { ...conn, state: 7, inode: 0, cookie: 14, bytesSent: 5, bytesReceived: 6 },
        ],
        udpStatus: -2,
        closedStatus: -1,
      }),
    );
    expect(got.added).toEqual([expect.objectContaining({ key: big, bytesSent: 1500, bytesReceived: 2 ** 33, rttMs: 0.25, state: 'ESTABLISHED' })]);
    expect(got.changed).toEqual([expect.objectContaining({ key: 9, state: 'CLOSE_WAIT', bytesSent: null, bytesReceived: null, rttMs: null })]);
    expect(got.removed).toEqual([11, big + 2]);
    expect(got.moved).toEqual([{ key: 12, bytesSent: 10, bytesReceived: 20, rttMs: null }]);
    expect(got.closed.map((c) => [c.row.key, c.known, c.row.bytesSent, c.row.bytesReceived, c.row.state])).toEqual([
      [13, true, 99, 98, 'CLOSE'],
      [14, false, 5, 6, 'CLOSE'],
    ]);
    expect(got).toMatchObject({ tcp: true, udp: false, tcpStatus: 0, udpStatus: -2, closedStatus: -1 });
  });

  it('says a protocol was not asked for as status 0 but not read', () => {
    const got = decodePoll(encodeSockDiagPoll({ udpStatus: 1 }));
    expect(got).toMatchObject({ udp: false, udpStatus: 0 });
  });

  it('SockDiag passes the options to the reader as flags', () => {
    const seen: number[] = [];
    const addon = {
      Reader: class {
        poll(flags: number) {
          seen.push(flags);
          return encodeSockDiagPoll({});
        }
        close() {}
      },
      query: () => -2,
      destroy: () => -2,
    } as unknown as SockDiagAddon;
    const diag = sockDiagFromAddon(addon);
    diag.poll();
    diag.poll({ tcp: true, udp: false, traffic: true, closed: true, full: true, perFamily: true });
    expect(seen).toEqual([3, 1 | 4 | 8 | 16 | 32]);
    expect(diag.readFdTable).toBeNull();
  });
});

describe('findSockDiagAddon', () => {
  const made: string[] = [];
  afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** A temp folder holding the given files (empty ones), each at its relative path. */
  function layout(files: string[]): string {
    const root = mkdtempSync(join(tmpdir(), 'portwatch-addon-'));
    made.push(root);
    for (const file of files) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), '');
    }
    return root;
  }
  const ADDON = join('native', 'build', 'Release', 'sock_diag.node');

  it('finds the addon at the repository root above the module (src/ or dist/node/)', () => {
    const root = layout([ADDON, join('dist', 'node', 'core', 'sources', 'netlink.js')]);
    expect(findSockDiagAddon(join(root, 'dist', 'node', 'core', 'sources'))).toBe(join(root, ADDON));
  });

  it('in a packaged app, finds the copy unpacked beside app.asar, not a path inside the archive', () => {
    // The archive is a file: plain fs (like the OS loader) cannot see into it.
    const root = layout([join('resources', 'app.asar'), join('resources', 'app.asar.unpacked', ADDON)]);
    expect(findSockDiagAddon(join(root, 'resources', 'app.asar', 'out', 'main'))).toBe(join(root, 'resources', 'app.asar.unpacked', ADDON));
  });

  it('prefers the unpacked copy where the archive path also answers (as Electron\'s fs does)', () => {
    const root = layout([join('resources', 'app.asar', ADDON), join('resources', 'app.asar.unpacked', ADDON)]);
    expect(findSockDiagAddon(join(root, 'resources', 'app.asar', 'out', 'main'))).toBe(join(root, 'resources', 'app.asar.unpacked', ADDON));
  });

  it('is null when no folder above holds it', () => {
    const root = layout([join('resources', 'app.asar')]);
    expect(findSockDiagAddon(join(root, 'resources', 'app.asar', 'out', 'main'))).toBeNull();
  });
});

// ---- The real addon against the real tables ----

const BUILD = fileURLToPath(new URL('../../../../scripts/build-native.js', import.meta.url));
let diag: SockDiag | null = null;
let whyNot = '';

beforeAll(() => {
  if (process.platform !== 'linux') {
    whyNot = 'NETLINK_SOCK_DIAG is Linux only';
    return;
  }
  // CI has no prebuilt addon: build it here (about a second) so the tests always run.
  if (findSockDiagAddon() === null) execFileSync(process.execPath, [BUILD], { stdio: 'inherit' });
  diag = loadSockDiag({ onError: (reason) => (whyNot = reason) });
});
afterAll(async () => {
  diag?.close();
  await stopAll();
});

const TABLES: ReadonlyArray<readonly [string, Protocol, Family]> = [
  ['tcp', 'tcp', 4],
  ['tcp6', 'tcp', 6],
  ['udp', 'udp', 4],
  ['udp6', 'udp', 6],
];

function procRows(): ProcNetRow[] {
  const rows: ProcNetRow[] = [];
  for (const [file, protocol, family] of TABLES) rows.push(...parseProcNet(readFileSync(`/proc/net/${file}`, 'latin1'), protocol, family).rows);
  return rows;
}

function socketInodes(pid: number): Set<number> {
  const out = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

const byInode = (rows: ProcNetRow[], inodes: Set<number>) =>
  rows
    .filter((r) => inodes.has(r.inode))
    .map(fields)
    .sort((a, b) => a.inode - b.inode);

describe('loadSockDiag', () => {
  it('returns null with a reason, never throws, when the addon is missing', () => {
    let reason = '';
    expect(loadSockDiag({ path: '/nonexistent/sock_diag.node', onError: (r) => (reason = r) })).toBeNull();
    expect(reason).toMatch(process.platform === 'linux' ? /could not load \/nonexistent\/sock_diag.node/ : /Linux/);
  });
});

describe('the addon', () => {
  it('throws a JS Error, never crashes, on bad arguments; a closed reader reopens on its next poll', (ctx) => {
    ctx.skip(diag === null, `sock_diag addon unavailable: ${whyNot}`);
    const addon = createRequire(import.meta.url)(findSockDiagAddon()!) as Record<string, (...args: unknown[]) => unknown> & { Reader: new () => Record<string, (...args: unknown[]) => unknown> };
    const reader = new addon.Reader();
    expect(() => reader.poll!('tcp')).toThrow(/flags must be a number/);
    expect(() => addon.Reader.prototype.poll!.call({}, 3)).toThrow(); // a JS error (V8's own check), not a crash
    expect(() => addon.query!()).toThrow(/bad arguments/);
    expect(() => addon.query!(5, Buffer.alloc(16), 1, Buffer.alloc(16), 2)).toThrow(/bad arguments/);
    expect(() => addon.query!(4, Buffer.alloc(4), 1, Buffer.alloc(16), 2)).toThrow(/bad arguments/);
    expect(() => addon.destroy!(4, Buffer.alloc(16), 1, Buffer.alloc(16), 70000, Buffer.alloc(8))).toThrow(/bad arguments/);
    expect(() => addon.destroy!(4, Buffer.alloc(16), 1, Buffer.alloc(16), 2)).toThrow(/bad arguments/);
    expect(() => addon.fdSockets!('/proc/self/fd', new Float64Array(4))).toThrow(/Uint32Array/);
    const first = decodePoll(reader.poll!(1 | 16) as Buffer);
    expect(first.added.length).toBeGreaterThan(0);
    expect([first.tcpStatus, first.udpStatus, first.closedStatus]).toEqual([0, 0, 1]);
    reader.close!();
    reader.close!();
    // Closed: its table is forgotten, so the next poll reports every socket again.
    expect(decodePoll(reader.poll!(1) as Buffer).added.length).toBeGreaterThan(0);
    reader.close!();
  });
});

describe('the addon reading fd tables', () => {
  it('reads a table of 1,500 sockets: a buffer too small says how many fds there are, the grown one finds every socket', async (ctx) => {
    ctx.skip(diag === null || diag.readFdTable === null, `sock_diag addon unavailable: ${whyNot}`);
    const addon = createRequire(import.meta.url)(findSockDiagAddon()!) as SockDiagAddon;
    const holder = await startHolder(Array.from({ length: 1500 }, (_, i) => ({ name: `u${i}`, kind: 'udp-bind' as const, host: '127.0.0.1' })));
    const dir = `/proc/${holder.pid}/fd`;
    const expected = new Set(readdirSync(dir).map((fd) => /^socket:\[(\d+)\]$/.exec(safeReadlink(join(dir, fd)))?.[1]).filter((x) => x !== undefined).map(Number));
    expect(expected.size).toBeGreaterThanOrEqual(1500);

    const small = new Uint32Array(2 * 100);
    const n = addon.fdSockets!(dir, small);
    expect(n).toBeGreaterThanOrEqual(1500 + 3);
    // What fit is real: fd numbers of that process.
    const listed = readdirSync(dir).map(Number);
    expect(listed).toEqual(expect.arrayContaining(Array.from({ length: 100 }, (_, i) => small[i * 2])));

    const big = new Uint32Array(2 * (n + 64));
    const m = addon.fdSockets!(dir, big);
    const found = new Set<number>();
    for (let i = 0; i < m; i++) if (big[i * 2 + 1] !== 0) found.add(big[i * 2 + 1]!);
    expect([...expected].filter((inode) => !found.has(inode))).toEqual([]);
    // And through the reader, which grows its buffer by itself.
    const read = diag!.readFdTable!(dir);
    expect(read).toBeInstanceOf(Uint32Array);
    const viaReader = new Set<number>();
    for (let i = 1; i < (read as Uint32Array).length; i += 2) if ((read as Uint32Array)[i] !== 0) viaReader.add((read as Uint32Array)[i]!);
    expect([...expected].filter((inode) => !viaReader.has(inode))).toEqual([]);
  });
});

function safeReadlink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

describe('SockDiag with real sockets', () => {
  it('finds exactly what /proc/net shows for every socket of a child: TCP on 127.0.0.1, ::1 and ::, connections, IPv4-mapped, UDP', async (ctx) => {
    ctx.skip(diag === null, `sock_diag addon unavailable: ${whyNot}`);
    const holder = await startHolder([
      { name: 'l4', kind: 'tcp-listen', host: '127.0.0.1' },
      { name: 'l6', kind: 'tcp-listen', host: '::1' },
      { name: 'lany', kind: 'tcp-listen', host: '::' },
      { name: 'c4', kind: 'tcp-connect', to: 'l4' },
      { name: 'c6', kind: 'tcp-connect', to: 'l6' },
      { name: 'u4', kind: 'udp-bind', host: '127.0.0.1' },
      { name: 'u6', kind: 'udp-bind', host: '::1' },
      { name: 'uc', kind: 'udp-connect', to: 'u4' },
      { name: 'uc6', kind: 'udp-connect', to: 'u6' },
    ]);
    // An IPv4 client of the dual-stack listener: the child's accepted socket is IPv6, IPv4-mapped.
    const client = net.connect(holder.endpoints.lany!.port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    await holder.accepted('lany', 1); // the child holds the accepted end too
    try {
      const inodes = socketInodes(holder.pid);
      const got = diag!.poll({ full: true, traffic: true });
      const proc = procRows();
      expect(got.tcp).toBe(true);
      expect(got.udp).toBe(true);
      const mine = byInode(got.added, inodes);
      // 3 listeners, 2 connections + their 2 accepted ends, the mapped accepted end, 4 UDP sockets.
      expect(mine).toHaveLength(12);
      expect(mine).toEqual(byInode(proc, inodes));
      const mapped = mine.find((r) => r.localPort === holder.endpoints.lany!.port && !r.listening);
      expect(mapped).toMatchObject({ family: 6, localAddress: '::ffff:127.0.0.1', remoteAddress: '::ffff:127.0.0.1', remotePort: client.localPort, state: 'ESTABLISHED' });
      expect(mine.find((r) => r.localPort === holder.endpoints.lany!.port && r.listening)).toMatchObject({ family: 6, localAddress: '::', state: 'LISTEN' });
      expect(mine.filter((r) => r.protocol === 'udp').map((r) => [r.family, r.state]).sort()).toEqual([
        [4, 'ESTABLISHED'],
        [4, 'UNCONN'],
        [6, 'ESTABLISHED'],
        [6, 'UNCONN'],
      ]);
      expect(mine.every((r) => r.uid === process.getuid!())).toBe(true);
      // Every TCP socket carries tcp_info counters (0 for an idle one); UDP never does.
      const rows = got.added.filter((r) => inodes.has(r.inode));
      for (const r of rows) {
        if (r.protocol === 'udp') expect([r.bytesSent, r.bytesReceived, r.rttMs]).toEqual([null, null, null]);
        else expect(r.bytesSent).toBe(0);
      }
      expect(rows.filter((r) => r.protocol === 'tcp' && !r.listening).every((r) => r.rttMs! > 0)).toBe(true);
      // Cookies are unique and stable: the next poll repeats none of these sockets.
      expect(new Set(got.added.map((r) => r.key)).size).toBe(got.added.length);
      const again = diag!.poll({ traffic: true });
      const cookies = new Set(rows.map((r) => r.key));
      expect([...again.added, ...again.changed].filter((r) => cookies.has(r.key))).toEqual([]);
      expect(again.removed.filter((k) => cookies.has(k))).toEqual([]);
    } finally {
      client.destroy();
      await holder.exit();
    }
  });

  it('reports a closed connection as changed to TIME_WAIT under the same cookie, with no inode and its counters kept', async (ctx) => {
    ctx.skip(diag === null, `sock_diag addon unavailable: ${whyNot}`);
    const holder = await startHolder([
      { name: 'l', kind: 'tcp-listen', host: '127.0.0.1' },
      { name: 'c', kind: 'tcp-connect', to: 'l' },
    ]);
    const { l, c } = holder.endpoints;
    const isIt = (r: ProcNetRow) => r.protocol === 'tcp' && r.localPort === c!.port && r.remotePort === l!.port;
    const before = diag!.poll({ full: true, traffic: true }).added.find(isIt)!;
    expect(before).toMatchObject({ state: 'ESTABLISHED' });
    // The client closes first, so its end (local port c) waits out TIME_WAIT.
    await holder.close('c');
    // The child's end answers the FIN when its event loop gets to it: wait for the state, however long.
    let tw: DiagRow | undefined;
    for (;;) {
      const got = diag!.poll({ traffic: true });
      expect(got.added.find(isIt)).toBeUndefined();
      tw = got.changed.find((r) => isIt(r) && r.state === 'TIME_WAIT');
      if (tw !== undefined) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(tw).toBeDefined();
    expect(tw!.key).toBe(before.key);
    expect(fields(tw!)).toMatchObject({ family: 4, localAddress: '127.0.0.1', remoteAddress: '127.0.0.1', listening: false, inode: 0, uid: 0 });
    expect(tw!.bytesSent).not.toBeNull();
    expect(procRows().filter((r) => isIt(r) && r.state === 'TIME_WAIT').map(fields)).toEqual([fields(tw!)]);
    await holder.exit();
  });
});
