import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  normaliseConnections,
  normaliseNetworkStats,
  parseStarted,
  SystemInformationSource,
  type SiConnection,
  type SiProcess,
} from '../../../../src/core/sources/systeminformation.js';
import { socketId, TCP_STATES, type Socket } from '../../../../src/shared/model.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/systeminformation');
const TAKEN_AT = 1_717_400_000_000;

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as T;
}

/** The one socket with this local endpoint (and remote, when given); fails loudly otherwise. */
function one(sockets: Socket[], proto: string, local: string, remote: string | null = null): Socket {
  const found = sockets.filter(
    (s) =>
      `${s.protocol}${s.family}` === proto &&
      `${s.localAddress}|${s.localPort}` === local &&
      (remote === null ? s.remoteAddress === null : `${s.remoteAddress}|${s.remotePort}` === remote),
  );
  expect(found, `${proto} ${local} > ${remote ?? '*'}`).toHaveLength(1);
  return found[0]!;
}

function expectIdsUnique(sockets: Socket[]): void {
  expect(new Set(sockets.map((s) => s.id)).size).toBe(sockets.length);
}

interface SiRun {
  connections: SiConnection[];
  processes: SiProcess[];
  commands: string[];
}

/** Runs the real systeminformation in a child process that claims another OS, against recorded output. */
async function runSi(recording: string): Promise<SiRun> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(FIXTURES, 'run-si.mjs'), path.join(FIXTURES, recording)],
    { timeout: 100_000 }, // a hang, not a slow machine
  );
  return JSON.parse(stdout) as SiRun;
}

describe('normaliseConnections on what systeminformation returns on macOS', () => {
  const conns = fixture<SiConnection[]>('macos-networkConnections.json');
  const procs = fixture<SiProcess[]>('macos-processes.json');
  const { sockets, skipped } = normaliseConnections(conns, procs, TAKEN_AT);

  it('keeps every row, UDP rows without a state included', () => {
    expect(skipped).toBe(0);
    expect(sockets).toHaveLength(conns.length);
    expect(conns.filter((c) => c.protocol?.startsWith('udp')).every((c) => c.state === 'UNKNOWN')).toBe(true);
    expect(sockets.filter((s) => s.protocol === 'udp')).toHaveLength(7);
    expectIdsUnique(sockets);
  });

  it('reads wildcard listeners by family, tcp46 as IPv6', () => {
    expect(one(sockets, 'tcp4', '0.0.0.0|22')).toMatchObject({ state: 'LISTEN', listening: true, remotePort: null, pid: 1 });
    expect(one(sockets, 'tcp6', '::|22')).toMatchObject({ state: 'LISTEN', listening: true, pid: 1 });
    expect(one(sockets, 'tcp6', '::|5000')).toMatchObject({ state: 'LISTEN', pid: 523 });
    expect(one(sockets, 'tcp6', '::1|5432')).toMatchObject({ state: 'LISTEN', pid: 802 });
    expect(one(sockets, 'tcp6', 'fe80::1%lo0|8021')).toMatchObject({ state: 'LISTEN', pid: 41235 });
  });

  it('maps every TCP state macOS prints to the kernel names', () => {
    expect(one(sockets, 'tcp4', '192.168.1.23|54012', '140.82.113.25|443').state).toBe('ESTABLISHED');
    expect(one(sockets, 'tcp6', '2001:db8:5:0:a1b2:c3d4:e5f6:1|54130', '2606:4700::6810:84e5|443').state).toBe('ESTABLISHED');
    expect(one(sockets, 'tcp4', '192.168.1.23|54100', '10.0.0.5|22').state).toBe('SYN_SENT');
    expect(one(sockets, 'tcp4', '192.168.1.23|54090', '151.101.1.69|443').state).toBe('FIN_WAIT1');
    expect(one(sockets, 'tcp4', '192.168.1.23|54088', '151.101.1.69|443').state).toBe('FIN_WAIT2');
    expect(one(sockets, 'tcp4', '192.168.1.23|54050', '192.168.1.40|8009').state).toBe('CLOSING');
    expect(one(sockets, 'tcp4', '127.0.0.1|54060', '127.0.0.1|5432').state).toBe('CLOSE_WAIT');
    expect(one(sockets, 'tcp4', '127.0.0.1|5432', '127.0.0.1|54060').state).toBe('LAST_ACK');
    expect(one(sockets, 'tcp4', '192.168.1.23|54080', '17.253.144.10|80').state).toBe('TIME_WAIT');
    // CLOSED on an unbound socket ("*.*"), which si reports as 'UNKNOWN' with port '*'.
    expect(one(sockets, 'tcp4', '0.0.0.0|0')).toMatchObject({ state: 'CLOSE', listening: false, pid: 1408 });
    // SYN_RCVD also arrives as 'UNKNOWN': the socket is kept, its state cannot be told from CLOSED.
    expect(one(sockets, 'tcp4', '127.0.0.1|8021', '127.0.0.1|54101')).toMatchObject({ state: 'CLOSE', pid: 41235 });
    for (const s of sockets) expect([...TCP_STATES, 'UNCONN']).toContain(s.state);
  });

  it('reads UDP from its peer: unconnected is UNCONN and listening, connected is ESTABLISHED', () => {
    expect(one(sockets, 'udp4', '0.0.0.0|49185')).toMatchObject({ state: 'UNCONN', listening: true });
    expect(one(sockets, 'udp6', '::|5353')).toMatchObject({ state: 'UNCONN', listening: true, pid: 398 });
    expect(one(sockets, 'udp6', '::|63418')).toMatchObject({ state: 'UNCONN', pid: 645 });
    expect(one(sockets, 'udp6', 'fe80::aede:48ff:fe00:1122%en5|49153')).toMatchObject({ state: 'UNCONN', pid: 645 });
    expect(one(sockets, 'udp4', '192.168.1.23|58231', '142.250.74.110|443')).toMatchObject({
      state: 'ESTABLISHED',
      listening: false,
      pid: 1408,
    });
  });

  it('tells apart two processes bound to the same UDP port', () => {
    const mdns = sockets.filter((s) => s.protocol === 'udp' && s.family === 4 && s.localPort === 5353);
    expect(mdns.map((s) => s.pid)).toEqual([398, 1408]);
    expect(new Set(mdns.map((s) => s.id)).size).toBe(2);
  });

  it('joins the owning process, and keeps a pid whose process is gone', () => {
    const chrome = one(sockets, 'tcp4', '192.168.1.23|54012', '140.82.113.25|443').process;
    const helper =
      '/Applications/Google Chrome.app/Contents/Frameworks/Google Chrome Framework.framework/Versions/126.0.6478.127/Helpers/Google Chrome Helper.app/Contents/MacOS/Google Chrome Helper';
    expect(chrome).toEqual({
      pid: 1408,
      name: 'Google Chrome Helper',
      exe: helper,
      cmdline: `${helper} --type=utility --utility-sub-type=network.mojom.NetworkService`,
      user: 'alice',
      uid: null,
      ppid: 1370,
      startedAt: parseStarted(procs.find((p) => p.pid === 1408)!.started),
    });
    expect(chrome!.startedAt).toEqual(expect.any(Number));
    expect(one(sockets, 'tcp4', '0.0.0.0|22').process).toMatchObject({ name: 'launchd', exe: '/sbin/launchd', ppid: 0, user: 'root' });
    expect(one(sockets, 'tcp4', '192.168.1.23|54100', '10.0.0.5|22').process).toMatchObject({
      name: 'ssh',
      exe: null,
      cmdline: 'ssh -p 22 alice@10.0.0.5',
    });
    expect(one(sockets, 'tcp4', '192.168.1.23|54080', '17.253.144.10|80')).toMatchObject({ pid: 611, process: null });
    expect(one(sockets, 'udp4', '0.0.0.0|49185')).toMatchObject({ pid: 99001, process: null });
  });

  it('fills id, inode and firstSeen', () => {
    for (const s of sockets) {
      expect(s.inode).toBeNull();
      expect(s.firstSeen).toBe(TAKEN_AT);
      expect(s.id.startsWith(socketId(s))).toBe(true);
    }
  });
});

describe('normaliseConnections on the older macOS netstat layout (pid and epid columns)', () => {
  const conns = fixture<SiConnection[]>('macos-pid-epid-networkConnections.json');
  const procs = fixture<SiProcess[]>('macos-processes.json');
  const { sockets, skipped } = normaliseConnections(conns, procs, TAKEN_AT);

  it('drops the pid si read from the send-buffer column of CLOSED / SYN_RCVD rows', () => {
    expect(conns.filter((c) => c.state === 'UNKNOWN' && c.protocol === 'tcp4').map((c) => c.pid)).toEqual([131072, 131072]);
    expect(skipped).toBe(0);
    expect(sockets).toHaveLength(conns.length);
    expect(one(sockets, 'tcp4', '127.0.0.1|8021', '127.0.0.1|54101')).toMatchObject({ state: 'CLOSE', pid: null, process: null });
    expect(one(sockets, 'tcp4', '0.0.0.0|0')).toMatchObject({ state: 'CLOSE', pid: null, process: null });
  });

  it('keeps the pids of the other rows, UDP included, and reads pid 0 as unknown', () => {
    expect(one(sockets, 'tcp4', '127.0.0.1|8021').pid).toBe(41235);
    expect(one(sockets, 'udp4', '0.0.0.0|5353')).toMatchObject({ state: 'UNCONN', pid: 398 });
    expect(one(sockets, 'udp4', '192.168.1.23|58231', '142.250.74.110|443')).toMatchObject({ state: 'ESTABLISHED', pid: 1408 });
    expect(one(sockets, 'tcp4', '192.168.1.23|54080', '17.253.144.10|80')).toMatchObject({ state: 'TIME_WAIT', pid: null, process: null });
  });
});

describe('normaliseConnections on what systeminformation returns on Windows', () => {
  const conns = fixture<SiConnection[]>('windows-networkConnections.json');
  const procs = fixture<SiProcess[]>('windows-processes.json');
  const { sockets, skipped } = normaliseConnections(conns, procs, TAKEN_AT);

  it('keeps every socket row and passes over the column header si turns into a row', () => {
    expect(conns[0]).toMatchObject({ protocol: 'proto', localAddress: 'Local' });
    expect(skipped).toBe(0);
    expect(sockets).toHaveLength(conns.length - 1);
    expectIdsUnique(sockets);
  });

  it('reads 0.0.0.0:0 and [::]:0 peers as no peer, LISTENING as LISTEN', () => {
    expect(one(sockets, 'tcp4', '0.0.0.0|135')).toMatchObject({ state: 'LISTEN', listening: true, remoteAddress: null, remotePort: null });
    expect(one(sockets, 'tcp6', '::|135')).toMatchObject({ state: 'LISTEN', listening: true, pid: 1044 });
    expect(one(sockets, 'tcp6', '::1|3000')).toMatchObject({ state: 'LISTEN', pid: 15220 });
  });

  it('maps every TCP state Windows prints', () => {
    const state = (local: string, remote: string) => one(sockets, 'tcp4', local, remote).state;
    expect(state('127.0.0.1|3000', '127.0.0.1|52311')).toBe('ESTABLISHED');
    expect(state('192.168.1.50|3389', '192.168.1.77|50123')).toBe('SYN_RECV');
    expect(state('192.168.1.50|52401', '140.82.113.25|443')).toBe('SYN_SENT');
    expect(state('192.168.1.50|52402', '52.113.194.132|443')).toBe('FIN_WAIT1');
    expect(state('192.168.1.50|52403', '52.113.194.132|443')).toBe('FIN_WAIT2');
    expect(state('192.168.1.50|52404', '13.107.42.14|443')).toBe('CLOSE_WAIT');
    expect(state('192.168.1.50|52405', '13.107.42.14|443')).toBe('LAST_ACK');
    expect(state('192.168.1.50|52406', '13.107.42.14|443')).toBe('CLOSING');
    expect(state('192.168.1.50|52380', '20.42.65.92|443')).toBe('TIME_WAIT');
    expect(state('192.168.1.50|52407', '192.168.1.1|80')).toBe('CLOSE');
    expect(one(sockets, 'tcp6', 'fe80::1c2d:3e4f:5a6b:7c8d%12|52420', 'fe80::9a0b:1c2d:3e4f:5a6b%12|445').state).toBe('ESTABLISHED');
    expect(one(sockets, 'tcp6', '2001:db8:5::50|52410', '2606:4700::6810:84e5|443').pid).toBe(9876);
  });

  it('keeps UDP rows that come with an empty state', () => {
    expect(conns.filter((c) => c.protocol === 'udp').every((c) => c.state === '')).toBe(true);
    const udp = sockets.filter((s) => s.protocol === 'udp');
    expect(udp).toHaveLength(conns.filter((c) => c.protocol === 'udp').length);
    expect(udp.every((s) => s.state === 'UNCONN' && s.listening && s.remoteAddress === null)).toBe(true);
    expect(one(sockets, 'udp6', '::|5353').pid).toBe(2140);
    expect(one(sockets, 'udp6', 'fe80::1c2d:3e4f:5a6b:7c8d%12|1900').pid).toBe(7000);
    expect(sockets.filter((s) => s.protocol === 'udp' && s.family === 4 && s.localPort === 5353).map((s) => s.pid)).toEqual([2140, 9876]);
  });

  it('joins processes: the executable path as is, the command line whole', () => {
    expect(one(sockets, 'tcp4', '127.0.0.1|3000').process).toEqual({
      pid: 15220,
      name: 'node.exe',
      exe: 'C:\\Program Files\\nodejs\\node.exe',
      cmdline: '"C:\\Program Files\\nodejs\\node.exe" server.js',
      user: null,
      uid: null,
      ppid: 14100,
      startedAt: new Date(2024, 5, 4, 10, 30, 5).getTime(),
    });
    expect(one(sockets, 'tcp4', '0.0.0.0|445').process).toMatchObject({ pid: 4, name: 'System', exe: null, cmdline: 'System' });
    expect(one(sockets, 'tcp4', '192.168.1.50|52380', '20.42.65.92|443')).toMatchObject({ pid: null, process: null });
    expect(one(sockets, 'udp4', '0.0.0.0|61001')).toMatchObject({ pid: 31337, process: null });
  });
});

describe('normaliseConnections on odd rows', () => {
  const row = (r: SiConnection): SiConnection => ({
    protocol: 'tcp',
    localAddress: '127.0.0.1',
    localPort: '8080',
    peerAddress: '*',
    peerPort: '*',
    state: 'LISTEN',
    pid: null,
    process: '',
    ...r,
  });
  const normalise = (...rows: SiConnection[]) => normaliseConnections(rows, [], TAKEN_AT);

  it('writes IPv6 in RFC 5952 form, IPv4-mapped as ::ffff:a.b.c.d, zones lower-case', () => {
    const { sockets } = normalise(
      row({ protocol: 'tcp6', localAddress: '0:0:0:0:0:FFFF:C0A8:0117', localPort: '443', peerAddress: '::ffff:10.0.0.9', peerPort: '50000', state: 'ESTABLISHED' }),
      row({ protocol: 'tcp6', localAddress: '2001:0DB8:0000:0000:0000:0000:0000:0001', localPort: '80' }),
      row({ protocol: 'udp6', localAddress: 'FE80:0:0:0:0:0:0:1%LO0', localPort: '123', state: '' }),
      row({ protocol: 'tcp', localAddress: '[::ffff:127.0.0.1]', localPort: '9000' }),
    );
    expect(sockets.map((s) => [s.family, s.localAddress, s.remoteAddress])).toEqual([
      [6, '::ffff:192.168.1.23', '::ffff:10.0.0.9'],
      [6, '2001:db8::1', null],
      [6, 'fe80::1%lo0', null],
      [6, '::ffff:127.0.0.1', null],
    ]);
  });

  it('decides the family from the address text first, then the protocol suffix', () => {
    const { sockets } = normalise(
      row({ protocol: 'tcp4', localAddress: '::1' }),
      row({ protocol: 'tcp', localAddress: '*', localPort: '22' }),
      row({ protocol: 'udp4', localAddress: '*', localPort: '5353', state: 'UNKNOWN' }),
      row({ protocol: 'tcp46', localAddress: '*', localPort: '5000' }),
      row({ protocol: 'udp', localAddress: '0.0.0.0', localPort: '500', state: '' }),
    );
    expect(sockets.map((s) => `${s.protocol}${s.family} ${s.localAddress}`)).toEqual([
      'tcp6 ::1',
      'tcp6 ::',
      'udp4 0.0.0.0',
      'tcp6 ::',
      'udp4 0.0.0.0',
    ]);
  });

  it('accepts numeric ports and the spellings ss and netstat use for states', () => {
    const { sockets, skipped } = normalise(
      row({ localPort: 8080, peerAddress: '10.0.0.1', peerPort: 443, state: 'ESTAB' }),
      row({ localPort: '8081', peerAddress: '10.0.0.1', peerPort: '443', state: 'SYN-RECV' }),
      row({ localPort: '8082', peerAddress: '10.0.0.1', peerPort: '443', state: 'time_wait' }),
      row({ localPort: '8083', peerAddress: '10.0.0.1', peerPort: '443', state: 'FIN-WAIT-1' }),
      row({ protocol: 'udp', localPort: '5353', peerAddress: '0.0.0.0', peerPort: '*', state: 'UNCONN' }),
      row({ protocol: 'udp', localPort: '5354', peerAddress: '*', peerPort: '*', state: 'ESTABLISHED' }),
      row({ protocol: 'udp', localPort: '5355', peerAddress: '8.8.8.8', peerPort: '53', state: '' }),
    );
    expect(skipped).toBe(0);
    expect(sockets.map((s) => [s.localPort, s.remotePort, s.state, s.listening])).toEqual([
      [8080, 443, 'ESTABLISHED', false],
      [8081, 443, 'SYN_RECV', false],
      [8082, 443, 'TIME_WAIT', false],
      [8083, 443, 'FIN_WAIT1', false],
      [5353, null, 'UNCONN', true],
      [5354, null, 'UNCONN', true],
      [5355, 53, 'ESTABLISHED', false],
    ]);
  });

  it('reads 0, null, NaN and "-" as no pid', () => {
    const { sockets } = normalise(
      row({ localPort: '1', pid: 0 }),
      row({ localPort: '2', pid: null }),
      row({ localPort: '3', pid: Number.NaN }),
      row({ localPort: '4', pid: '-' }),
      row({ localPort: '5', pid: '812' }),
    );
    expect(sockets.map((s) => s.pid)).toEqual([null, null, null, null, 812]);
  });

  it('skips and counts malformed rows without throwing', () => {
    const { sockets, skipped } = normaliseConnections(
      [
        row({ protocol: 'icmp' }),
        row({ localAddress: 'Local' }),
        row({ localAddress: '' }),
        row({ localPort: 'abc' }),
        row({ localPort: '70000' }),
        row({ peerAddress: 'not-an-address' }),
        row({ state: 'ÉCOUTE' }),
        row({ protocol: undefined }),
        null as unknown as SiConnection,
        row({ localPort: '8080' }),
      ],
      [],
      TAKEN_AT,
    );
    expect(skipped).toBe(9);
    expect(sockets).toHaveLength(1);
  });

  it('tells apart sockets sharing a tuple and owner by order', () => {
    const same = row({ protocol: 'udp4', localAddress: '*', localPort: '5353', state: '', pid: 398 });
    const { sockets } = normalise(same, same, row({ protocol: 'udp4', localAddress: '*', localPort: '5353', state: '' }));
    expect(sockets.map((s) => s.id)).toEqual([
      'udp4 0.0.0.0:5353>*#0@398',
      'udp4 0.0.0.0:5353>*#0@398.2',
      'udp4 0.0.0.0:5353>*#0@-',
    ]);
  });
});

describe('parseStarted', () => {
  it('reads si start times as local time', () => {
    expect(parseStarted('2024-06-03 08:14:02')).toBe(new Date(2024, 5, 3, 8, 14, 2).getTime());
  });
  it('gives null for what is not a time', () => {
    for (const bad of ['', 'garbage', '2024-02-31 10:00:00', '2024-06-03 25:00:00', null, undefined]) {
      expect(parseStarted(bad)).toBeNull();
    }
  });
});

// systeminformation itself, run as if on macOS / Windows, parsing recorded command output.
describe('through systeminformation’s own parsers', () => {
  it('macOS (process:pid layout): runs netstat and ps, and loses no UDP row', async () => {
    const before = Date.now();
    const run = await runSi('darwin');
    const after = Date.now();
    expect(run.commands).toEqual([
      'netstat -natvln',
      'netstat -natvln',
      'ps -axo pid,command',
      'ps -axo pid,ppid,pcpu,pmem,pri,vsz=temp_title_1,rss=temp_title_2,nice,etime=temp_title_3,state,tty,user,command -r',
    ]);
    // The JSON the other tests read is what this version of systeminformation makes of the recording.
    expect(run.connections).toEqual(fixture('macos-networkConnections.json'));

    const { sockets, skipped } = normaliseConnections(run.connections, run.processes, TAKEN_AT);
    expect(skipped).toBe(0);
    expect(sockets).toHaveLength(25);
    const udp = sockets.filter((s) => s.protocol === 'udp');
    expect(udp).toHaveLength(7);
    expect(udp.filter((s) => s.state === 'UNCONN')).toHaveLength(6);
    expect(one(sockets, 'udp4', '192.168.1.23|58231', '142.250.74.110|443').state).toBe('ESTABLISHED');
    expect(one(sockets, 'udp6', '::|5353').pid).toBe(398);

    const node = one(sockets, 'tcp4', '127.0.0.1|8021').process!;
    expect(node).toMatchObject({
      pid: 41235,
      name: 'node',
      exe: '/opt/homebrew/bin/node',
      cmdline: '/opt/homebrew/bin/node /Users/alice/dev/api/server.js',
      user: 'alice',
      ppid: 7702,
    });
    // ps reports elapsed time (01:02:03); si turns it into a start time, to the second, while it runs.
    expect(node.startedAt!).toBeGreaterThanOrEqual(before - 3723_000 - 1000);
    expect(node.startedAt!).toBeLessThanOrEqual(after - 3723_000 + 1000);
    expectIdsUnique(sockets);
  });

  it('macOS (pid/epid layout): the pid si misreads is not attributed', async () => {
    const run = await runSi('darwin-pid-epid');
    expect(run.connections).toEqual(fixture('macos-pid-epid-networkConnections.json'));
    const { sockets } = normaliseConnections(run.connections, run.processes, TAKEN_AT);
    expect(sockets).toHaveLength(9);
    expect(one(sockets, 'tcp4', '127.0.0.1|8021', '127.0.0.1|54101')).toMatchObject({ state: 'CLOSE', pid: null });
    expect(sockets.filter((s) => s.protocol === 'udp').map((s) => s.pid)).toEqual([398, 398, 1408]);
  });

  it('Windows: runs netstat -nao and powershell, and loses no UDP row', async () => {
    const run = await runSi('win32');
    expect(run.commands).toHaveLength(3);
    expect(run.commands[0]).toBe('chcp ');
    expect(run.commands[1]).toBe('netstat -nao');
    expect(run.commands[2]).toMatch(/^powershell\.exe .*Get-CimInstance Win32_Process/s);
    expect(run.connections).toEqual(fixture('windows-networkConnections.json'));

    const { sockets, skipped } = normaliseConnections(run.connections, run.processes, TAKEN_AT);
    expect(skipped).toBe(0);
    expect(sockets).toHaveLength(36);
    const udp = sockets.filter((s) => s.protocol === 'udp');
    expect(udp).toHaveLength(11);
    expect(udp.every((s) => s.state === 'UNCONN' && s.listening)).toBe(true);
    expect(one(sockets, 'udp4', '127.0.0.1|1900').process).toMatchObject({
      pid: 7000,
      name: 'svchost.exe',
      exe: 'C:\\WINDOWS\\system32\\svchost.exe',
      cmdline: 'C:\\WINDOWS\\system32\\svchost.exe -k LocalServiceAndNoImpersonation -p -s SSDPSRV',
      startedAt: new Date(2024, 5, 3, 8, 14, 40).getTime(),
    });
    expectIdsUnique(sockets);
  });
});

describe('SystemInformationSource on this machine', () => {
  let child: ChildProcess | null = null;
  afterEach(() => {
    child?.kill();
    child = null;
  });

  it('finds a TCP listener opened by a real child process, with its pid', async () => {
    const server = spawn(
      process.execPath,
      ['-e', "const s = require('net').createServer().listen(0, '127.0.0.1', () => console.log(s.address().port));"],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child = server;
    const port = await new Promise<number>((resolve, reject) => {
      server.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      server.once('error', reject);
      server.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
    });

    const sample = await new SystemInformationSource().sample();

    const socket = one(sample.sockets, 'tcp4', `127.0.0.1|${port}`);
    expect(socket).toMatchObject({ state: 'LISTEN', listening: true, pid: server.pid, inode: null, firstSeen: sample.takenAt });
    expect(socket.process).toMatchObject({ pid: server.pid, name: path.basename(process.execPath), exe: process.execPath });
    expect(sample.warnings.deniedProcesses).toBe(0);
    expect(sample.warnings.unattributed).toBe(sample.sockets.filter((s) => s.pid === null).length);
    // netstat gives no per-connection counters: null, never 0; interface totals come from si.networkStats.
    expect([socket.bytesSent, socket.bytesReceived, socket.rttMs, socket.otherHolders]).toEqual([null, null, null, []]);
    expect(sample.traffic!.availability).toMatchObject({ connections: false, closedConnections: false, interfaces: true });
    expect(sample.traffic!.availability.notes[0]).toMatch(/Linux only/);
    expect(sample.traffic!.interfaces!.some((i) => i.name === 'lo')).toBe(true);
  });

  it('says interface totals are not available when si.networkStats fails, and still samples the sockets', async () => {
    const sample = await new SystemInformationSource({ networkStats: () => Promise.reject(new Error('powershell timed out')) }).sample();
    expect(sample.sockets.length).toBeGreaterThan(0);
    expect(sample.traffic).toMatchObject({ interfaces: null, availability: { interfaces: false } });
    expect(sample.traffic!.availability.notes).toContain('Interface totals are not available: powershell timed out');
  });
});

describe('normaliseNetworkStats', () => {
  it('reads name and byte counters, leaving out rows it cannot trust', () => {
    expect(
      normaliseNetworkStats([
        { iface: 'en0', rx_bytes: 1000, tx_bytes: 200 },
        { iface: ' lo0 ', rx_bytes: 5, tx_bytes: 5 },
        { iface: '', rx_bytes: 1, tx_bytes: 1 },
        { iface: 'utun3', rx_bytes: null, tx_bytes: 1 },
        { iface: 'bad', rx_bytes: Number.NaN, tx_bytes: 1 },
        { iface: 'neg', rx_bytes: -1, tx_bytes: 1 },
      ]),
    ).toEqual([
      { name: 'en0', bytesReceived: 1000, bytesSent: 200 },
      { name: 'lo0', bytesReceived: 5, bytesSent: 5 },
    ]);
  });
});
