// The NETLINK_SOCK_DIAG reader at scale: thousands of real sockets (more than its first buffer
// holds, and many netlink messages per dump) against /proc/net, and through churn.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
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
}, 120_000);

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

const mine = (rows: ProcNetRow[], inodes: Set<number>) =>
  rows
    .filter((r) => inodes.has(r.inode))
    .map(({ key: _key, ...rest }) => rest)
    .sort((a, b) => a.inode - b.inode);

describe('SockDiag with thousands of sockets', () => {
  it('dumps every socket of a farm exactly as /proc/net shows it', (ctx) => {
    ctx.skip(diag === null, `sock_diag addon unavailable: ${whyNot}`);
    // The farm's fds also hold Node's stdio pipes (UNIX sockets), which neither table lists.
    const inodes = socketInodes(farm!.child.pid!);
    const got = diag!.read();
    const fromNetlink = mine(got.rows, inodes);
    expect(fromNetlink).toHaveLength(SOCKETS + 1);
    expect(fromNetlink).toEqual(mine(procRows(), inodes));
    const keys = new Set(got.rows.map((r) => r.key));
    expect(keys.size).toBe(got.rows.length);
  });

  it('gives the same sockets with one AF_UNSPEC walk as with one dump per family', (ctx) => {
    ctx.skip(diag === null, `sock_diag addon unavailable: ${whyNot}`);
    const addon = createRequire(import.meta.url)(findSockDiagAddon()!) as { dump(out: Uint8Array, what?: number): number };
    const records = (what: number) => {
      const buf = Buffer.alloc(16 + 48 * 20_000);
      const n = addon.dump(buf, what);
      expect(buf.readUInt32LE(4)).toBe(n);
      expect(buf.readInt32LE(8)).toBe(0);
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push(buf.toString('hex', 16 + i * 48, 16 + (i + 1) * 48));
      return out;
    };
    const inodes = socketInodes(farm!.child.pid!);
    const farmOnly = (recs: string[]) => recs.filter((h) => inodes.has(Buffer.from(h, 'hex').readUInt32LE(44))).sort();
    const unspec = farmOnly(records(1));
    const perFamily = farmOnly(records(1 | 4));
    expect(unspec).toHaveLength(SOCKETS + 1);
    expect(unspec).toEqual(perFamily);
  });

  it('follows churn: closed sockets go, new ones come, unchanged rows are the same objects', async (ctx) => {
    ctx.skip(diag === null, `sock_diag addon unavailable: ${whyNot}`);
    const before = diag!.read().rows;
    const pid = farm!.child.pid!;
    const oldInodes = socketInodes(pid);
    expect(await farm!.send('churn 50')).toBe('ok');
    const inodes = socketInodes(pid);
    const after = diag!.read().rows;
    expect(mine(after, inodes)).toEqual(mine(procRows(), inodes));
    const gone = [...oldInodes].filter((i) => !inodes.has(i));
    const added = [...inodes].filter((i) => !oldInodes.has(i));
    expect(gone).toHaveLength(100);
    expect(added).toHaveLength(100);
    const afterInodes = new Set(after.map((r) => r.inode));
    for (const i of gone) expect(afterInodes.has(i)).toBe(false);
    const previous = new Map(before.map((r) => [r.key, r]));
    let reused = 0;
    for (const r of after) {
      if (!inodes.has(r.inode)) continue;
      if (previous.get(r.key) === r) reused++;
    }
    expect(reused).toBe(SOCKETS + 1 - 100);
  });
});
