// The attribution cache against a procfs laid out in a temp directory, where pid reuse and inode
// reuse can be staged exactly (on a live /proc they are races).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processStartedAt } from '../../../../src/core/process-control.js';
import { LinuxProcSource } from '../../../../src/core/sources/linux-proc.js';
import { ProcClock } from '../../../../src/core/sources/proc-process.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const listenLine = (port: number, inode: number) =>
  `   0: 0100007F:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;

let root: string;

function writeTables(lines: string[]): void {
  writeFileSync(join(root, 'net/tcp'), HEADER + lines.join(''));
}

function addProcess(pid: number, comm: string, startTicks: number, fds: Record<string, number>): void {
  const dir = join(root, String(pid));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'fd'), { recursive: true });
  writeFileSync(join(dir, 'stat'), `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${startTicks} 0 0\n`);
  writeFileSync(join(dir, 'cmdline'), `${comm}\0--serve\0`);
  symlinkSync('/usr/bin/true', join(dir, 'exe'));
  for (const [fd, inode] of Object.entries(fds)) symlinkSync(inode === 0 ? '/dev/null' : `socket:[${inode}]`, join(dir, 'fd', fd));
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'portwatch-proc-'));
  mkdirSync(join(root, 'net'));
  writeFileSync(join(root, 'stat'), 'cpu 0 0 0 0\nbtime 1700000000\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('LinuxProcSource attribution cache', () => {
  it('credits a socket by its fd link and reads the owner details', () => {
    addProcess(100, 'web server', 500, { '0': 0, '3': 42 });
    writeTables([listenLine(8080, 42)]);
    const source = new LinuxProcSource({ procRoot: root });
    const [s] = source.sampleSync().sockets;
    expect(s).toMatchObject({ pid: 100, localPort: 8080, listening: true });
    expect(s!.process).toMatchObject({ pid: 100, name: 'web server', ppid: 1, cmdline: 'web server --serve', exe: '/usr/bin/true' });
    expect(s!.process!.startedAt).toBe(1700000000_000 + 5000);
  });

  it('a wall-clock step does not make one process two: what it shows and what it checks agree', () => {
    addProcess(100, 'web server', 500, { '3': 42 });
    writeTables([listenLine(8080, 42)]);
    const shown = new LinuxProcSource({ procRoot: root }).sampleSync().sockets[0]!.process!.startedAt;
    // The clock is corrected by 3 s: the kernel's btime, computed from it, moves with it.
    writeFileSync(join(root, 'stat'), 'cpu 0 0 0 0\nbtime 1700000003\n');
    // The identity check before a signal, and a source made later, read the same process the same way.
    expect(processStartedAt(100, root)).toBe(shown);
    expect(new LinuxProcSource({ procRoot: root }).sampleSync().sockets[0]!.process!.startedAt).toBe(shown);
  });

  it('a reused pid is a new process: the socket is looked up again and the new details are read', () => {
    addProcess(100, 'old', 500, { '3': 42 });
    writeTables([listenLine(8080, 42)]);
    const source = new LinuxProcSource({ procRoot: root });
    expect(source.sampleSync().sockets[0]!.process?.name).toBe('old');

    // pid 100 exits; its inherited socket now lives in 200, and an unrelated process gets pid 100.
    addProcess(100, 'impostor', 900, { '3': 0 });
    addProcess(200, 'heir', 600, { '7': 42 });
    const s = source.sampleSync().sockets[0]!;
    expect(s.pid).toBe(200);
    expect(s.process?.name).toBe('heir');
    expect(source.lastStats.lookups).toBe(1);
  });

  it('an inode number handed out again after its socket closed is looked up afresh', () => {
    addProcess(100, 'first', 500, { '3': 42 });
    writeTables([listenLine(8080, 42)]);
    const source = new LinuxProcSource({ procRoot: root });
    expect(source.sampleSync().sockets[0]!.pid).toBe(100);

    writeTables([]);
    unlinkSync(join(root, '100/fd/3'));
    expect(source.sampleSync().sockets).toHaveLength(0);

    addProcess(300, 'second', 700, { '4': 42 });
    writeTables([listenLine(9090, 42)]);
    const s = source.sampleSync().sockets[0]!;
    expect(s).toMatchObject({ pid: 300, localPort: 9090 });
    expect(s.process?.name).toBe('second');
  });

  it('finds a socket on an fd number that used to be a file (a whole-table pass, the poll after it was missed), and skips work when nothing changed', () => {
    addProcess(100, 'srv', 500, { '3': 42, '4': 0 });
    writeTables([listenLine(8080, 42)]);
    const source = new LinuxProcSource({ procRoot: root });
    source.sampleSync();
    source.sampleSync();
    expect(source.lastStats).toMatchObject({ lookups: 0, fdLinksRead: 0, fdDirsListed: 0 });

    // fd 4 was /dev/null; it is closed and the number reused for a new socket.
    unlinkSync(join(root, '100/fd/4'));
    symlinkSync('socket:[43]', join(root, '100/fd/4'));
    writeTables([listenLine(8080, 42), listenLine(8081, 43)]);
    // The quick pass reads only fds it has not seen: fd 4 was a file. A socket missed once and still
    // open gets the whole-table pass in the next poll (most missed ones have closed by then).
    expect(source.sampleSync().sockets.find((s) => s.localPort === 8081)?.pid).toBeNull();
    const sockets = source.sampleSync().sockets;
    expect(sockets.find((s) => s.localPort === 8081)?.pid).toBe(100);
  });

  it('a process that has just started and puts its first socket on a number it had for a file is credited at once', () => {
    // Booted 100 s ago; one process starts 1 s ago (a runtime loading its modules opens and closes files).
    writeFileSync(join(root, 'stat'), `cpu 0 0 0 0\nbtime ${Math.floor(Date.now() / 1000) - 100}\n`);
    writeTables([]);
    const source = new LinuxProcSource({ procRoot: root });
    source.sampleSync();
    const hz = new ProcClock(root).ticksPerSecond;
    addProcess(200, 'node', 99 * hz, { '3': 0, '4': 0 });
    // Another process first noticed now, but running for long: not read again (its sockets wait for the whole-table pass).
    addProcess(300, 'old', 500, { '3': 0, '4': 0 });
    source.sampleSync();
    for (const [pid, inode] of [[200, 50], [300, 60]] as const) {
      unlinkSync(join(root, `${pid}/fd/4`));
      symlinkSync(`socket:[${inode}]`, join(root, `${pid}/fd/4`));
    }
    writeTables([listenLine(9000, 50), listenLine(9001, 60)]);
    const sockets = source.sampleSync().sockets;
    expect(sockets.find((s) => s.localPort === 9000)?.pid).toBe(200);
    expect(sockets.find((s) => s.localPort === 9001)?.pid).toBeNull();
  });

  it('leaves a socket nobody holds unattributed, retries once, then stops looking', () => {
    addProcess(100, 'srv', 500, { '3': 42 });
    writeTables([listenLine(8080, 42), listenLine(8081, 77)]);
    const source = new LinuxProcSource({ procRoot: root });
    const first = source.sampleSync();
    expect(first.sockets.find((s) => s.localPort === 8081)?.pid).toBeNull();
    expect(first.warnings.unattributed).toBe(1);
    source.sampleSync();
    expect(source.lastStats.lookups).toBe(1);
    source.sampleSync();
    expect(source.lastStats.lookups).toBe(0);
  });

  it('reads a process again when it gets a new socket (an exec keeps pid and start time but changes the program)', () => {
    addProcess(100, 'sh', 500, { '3': 42 });
    writeTables([listenLine(8080, 42)]);
    const source = new LinuxProcSource({ procRoot: root });
    const first = source.sampleSync().sockets[0]!;
    expect(first.process?.name).toBe('sh');
    // Nothing new: the very same objects come back.
    expect(source.sampleSync().sockets[0]).toBe(first);

    addProcess(100, 'node', 500, { '3': 42, '4': 43 });
    writeTables([listenLine(8080, 42), listenLine(8081, 43)]);
    const sockets = source.sampleSync().sockets;
    expect(sockets.map((s) => s.process?.name)).toEqual(['node', 'node']);
  });

  it('sees an exec under a socket it already knows within a poll: same pid and start time, new program, the socket changed', async () => {
    addProcess(100, 'trusted', 500, { '3': 42 });
    writeTables([listenLine(8080, 42)]);
    const source = new LinuxProcSource({ procRoot: root });
    expect((await source.poll()).added.map((s) => s.process?.name)).toEqual(['trusted']);
    expect(await source.poll()).toMatchObject({ added: [], changed: [], removed: [] });

    // exec: comm and the exe link change, the fd and the start time stay.
    writeFileSync(join(root, '100/stat'), '100 (dropper) S 1 100 100 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 500 0 0\n');
    unlinkSync(join(root, '100/exe'));
    symlinkSync('/tmp/dropper', join(root, '100/exe'));
    const after = await source.poll();
    expect(after.changed).toHaveLength(1);
    expect(after.changed[0]).toMatchObject({ pid: 100, process: { name: 'dropper', exe: '/tmp/dropper', startedAt: 1700000000_000 + 5000 } });
  });

  it('shows every process holding a socket, the lowest pid first, and drops one that no longer holds it after an exec', async () => {
    addProcess(300, 'worker', 600, { '3': 42 });
    addProcess(200, 'master', 500, { '5': 42 });
    writeTables([listenLine(8080, 42)]);
    const source = new LinuxProcSource({ procRoot: root });
    const [s] = (await source.poll()).added;
    expect(s).toMatchObject({ pid: 200, process: { name: 'master' } });
    expect(s!.otherHolders.map((p) => [p.pid, p.name])).toEqual([[300, 'worker']]);

    // 300 was caught between fork and exec: after the exec its copy is gone (close-on-exec).
    addProcess(300, 'helper', 600, { '0': 0 });
    const after = await source.poll();
    expect(after.changed).toHaveLength(1);
    expect(after.changed[0]).toMatchObject({ pid: 200, otherHolders: [] });
  });

  it('without the netlink reader: no per-connection counters (null, and a note saying why), interface totals from net/dev', async () => {
    addProcess(100, 'srv', 500, { '3': 42 });
    writeTables([listenLine(8080, 42)]);
    writeFileSync(join(root, 'net/dev'), 'Inter-| Receive | Transmit\n face |bytes packets|bytes packets\n  eth0: 1000 1 0 0 0 0 0 0 2000 2 0 0 0 0 0 0\n');
    const source = new LinuxProcSource({ procRoot: root });
    const changes = await source.poll();
    expect(changes.added[0]).toMatchObject({ bytesSent: null, bytesReceived: null, rttMs: null });
    expect(changes.traffic!.availability).toMatchObject({ connections: false, closedConnections: false, interfaces: true });
    expect(changes.traffic!.availability.notes[0]).toMatch(/^Per-connection traffic needs the sock_diag addon/);
    expect(changes.traffic!.interfaces).toEqual([{ name: 'eth0', bytesReceived: 1000, bytesSent: 2000 }]);
    // Turned off (a monitor nobody asked for traffic): no traffic sample at all.
    source.measureTraffic(false);
    expect((await source.poll()).traffic).toBeNull();
  });

  it('a process that vanishes mid-read leaves its sockets unattributed and the poll succeeds', () => {
    addProcess(100, 'brief', 500, { '3': 42 });
    rmSync(join(root, '100/stat'));
    writeTables([listenLine(8080, 42)]);
    const sample = new LinuxProcSource({ procRoot: root }).sampleSync();
    expect(sample.sockets[0]).toMatchObject({ pid: null, process: null });
  });
});
