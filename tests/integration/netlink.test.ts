// The NETLINK_SOCK_DIAG reader at scale: thousands of real sockets (more than its first buffer
// holds, and many netlink messages per dump) against /proc/net, and through churn.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSockDiagAddon, loadSockDiag, type SockDiag } from '../../src/core/sources/netlink.js';
import { parseProcNet, type ProcNetRow } from '../../src/core/sources/proc-net.js';

const BUILD = fileURLToPath(new URL('../../scripts/build-native.js', import.meta.url));
const FARM = fileURLToPath(new URL('../../bench/socket-farm.mjs', import.meta.url));
const SOCKETS = 3000;

let diag: SockDiag | null = null;
let whyNot = '';
let farm: { child: ChildProcess; send(line: string): Promise<string> } | null = null;

beforeAll(async () => {
  if (process.platform !== 'linux') {
    whyNot = 'NETLINK_SOCK_DIAG is Linux only';
    return;
  }
  if (findSockDiagAddon() === null) execFileSync(process.execPath, [BUILD], { stdio: 'inherit' });
  diag = loadSockDiag({ onError: (reason) => (whyNot = reason) });
  if (diag === null) return;
  const child = spawn('sh', ['-c', `ulimit -n ${SOCKETS + 1000} 2>/dev/null; exec "$0" "$@"`, process.execPath, FARM, String(SOCKETS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => String((await lines.next()).value);
  expect(await next()).toMatch(/^ready \d+$/);
  farm = {
    child,
    async send(line) {
      child.stdin!.write(line + '\n');
      return next();
    },
  };
}, 300_000); // a hang, not a slow machine

afterAll(() => {
  diag?.close();
  farm?.child.kill('SIGKILL');
});

function procRows(): ProcNetRow[] {
  const rows: ProcNetRow[] = [];
  for (const [file, protocol, family] of [
    ['tcp', 'tcp', 4],
    ['tcp6', 'tcp', 6],
    ['udp', 'udp', 4],
    ['udp6', 'udp', 6],
  ] as const) {
    rows.push(...parseProcNet(readFileSync(`/proc/net/${file}`, 'latin1'), protocol, family).rows);
  }
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

/** The rows of those inodes as /proc/net has them (no key, no counters), by inode. */
const mine = (rows: ProcNetRow[], inodes: Set<number>) =>
  rows
    .filter((r) => inodes.has(r.inode))
    .map((r) => ({ protocol: r.protocol, family: r.family, localAddress: r.localAddress, localPort: r.localPort, remoteAddress: r.remoteAddress, remotePort: r.remotePort, state: r.state, listening: r.listening, uid: r.uid, inode: r.inode }))
    .sort((a, b) => a.inode - b.inode);

describe('SockDiag with thousands of sockets', () => {
  it('dumps every socket of a farm exactly as /proc/net shows it', (ctx) => {
    ctx.skip(diag === null, `sock_diag addon unavailable: ${whyNot}`);
    // The farm's fds also hold Node's stdio pipes (UNIX sockets), which neither table lists.
    const inodes = socketInodes(farm!.child.pid!);
    const got = diag!.poll({ full: true });
    const fromNetlink = mine(got.added, inodes);
    expect(fromNetlink).toHaveLength(SOCKETS + 1);
    expect(fromNetlink).toEqual(mine(procRows(), inodes));
    const keys = new Set(got.added.map((r) => r.key));
    expect(keys.size).toBe(got.added.length);
    expect(got.count).toBe(got.added.length);
  });

  it('gives the same sockets with one AF_UNSPEC walk as with one dump per family', (ctx) => {
    ctx.skip(diag === null, `sock_diag addon unavailable: ${whyNot}`);
    const inodes = socketInodes(farm!.child.pid!);
    const perFamily = loadSockDiag()!;
    try {
      const unspec = mine(diag!.poll({ full: true, udp: false }).added, inodes);
      const split = mine(perFamily.poll({ full: true, udp: false, perFamily: true }).added, inodes);
      expect(unspec).toHaveLength(SOCKETS + 1);
      expect(unspec).toEqual(split);
    } finally {
      perFamily.close();
    }
  });

  it('follows churn with work in proportion to it: a quiet poll hands over nothing, churn exactly what came and went', async (ctx) => {
    ctx.skip(diag === null, `sock_diag addon unavailable: ${whyNot}`);
    const pid = farm!.child.pid!;
    const before = diag!.poll({ full: true, traffic: true });
    const cookieOf = new Map(before.added.map((r) => [r.inode, r.key]));
    const oldInodes = socketInodes(pid);
    const quiet = diag!.poll({ traffic: true });
    // Other tests' sockets may come and go meanwhile; none of the farm's moved.
    const farmCookies = new Set([...oldInodes].map((i) => cookieOf.get(i)).filter((k) => k !== undefined));
    expect(farmCookies.size).toBe(SOCKETS + 1);
    expect([...quiet.added, ...quiet.changed].filter((r) => oldInodes.has(r.inode))).toEqual([]);
    expect(quiet.removed.filter((k) => farmCookies.has(k))).toEqual([]);
    expect(quiet.moved.filter((m) => farmCookies.has(m.key))).toEqual([]);

    expect(await farm!.send('churn 50')).toBe('ok');
    const inodes = socketInodes(pid);
    const after = diag!.poll({ traffic: true });
    const gone = [...oldInodes].filter((i) => !inodes.has(i));
    const added = [...inodes].filter((i) => !oldInodes.has(i));
    expect(gone).toHaveLength(100);
    expect(added).toHaveLength(100);
    // A closed farm connection is gone or, for the end that closed first, changed to TIME_WAIT.
    const goneCookies = new Set(gone.map((i) => cookieOf.get(i)!));
    const left = new Set([...after.removed.filter((k) => goneCookies.has(k)), ...after.changed.filter((r) => goneCookies.has(r.key) && r.state === 'TIME_WAIT').map((r) => r.key)]);
    expect(left.size).toBe(100);
    expect(mine(after.added, new Set(added))).toEqual(mine(procRows(), new Set(added)));
    expect(after.changed.filter((r) => !goneCookies.has(r.key) && farmCookies.has(r.key))).toEqual([]);
  });
});

describe('SockDiag compares each dump with the previous one in the kernel’s order', () => {
  it('keeps a table equal to a fresh full dump through small and large churn', async (ctx) => {
    ctx.skip(diag === null, `sock_diag addon unavailable: ${whyNot}`);
    const fresh = loadSockDiag();
    ctx.skip(fresh === null, 'a second reader could not be opened');
    try {
      const pid = farm!.child.pid!;
      const table = new Map<number, ProcNetRow>();
      const apply = (p: ReturnType<SockDiag['poll']>) => {
        for (const k of p.removed) table.delete(k);
        for (const r of [...p.changed, ...p.added]) table.set(r.key, r);
      };
      apply(diag!.poll({ full: true }));
      const inodes = socketInodes(pid);
      const port = [...table.values()].find((r) => r.listening && r.protocol === 'tcp' && inodes.has(r.inode))!.localPort;
      // The farm's connections, both ends and their TIME_WAIT successors: no other test uses its port.
      const farmRows = (rows: Iterable<ProcNetRow & { key: number }>) =>
        [...rows]
          .filter((r) => r.protocol === 'tcp' && (r.localPort === port || r.remotePort === port))
          .map(({ key, protocol, family, localAddress, localPort, remoteAddress, remotePort, state, uid, inode }) => ({ key, protocol, family, localAddress, localPort, remoteAddress, remotePort, state, uid, inode }))
          .sort((a, b) => a.key - b.key);
      // 1,000 connections closed at once leave gaps in the walk longer than the reader looks ahead.
      for (const churn of [3, 40, 500, 1]) {
        expect(await farm!.send(`churn ${churn}`)).toBe('ok');
        apply(diag!.poll());
        const expected = farmRows(fresh!.poll({ full: true }).added);
        const got = farmRows(table.values() as Iterable<ProcNetRow & { key: number }>);
        // The two dumps are moments apart: a TIME_WAIT may end, or a FIN arrive, in between.
        const settled = (rows: typeof got) => rows.filter((r) => r.state === 'ESTABLISHED' || r.state === 'LISTEN');
        expect(settled(got)).toEqual(settled(expected));
        expect(got.length).toBeGreaterThanOrEqual(SOCKETS - 1);
      }
    } finally {
      fresh?.close();
    }
  });
});
