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
  encodeSockDiagRecord,
  findSockDiagAddon,
  loadSockDiag,
  SOCK_DIAG_HEADER_SIZE,
  SOCK_DIAG_RECORD_SIZE,
  SockDiagDecoder,
  sockDiagFromAddon,
  type SockDiag,
  type SockDiagAddon,
} from '../../../../src/core/sources/netlink.js';
import { parseProcNet, type ProcNetRow } from '../../../../src/core/sources/proc-net.js';
import { formatIPv6 } from '../../../../src/shared/address.js';
import type { Family, Protocol } from '../../../../src/shared/model.js';
import { TCP_STATES } from '../../../../src/shared/model.js';
import { startHolder, stopAll } from '../../../helpers/children.js';

type Rec = Parameters<typeof encodeSockDiagRecord>[2];

function records(list: Rec[]): Buffer {
  const buf = Buffer.alloc(SOCK_DIAG_HEADER_SIZE + SOCK_DIAG_RECORD_SIZE * list.length);
  list.forEach((r, i) => encodeSockDiagRecord(buf, i, r));
  return buf;
}

/** Every field parseProcNet gives, except the cache key (whose form differs between the two). */
function fields(r: ProcNetRow) {
  const { key: _key, ...rest } = r;
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

describe('SockDiagDecoder', () => {
  it('names every TCP state the kernel can report, as parseProcNet does (12 NEW_SYN_RECV → SYN_RECV)', () => {
    const list: Rec[] = [];
    for (let st = 1; st <= 12; st++) {
      list.push({ protocol: 6, family: 4, state: st, localPort: 1000 + st, remotePort: st === 10 ? 0 : 80, local: v4(127, 0, 0, 1), remote: st === 10 ? v4(0, 0, 0, 0) : v4(10, 0, 0, st), uid: 1000, inode: st === 6 ? 0 : 500 + st });
    }
    const rows = new SockDiagDecoder().decode(records(list), list.length);
    expect(rows.map((r) => r.state)).toEqual([...TCP_STATES, 'SYN_RECV']);
    expect(rows.filter((r) => r.listening).map((r) => r.localPort)).toEqual([1010]);
    const listener = rows[9]!;
    expect(listener).toMatchObject({ state: 'LISTEN', remoteAddress: null, remotePort: null, listening: true });
    expect(rows[0]).toMatchObject({ state: 'ESTABLISHED', remoteAddress: '10.0.0.1', remotePort: 80, uid: 1000, inode: 501 });
    expect(rows[5]).toMatchObject({ state: 'TIME_WAIT', inode: 0 });
    expect(rows.map(fields)).toEqual(order(parseLike(list)).sort((a, b) => a.localPort - b.localPort));
  });

  it('drops a record whose TCP state the kernel does not number', () => {
    const list: Rec[] = [0, 13, 1].map((state) => ({ protocol: 6, family: 4, state, localPort: 1, remotePort: 2, local: v4(1, 2, 3, 4), remote: v4(5, 6, 7, 8), uid: 0, inode: state }));
    expect(new SockDiagDecoder().decode(records(list), 3).map((r) => r.state)).toEqual(['ESTABLISHED']);
  });

  it('writes IPv6 in RFC 5952 form and IPv4-mapped addresses as ::ffff:a.b.c.d', () => {
    const list: Rec[] = [
      { protocol: 6, family: 6, state: 1, localPort: 8080, remotePort: 40000, local: v6('::ffff:127.0.0.1'), remote: v6('::ffff:192.168.1.20'), uid: 0, inode: 7 },
      { protocol: 6, family: 6, state: 10, localPort: 8080, remotePort: 0, local: v6('::'), remote: v6('::'), uid: 0, inode: 8 },
      { protocol: 17, family: 6, state: 7, localPort: 53, remotePort: 0, local: v6('::1'), remote: v6('::'), uid: 0, inode: 9 },
      { protocol: 6, family: 6, state: 1, localPort: 1, remotePort: 2, local: v6('2001:db8:0:0:0:0:0:1'), remote: v6('fe80:0:0:0:baa:ff:badc:12fe'), uid: 0, inode: 10 },
    ];
    const rows = new SockDiagDecoder().decode(records(list), list.length);
    expect(rows.map((r) => [r.family, r.localAddress, r.remoteAddress, r.state])).toEqual([
      [6, '::ffff:127.0.0.1', '::ffff:192.168.1.20', 'ESTABLISHED'],
      [6, '::', null, 'LISTEN'],
      [6, '::1', null, 'UNCONN'],
      [6, '2001:db8::1', 'fe80::baa:ff:badc:12fe', 'ESTABLISHED'],
    ]);
    expect(order(rows)).toEqual(order(parseLike(list)));
  });

  it('reads UDP as parseProcNet does: bound sockets listen, connected ones are ESTABLISHED with a peer', () => {
    const list: Rec[] = [
      { protocol: 17, family: 4, state: 7, localPort: 5353, remotePort: 0, local: v4(0, 0, 0, 0), remote: v4(0, 0, 0, 0), uid: 102, inode: 1 },
      { protocol: 17, family: 4, state: 1, localPort: 40000, remotePort: 53, local: v4(127, 0, 0, 1), remote: v4(127, 0, 0, 53), uid: 0, inode: 2 },
    ];
    const rows = new SockDiagDecoder().decode(records(list), 2);
    expect(rows.map((r) => [r.protocol, r.state, r.listening, r.remoteAddress, r.remotePort])).toEqual([
      ['udp', 'UNCONN', true, null, null],
      ['udp', 'ESTABLISHED', false, '127.0.0.53', 53],
    ]);
  });

  it('gives back the same row object for an unchanged socket, a new one when anything changed, and drops repeats', () => {
    const base: Rec = { protocol: 6, family: 4, state: 1, localPort: 1234, remotePort: 80, local: v4(10, 0, 0, 1), remote: v4(10, 0, 0, 2), uid: 0, inode: 42 };
    const decoder = new SockDiagDecoder();
    const [a] = decoder.decode(records([base]), 1);
    const [b] = decoder.decode(records([base]), 1);
    expect(b).toBe(a);
    const moved = decoder.decode(records([{ ...base, state: 8 }, { ...base, state: 8 }]), 2);
    expect(moved).toHaveLength(1);
    expect(moved[0]).not.toBe(a);
    expect(moved[0]!.state).toBe('CLOSE_WAIT');
    expect(moved[0]!.key).not.toBe(a!.key);
    expect(decoder.decode(records([]), 0)).toEqual([]);
  });

  it('through any sequence of dumps (sockets come, go, move, repeat): every socket once, unchanged ones as the same object (property)', () => {
    const pool: Rec[] = Array.from({ length: 24 }, (_, i) => ({
      protocol: i % 3 === 0 ? 17 : 6,
      family: i % 2 === 0 ? 4 : 6,
      state: i % 3 === 0 ? 7 : 1 + (i % 12),
      localPort: 1000 + i,
      remotePort: i % 5,
      local: i % 2 === 0 ? v4(127, 0, 0, i) : v6('::1'),
      remote: i % 2 === 0 ? v4(10, 0, 0, i) : v6('::ffff:10.0.0.1'),
      uid: i,
      inode: i % 4 === 0 ? 0 : 100 + i,
    }));
    const reference = new SockDiagDecoder();
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat({ max: pool.length - 1 }), { maxLength: 40 }), { minLength: 1, maxLength: 6 }), (dumps) => {
        const decoder = new SockDiagDecoder();
        let previous = new Map<string, ProcNetRow>();
        for (const picks of dumps) {
          const list = picks.map((p) => pool[p]!);
          const rows = decoder.decode(records(list), list.length);
          // Expected: each distinct record once, in first-seen order, decoded as by a fresh decoder.
          const firsts = picks.filter((p, i) => picks.indexOf(p) === i).map((p) => pool[p]!);
          expect(rows.map(fields)).toEqual(reference.decode(records(firsts), firsts.length).map(fields));
          for (const r of rows) if (previous.has(r.key)) expect(r).toBe(previous.get(r.key));
          previous = new Map(rows.map((r) => [r.key, r]));
        }
      }),
    );
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
        expect(order(new SockDiagDecoder().decode(records(list), list.length))).toEqual(order(parseLike(list)));
      }),
    );
    expect(formatIPv6(v6('::ffff:1.2.3.4'))).toBe('::ffff:1.2.3.4');
  });
});

describe('SockDiag over the addon (a stand-in that plays the kernel)', () => {
  const tcpRec: Rec = { protocol: 6, family: 4, state: 10, localPort: 22, remotePort: 0, local: v4(0, 0, 0, 0), remote: v4(0, 0, 0, 0), uid: 0, inode: 1 };
  function fake(total: number, tcpStatus: number, udpStatus: number) {
    const calls: number[] = [];
    const addon: SockDiagAddon = {
      dump(out) {
        const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
        const room = Math.floor((buf.length - SOCK_DIAG_HEADER_SIZE) / SOCK_DIAG_RECORD_SIZE);
        const n = Math.min(room, total);
        for (let i = 0; i < n; i++) encodeSockDiagRecord(buf, i, { ...tcpRec, localPort: 1 + i, inode: 1 + i });
        buf.writeUInt32LE(n, 0);
        buf.writeUInt32LE(total, 4);
        buf.writeInt32LE(tcpStatus, 8);
        buf.writeInt32LE(udpStatus, 12);
        calls.push(room);
        return n;
      },
      close() {},
    };
    return { addon, calls };
  }

  it('says which protocol the kernel refused, so the caller reads only that one from /proc/net', () => {
    const { addon } = fake(3, 0, -2);
    const got = sockDiagFromAddon(addon).read();
    expect(got).toMatchObject({ tcp: true, udp: false, tcpStatus: 0, udpStatus: -2 });
    expect(got.rows).toHaveLength(3);
  });

  it('grows its buffer and dumps again rather than return a table with sockets missing', () => {
    const { addon, calls } = fake(5000, 0, 0);
    const diag = sockDiagFromAddon(addon);
    const got = diag.read();
    expect(got.rows).toHaveLength(5000);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toBeGreaterThanOrEqual(5000);
    diag.read();
    expect(calls).toHaveLength(3); // the bigger buffer is kept
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
}, 180_000);
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
  it('throws a JS Error, never crashes, on bad arguments; reopens its socket after close()', (ctx) => {
    ctx.skip(diag === null, `sock_diag addon unavailable: ${whyNot}`);
    const addon = createRequire(import.meta.url)(findSockDiagAddon()!) as SockDiagAddon & { dump(...args: unknown[]): number };
    expect(() => addon.dump()).toThrow(/must be a Uint8Array/);
    expect(() => addon.dump(123)).toThrow(/must be a Uint8Array/);
    expect(() => addon.dump(new Float64Array(8))).toThrow(/must be a Uint8Array/);
    expect(() => addon.dump(Buffer.alloc(8))).toThrow(/at least 16 bytes/);
    expect(() => addon.dump(Buffer.alloc(64), 'tcp')).toThrow(/what must be a number/);
    const header = Buffer.alloc(16);
    expect(addon.dump(header)).toBe(0); // no room: counts only
    expect(header.readUInt32LE(4)).toBeGreaterThan(0);
    addon.close();
    addon.close();
    const buf = Buffer.alloc(16 + 48 * 64);
    expect(addon.dump(buf, 1)).toBeGreaterThan(0);
    expect([buf.readInt32LE(8), buf.readInt32LE(12)]).toEqual([0, 1]); // UDP not asked
  });
});

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
    await new Promise((r) => setTimeout(r, 50));
    try {
      const inodes = socketInodes(holder.pid);
      const got = diag!.read();
      const proc = procRows();
      expect(got.tcp).toBe(true);
      expect(got.udp).toBe(true);
      const mine = byInode(got.rows, inodes);
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

      // Nothing changed: the same row objects come back.
      const again = diag!.read();
      const first = new Map(got.rows.filter((r) => inodes.has(r.inode)).map((r) => [r.inode, r]));
      for (const r of again.rows) if (inodes.has(r.inode)) expect(r).toBe(first.get(r.inode));
    } finally {
      client.destroy();
      await holder.exit();
    }
  });

  it('shows a closed connection in TIME_WAIT, with no inode, as /proc/net does', async (ctx) => {
    ctx.skip(diag === null, `sock_diag addon unavailable: ${whyNot}`);
    const holder = await startHolder([
      { name: 'l', kind: 'tcp-listen', host: '127.0.0.1' },
      { name: 'c', kind: 'tcp-connect', to: 'l' },
    ]);
    const { l, c } = holder.endpoints;
    // The client closes first, so its end (local port c) waits out TIME_WAIT.
    await holder.close('c');
    const isIt = (r: ProcNetRow) => r.protocol === 'tcp' && r.localPort === c!.port && r.remotePort === l!.port && r.state === 'TIME_WAIT';
    let tw: ProcNetRow | undefined;
    for (let i = 0; i < 100 && tw === undefined; i++) {
      tw = diag!.read().rows.find(isIt);
      if (tw === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    expect(tw).toBeDefined();
    expect(fields(tw!)).toMatchObject({ family: 4, localAddress: '127.0.0.1', remoteAddress: '127.0.0.1', listening: false, inode: 0, uid: 0 });
    expect(procRows().filter(isIt).map(fields)).toEqual([fields(tw!)]);
    await holder.exit();
  });
});
