// Believable synthetic socket tables for the renderer's benchmark and state screenshots: a desktop
// with browsers, editors, databases and system services; TIME_WAIT leftovers with no owner; a few
// listeners on every interface. Deterministic for a given seed.
import type { Alert } from '../src/shared/alerts.js';
import type { FullState } from '../src/shared/api.js';
import type { Delta, ProcessInfo, Socket, TcpState } from '../src/shared/model.js';
import { socketId } from '../src/shared/model.js';
import type { NamesState } from '../src/shared/names.js';
import type { MonitorStatus } from '../src/shared/status.js';
import { processKey, type InterfaceTraffic, type ProcessTraffic, type SocketTraffic, type TrafficState, type TrafficUpdate } from '../src/shared/traffic.js';

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

interface Proc extends ProcessInfo {
  weight: number;
  listens?: { host: string; port: number; protocol?: 'tcp' | 'udp' }[];
}

const NOW = Date.now();

function proc(pid: number, name: string, exe: string, cmdline: string, user: string, uid: number, weight: number, listens?: Proc['listens']): Proc {
  return { pid, name, exe, cmdline, user, uid, ppid: 1, startedAt: NOW - (pid % 97) * 3_600_000, weight, listens };
}

export const PROCESSES: Proc[] = [
  proc(2211, 'firefox', '/usr/lib/firefox/firefox', '/usr/lib/firefox/firefox --new-window', 'ada', 1000, 30),
  proc(3105, 'chrome', '/opt/google/chrome/chrome', '/opt/google/chrome/chrome --type=utility --utility-sub-type=network.mojom.NetworkService', 'ada', 1000, 40),
  proc(4120, 'code', '/usr/share/code/code', '/usr/share/code/code --unity-launch /home/ada/src/portwatch', 'ada', 1000, 8, [{ host: '127.0.0.1', port: 41235 }]),
  proc(5150, 'node', '/usr/bin/node', 'node /home/ada/src/app/server.js --port 3000', 'ada', 1000, 6, [{ host: '0.0.0.0', port: 3000 }, { host: '::', port: 9229 }]),
  proc(812, 'postgres', '/usr/lib/postgresql/16/bin/postgres', '/usr/lib/postgresql/16/bin/postgres -D /var/lib/postgresql/16/main', 'postgres', 113, 5, [{ host: '127.0.0.1', port: 5432 }, { host: '::1', port: 5432 }]),
  proc(944, 'redis-server', '/usr/bin/redis-server', '/usr/bin/redis-server 127.0.0.1:6379', 'redis', 114, 3, [{ host: '127.0.0.1', port: 6379 }]),
  proc(701, 'sshd', '/usr/sbin/sshd', 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups', 'root', 0, 1, [{ host: '0.0.0.0', port: 22 }, { host: '::', port: 22 }]),
  proc(655, 'systemd-resolve', '/usr/lib/systemd/systemd-resolved', '/usr/lib/systemd/systemd-resolved', 'systemd-resolve', 991, 1, [
    { host: '127.0.0.53', port: 53 },
    { host: '127.0.0.53', port: 53, protocol: 'udp' },
  ]),
  proc(1322, 'nginx', '/usr/sbin/nginx', 'nginx: worker process', 'www-data', 33, 4, [{ host: '0.0.0.0', port: 80 }, { host: '0.0.0.0', port: 443 }]),
  proc(1790, 'dockerd', '/usr/bin/dockerd', '/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock', 'root', 0, 2, [{ host: '192.168.1.23', port: 2376 }]),
  proc(2560, 'slack', '/usr/lib/slack/slack', '/usr/lib/slack/slack --enable-crashpad', 'ada', 1000, 6),
  proc(2990, 'python3', '/usr/bin/python3.12', 'python3 -m http.server 8000', 'ada', 1000, 2, [{ host: '0.0.0.0', port: 8000 }]),
  proc(3777, 'java', '/usr/lib/jvm/java-21-openjdk/bin/java', 'java -Xmx2g -jar /opt/idea/lib/idea.jar', 'ada', 1000, 4, [{ host: '127.0.0.1', port: 63342 }]),
  proc(1201, 'avahi-daemon', '/usr/sbin/avahi-daemon', 'avahi-daemon: running [ada-laptop.local]', 'avahi', 109, 1, [
    { host: '0.0.0.0', port: 5353, protocol: 'udp' },
    { host: 'fe80::1c2a:3bff:fe4d:5e6f', port: 5353, protocol: 'udp' },
  ]),
  proc(1400, 'cupsd', '/usr/sbin/cupsd', '/usr/sbin/cupsd -l', 'root', 0, 1, [{ host: '127.0.0.1', port: 631 }, { host: '::1', port: 631 }]),
];

const REMOTES_V4 = ['142.250.74.46', '151.101.1.140', '140.82.112.4', '104.16.132.229', '13.107.42.14', '52.84.150.39', '34.120.208.123', '185.199.108.153', '192.168.1.1', '10.0.0.12'];
const REMOTES_V6 = ['2a00:1450:4001:82b::200e', '2606:4700::6810:84e5', '2620:1ec:c11::200'];
const REMOTE_PORTS = [443, 443, 443, 443, 80, 5228, 993, 22, 8443, 3478];
const STATES: TcpState[] = ['ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED', 'ESTABLISHED', 'TIME_WAIT', 'TIME_WAIT', 'CLOSE_WAIT', 'SYN_SENT', 'FIN_WAIT2'];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

function weightedProc(r: () => number): Proc {
  const total = PROCESSES.reduce((n, p) => n + p.weight, 0);
  let x = r() * total;
  for (const p of PROCESSES) {
    x -= p.weight;
    if (x <= 0) return p;
  }
  return PROCESSES[0]!;
}

function strip(p: Proc): ProcessInfo {
  const { weight: _w, listens: _l, ...info } = p;
  return info;
}

/** The traffic fields default to none (as without the sock_diag addon). */
type Counters = 'otherHolders' | 'bytesSent' | 'bytesReceived' | 'rttMs';
function make(partial: Omit<Socket, 'id' | Counters> & Partial<Pick<Socket, Counters>>): Socket {
  const s = { otherHolders: [], bytesSent: null, bytesReceived: null, rttMs: null, ...partial };
  return { ...s, id: socketId(s) };
}

export function listeners(now = NOW): Socket[] {
  const out: Socket[] = [];
  let inode = 10_000;
  for (const p of PROCESSES) {
    for (const l of p.listens ?? []) {
      const protocol = l.protocol ?? 'tcp';
      out.push(
        make({
          protocol,
          family: l.host.includes(':') ? 6 : 4,
          localAddress: l.host,
          localPort: l.port,
          remoteAddress: null,
          remotePort: null,
          state: protocol === 'tcp' ? 'LISTEN' : 'UNCONN',
          listening: true,
          pid: p.pid,
          process: strip(p),
          inode: inode++,
          firstSeen: now - 3_600_000 - (l.port % 50) * 60_000,
        }),
      );
    }
  }
  return out;
}

/** One outgoing connection (or a leftover TIME_WAIT with no owner). */
export function connection(r: () => number, n: number, now = NOW): Socket {
  const p = weightedProc(r);
  const v6 = r() < 0.15;
  const protocol = r() < 0.06 ? 'udp' : 'tcp';
  const state = protocol === 'udp' ? 'ESTABLISHED' : pick(r, STATES);
  const owned = state !== 'TIME_WAIT';
  const localPort = 32768 + ((n * 7919) % 28000);
  return make({
    protocol,
    family: v6 ? 6 : 4,
    localAddress: v6 ? '2a02:8109:b6c0:3e00:5d1f:aa31:7c02:19e4' : '192.168.1.23',
    localPort,
    remoteAddress: v6 ? pick(r, REMOTES_V6) : pick(r, REMOTES_V4),
    remotePort: pick(r, REMOTE_PORTS) + (n % 997 === 0 ? 1 : 0),
    state,
    listening: false,
    pid: owned ? p.pid : null,
    process: owned ? strip(p) : null,
    inode: owned ? 200_000 + n : 0,
    firstSeen: now - Math.floor(r() * 7_200_000),
  });
}

export function status(overrides: Partial<MonitorStatus> = {}): MonitorStatus {
  return {
    state: 'running',
    intervalMs: 1000,
    seq: 1,
    source: 'linux-proc',
    sockets: 0,
    lastPoll: { seq: 1, takenAt: NOW, durationMs: 6.2, cpuMs: 4.8 },
    warnings: { skippedLines: 0, unattributed: 0, deniedProcesses: 0 },
    error: null,
    consecutiveFailures: 0,
    traffic: null,
    scope: null,
    ...overrides,
  };
}

/**
 * What the engine would have looked up for the synthetic peers: owners and countries of the public
 * ones (as the offline databases say), host names for some (as reverse DNS would).
 */
export function syntheticNames(): NamesState {
  const n = (host: string | null, country: string | null, asn: number | null, org: string | null) => ({ host, country, asn, org });
  return {
    version: 1,
    reverseDns: true,
    addresses: {
      '142.250.74.46': n('lhr25s34-in-f14.1e100.net', 'US', 15169, 'Google LLC'),
      '151.101.1.140': n(null, 'US', 54113, 'Fastly, Inc.'),
      '140.82.112.4': n('lb-140-82-112-4-iad.github.com', 'US', 36459, 'GitHub, Inc.'),
      '104.16.132.229': n(null, 'US', 13335, 'Cloudflare, Inc.'),
      '13.107.42.14': n(null, 'US', 8068, 'Microsoft Corporation'),
      '52.84.150.39': n('server-52-84-150-39.fra56.r.cloudfront.net', 'DE', 16509, 'Amazon.com, Inc.'),
      '34.120.208.123': n('123.208.120.34.bc.googleusercontent.com', 'US', 396982, 'Google LLC'),
      '185.199.108.153': n('cdn-185-199-108-153.github.com', 'NL', 54113, 'Fastly, Inc.'),
      '192.168.1.1': n('router.lan', null, null, null),
      '2a00:1450:4001:82b::200e': n('fra16s48-in-x0e.1e100.net', 'DE', 15169, 'Google LLC'),
      '2606:4700::6810:84e5': n(null, 'US', 13335, 'Cloudflare, Inc.'),
      '2620:1ec:c11::200': n(null, 'US', 8068, 'Microsoft Corporation'),
    },
  };
}

/** A full state of `count` sockets: the listeners, then connections up to the count. */
export function syntheticState(count: number, seed = 7, now = NOW): FullState {
  const r = rng(seed);
  const sockets = listeners(now);
  const seen = new Set(sockets.map((s) => s.id));
  for (let n = 0; sockets.length < count; n++) {
    const s = connection(r, n, now);
    if (seen.has(s.id)) continue;
    seen.add(s.id);
    sockets.push(s);
  }
  return { seq: 1, snapshot: { takenAt: now, sockets }, status: status({ sockets: sockets.length }), traffic: null };
}

/**
 * The next delta: `changes` changes split between new connections, closed ones and state changes
 * (ESTABLISHED → TIME_WAIT and the like). Updates `live` (by id) to match.
 */
export function nextDelta(live: Map<string, Socket>, seq: number, changes: number, r: () => number, now = Date.now()): Delta {
  const added: Socket[] = [];
  const removed: string[] = [];
  const changed: Socket[] = [];
  const ids = [...live.keys()];
  const nAdd = Math.round(changes * 0.35);
  const nRemove = Math.round(changes * 0.35);
  const nChange = changes - nAdd - nRemove;
  let n = seq * 10_000;
  while (added.length < nAdd) {
    const s = { ...connection(r, n++, now), firstSeen: now };
    if (live.has(s.id)) continue;
    live.set(s.id, s);
    added.push(s);
  }
  const taken = new Set<string>(added.map((s) => s.id));
  while (removed.length < nRemove) {
    const id = ids[Math.floor(r() * ids.length)]!;
    if (taken.has(id) || live.get(id)?.listening) continue;
    taken.add(id);
    live.delete(id);
    removed.push(id);
  }
  while (changed.length < nChange) {
    const id = ids[Math.floor(r() * ids.length)]!;
    const old = live.get(id);
    if (!old || taken.has(id) || old.listening) continue;
    taken.add(id);
    if (old.protocol === 'udp') continue;
    const state: TcpState = old.state === 'ESTABLISHED' ? 'CLOSE_WAIT' : 'ESTABLISHED';
    const s = { ...old, state };
    live.set(id, s);
    changed.push(s);
  }
  return { seq, takenAt: now, added, removed, changed };
}

/**
 * Sockets that make one port conflict of each kind on top of syntheticState's table: a dev server on
 * [::1]:3000 beside node on 0.0.0.0:3000 (localhost split), a second mDNS responder of another user on
 * UDP 5353 (a possible hijack), a python server on 127.0.0.1:8080 under nginx's 0.0.0.0:8080
 * (wildcard and specific), and TIME_WAIT leftovers of a server that left port 5000.
 */
export function conflictSockets(now = NOW): Socket[] {
  const vite = strip(proc(6120, 'vite', '/usr/bin/node', 'node /home/ada/src/web/node_modules/.bin/vite --host ::1 --port 3000', 'ada', 1000, 0));
  const chrome = strip(PROCESSES.find((p) => p.name === 'chrome')!);
  const python = strip(proc(6230, 'python3', '/usr/bin/python3.12', 'python3 -m http.server 8080 --bind 127.0.0.1', 'ada', 1000, 0));
  const nginx = strip(PROCESSES.find((p) => p.name === 'nginx')!);
  const listen = (p: ProcessInfo, protocol: 'tcp' | 'udp', host: string, port: number, inode: number): Socket =>
    make({
      protocol,
      family: host.includes(':') ? 6 : 4,
      localAddress: host,
      localPort: port,
      remoteAddress: null,
      remotePort: null,
      state: protocol === 'tcp' ? 'LISTEN' : 'UNCONN',
      listening: true,
      pid: p.pid,
      process: p,
      inode,
      firstSeen: now - 20 * 60_000,
    });
  const timeWait = (n: number): Socket =>
    make({
      protocol: 'tcp',
      family: 4,
      localAddress: '127.0.0.1',
      localPort: 5000,
      remoteAddress: '127.0.0.1',
      remotePort: 51_200 + n,
      state: 'TIME_WAIT',
      listening: false,
      pid: null,
      process: null,
      inode: 0,
      firstSeen: now - 15_000,
    });
  return [
    listen(vite, 'tcp', '::1', 3000, 90_001),
    listen(chrome, 'udp', '0.0.0.0', 5353, 90_002),
    listen(nginx, 'tcp', '0.0.0.0', 8080, 90_003),
    listen(python, 'tcp', '127.0.0.1', 8080, 90_004),
    timeWait(1),
    timeWait(2),
    timeWait(3),
  ];
}

/**
 * A believable alert log for the screenshots of the Alerts view, newest last (as raised): a server
 * opened on every interface, a program never seen before phoning home, another machine logging in over
 * SSH, a port scan with both kinds of evidence, a binary running from /tmp, a watched browser reaching
 * somewhere new, and a few older ones already acknowledged.
 */
export function syntheticAlerts(now = NOW): { alerts: Alert[]; trees: Record<string, Array<ProcessInfo | null>> } {
  const byName = (name: string) => strip(PROCESSES.find((p) => p.name === name)!);
  const python = byName('python3');
  const sshd = byName('sshd');
  const firefox = byName('firefox');
  const agent: ProcessInfo = { pid: 7311, name: 'telemetryd', exe: '/opt/acme/bin/telemetryd', cmdline: '/opt/acme/bin/telemetryd --daemon --report-every 60', user: 'ada', uid: 1000, ppid: 7290, startedAt: now - 95_000 };
  const miner: ProcessInfo = { pid: 8844, name: 'kworkerd', exe: '/tmp/.cache-x/kworkerd', cmdline: '/tmp/.cache-x/kworkerd -o pool.example.net:3333 --background', user: 'www-data', uid: 33, ppid: 1322, startedAt: now - 40_000 };
  const sock = (p: ProcessInfo | null, partial: Partial<Omit<Socket, 'id'>>): Socket =>
    make({
      protocol: 'tcp',
      family: 4,
      localAddress: '192.168.1.23',
      localPort: 40_000,
      remoteAddress: null,
      remotePort: null,
      state: 'ESTABLISHED',
      listening: false,
      pid: p?.pid ?? null,
      process: p,
      inode: 300_000 + (partial.localPort ?? 0) + (partial.remotePort ?? 0),
      firstSeen: now - 30_000,
      ...partial,
    });
  const listenPy = sock(python, { localAddress: '0.0.0.0', localPort: 8000, state: 'LISTEN', listening: true });
  const agentOut = sock(agent, { localPort: 51_744, remoteAddress: '34.120.208.123', remotePort: 443 });
  const sshIn = sock(sshd, { localPort: 22, remoteAddress: '192.168.1.77', remotePort: 50_122 });
  const minerOut = sock(miner, { localPort: 44_120, remoteAddress: '45.9.148.2', remotePort: 3333 });
  const ffOut = sock(firefox, { localPort: 55_001, remoteAddress: '185.199.108.153', remotePort: 443 });
  const scanned = [22, 23, 80, 443, 445, 3306, 5432, 6379, 8080, 8443, 9200, 27017];
  const scanSockets = scanned.slice(0, 6).map((port, i) => sock(null, { localPort: port, remoteAddress: '203.0.113.9', remotePort: 61_000 + i, state: 'SYN_RECV', inode: 0 }));
  const a = (id: string, minutesAgo: number, rest: Omit<Alert, 'id' | 'at' | 'acknowledgedAt' | 'snoozedUntil'>, extra: Partial<Alert> = {}): Alert => ({
    id,
    at: now - minutesAgo * 60_000,
    acknowledgedAt: null,
    snoozedUntil: null,
    ...rest,
    ...extra,
  });
  const alerts: Alert[] = [
    a('syn-old-1', 180, {
      kind: 'new-process',
      severity: 'medium',
      message: `code (/usr/share/code/code, pid 4120, user ada) opened its first network socket: TCP 127.0.0.1:41235 listening`,
      pid: 4120,
      process: byName('code'),
      sockets: [],
      rule: { kind: 'executable', exe: '/usr/share/code/code' },
    }, { acknowledgedAt: now - 170 * 60_000 }),
    a('syn-old-2', 95, {
      kind: 'new-listener',
      severity: 'medium',
      message: 'New listener: java listens on 127.0.0.1:63342 (TCP) — reachable from this machine only (pid 3777, /usr/lib/jvm/java-21-openjdk/bin/java, user ada)',
      pid: 3777,
      process: byName('java'),
      sockets: [],
      rule: { kind: 'listener', exe: '/usr/lib/jvm/java-21-openjdk/bin/java', port: 63342, protocol: 'tcp' },
    }, { acknowledgedAt: now - 90 * 60_000 }),
    a('syn-ff', 41, {
      kind: 'new-destination',
      severity: 'medium',
      message: 'firefox (/usr/lib/firefox/firefox, pid 2211, user ada), which you watch closely, connected to a destination it was not known to use: 185.199.108.153:443 (TCP)',
      pid: firefox.pid,
      process: firefox,
      sockets: [ffOut],
      rule: { kind: 'destination', exe: '/usr/lib/firefox/firefox', host: '185.199.108.153', port: 443 },
    }, { snoozedUntil: now + 44 * 60_000 }),
    a('syn-ssh', 12, {
      kind: 'inbound',
      severity: 'high',
      message: 'Inbound connection from 192.168.1.77 (port 50122) to sshd (/usr/sbin/sshd, pid 701, user root), which listens on port 22 (TCP): another machine connected to this one',
      pid: sshd.pid,
      process: sshd,
      sockets: [sshIn],
      rule: { kind: 'destination', exe: '/usr/sbin/sshd', host: '192.168.1.77', port: 22 },
    }),
    a('syn-scan', 6, {
      kind: 'port-scan',
      severity: 'high',
      message:
        'Port scan from 203.0.113.9: it connected to 12 different local ports within 10 s (TCP 22, 23, 80, 443, 445, 3306, 5432, 6379, 8080, 8443, …), and in the same window the kernel refused 184 TCP connection attempts (resets sent)',
      pid: null,
      process: null,
      sockets: scanSockets,
      evidence: ['sockets', 'kernel-counters'],
      scan: { remoteAddress: '203.0.113.9', localPorts: scanned, windowMs: 10_000, refused: { tcpResets: 184, udpNoPorts: 0, listenDrops: 0 }, localAttemptFails: 0 },
      rule: null,
    }),
    a('syn-miner', 3, {
      kind: 'suspicious-exe',
      severity: 'high',
      message: 'kworkerd (/tmp/.cache-x/kworkerd, pid 8844, user www-data) uses the network from an executable in a temporary folder: /tmp/.cache-x/kworkerd — TCP 192.168.1.23:44120 → 45.9.148.2:3333',
      pid: miner.pid,
      process: miner,
      sockets: [minerOut],
      rule: { kind: 'executable', exe: '/tmp/.cache-x/kworkerd' },
    }),
    a('syn-agent', 1.5, {
      kind: 'new-process',
      severity: 'medium',
      message: 'telemetryd (/opt/acme/bin/telemetryd, pid 7311, user ada) opened its first network socket: TCP 192.168.1.23:51744 → 34.120.208.123:443',
      pid: agent.pid,
      process: agent,
      sockets: [agentOut],
      rule: { kind: 'executable', exe: '/opt/acme/bin/telemetryd' },
    }),
    a('syn-py', 0.3, {
      kind: 'new-listener',
      severity: 'high',
      message:
        'New listener on all interfaces: python3 listens on 0.0.0.0:8000 (TCP) — reachable from any network this machine is on (pid 2990, /usr/bin/python3.12, user ada)',
      pid: python.pid,
      process: python,
      sockets: [listenPy],
      rule: { kind: 'listener', exe: '/usr/bin/python3.12', port: 8000, protocol: 'tcp' },
    }),
  ];
  const shell = (pid: number, ppid: number): ProcessInfo => ({ pid, name: 'bash', exe: '/usr/bin/bash', cmdline: '-bash', user: 'ada', uid: 1000, ppid, startedAt: now - 3_600_000 });
  const init: ProcessInfo = { pid: 1, name: 'systemd', exe: '/usr/lib/systemd/systemd', cmdline: '/sbin/init splash', user: 'root', uid: 0, ppid: 0, startedAt: now - 86_400_000 };
  const term: ProcessInfo = { pid: 2801, name: 'gnome-terminal-', exe: '/usr/libexec/gnome-terminal-server', cmdline: '/usr/libexec/gnome-terminal-server', user: 'ada', uid: 1000, ppid: 1880, startedAt: now - 7_200_000 };
  const userd: ProcessInfo = { pid: 1880, name: 'systemd', exe: '/usr/lib/systemd/systemd', cmdline: '/usr/lib/systemd/systemd --user', user: 'ada', uid: 1000, ppid: 1, startedAt: now - 80_000_000 };
  const trees: Record<string, Array<ProcessInfo | null>> = {
    'syn-py': [python, shell(2950, 2801), term, userd, init],
    'syn-agent': [agent, null, init],
    'syn-miner': [miner, byName('nginx'), init],
    'syn-ssh': [sshd, init],
    'syn-ff': [firefox, userd, init],
  };
  return { alerts, trees };
}

/**
 * A busy port: a server on 0.0.0.0:`port` with `clients` connections, most of them from programs on
 * this machine (each connection is then two sockets: the client's and the one the server accepted),
 * the rest from two machines on the network. Some connections are winding down (TIME_WAIT, CLOSE_WAIT).
 */
export function busyPortSockets(port = 18080, clients = 4980, now = NOW): Socket[] {
  const server: ProcessInfo = { pid: 7700, name: 'api-server', exe: '/opt/api/bin/api-server', cmdline: `/opt/api/bin/api-server --listen 0.0.0.0:${port}`, user: 'ada', uid: 1000, ppid: 1, startedAt: now - 600_000 };
  const loaders: ProcessInfo[] = [
    { pid: 7801, name: 'wrk', exe: '/usr/bin/wrk', cmdline: `wrk -c 3000 -d 10m http://127.0.0.1:${port}/`, user: 'ada', uid: 1000, ppid: 2801, startedAt: now - 120_000 },
    { pid: 7802, name: 'node', exe: '/usr/bin/node', cmdline: 'node load/soak.js --connections 1500', user: 'ada', uid: 1000, ppid: 2801, startedAt: now - 90_000 },
    { pid: 7803, name: 'python3', exe: '/usr/bin/python3.12', cmdline: 'python3 health_probe.py', user: 'ada', uid: 1000, ppid: 2801, startedAt: now - 60_000 },
  ];
  const remotes = ['192.168.1.77', '192.168.1.80'];
  const out: Socket[] = [
    make({ protocol: 'tcp', family: 4, localAddress: '0.0.0.0', localPort: port, remoteAddress: null, remotePort: null, state: 'LISTEN', listening: true, pid: server.pid, process: server, inode: 500_000, firstSeen: now - 600_000 }),
  ];
  const r = rng(port);
  for (let i = 0; i < clients; i++) {
    const ephemeral = 33_000 + i;
    const state: TcpState = i % 50 === 0 ? 'TIME_WAIT' : i % 37 === 0 ? 'CLOSE_WAIT' : 'ESTABLISHED';
    const firstSeen = now - Math.floor(r() * 100_000);
    const remote = i % 10 === 9 ? remotes[Math.floor(i / 10) % 2]! : '127.0.0.1';
    // The server's end of the connection.
    out.push(
      make({ protocol: 'tcp', family: 4, localAddress: remote === '127.0.0.1' ? '127.0.0.1' : '192.168.1.23', localPort: port, remoteAddress: remote, remotePort: ephemeral, state, listening: false, pid: state === 'TIME_WAIT' ? null : server.pid, process: state === 'TIME_WAIT' ? null : server, inode: state === 'TIME_WAIT' ? 0 : 510_000 + i, firstSeen }),
    );
    if (remote !== '127.0.0.1') continue;
    const loader = i % 10 < 6 ? loaders[0]! : i % 10 < 8 ? loaders[1]! : loaders[2]!;
    const clientState: TcpState = state === 'TIME_WAIT' ? 'FIN_WAIT2' : state === 'CLOSE_WAIT' ? 'FIN_WAIT2' : 'ESTABLISHED';
    out.push(
      make({ protocol: 'tcp', family: 4, localAddress: '127.0.0.1', localPort: ephemeral, remoteAddress: '127.0.0.1', remotePort: port, state: clientState, listening: false, pid: loader.pid, process: loader, inode: 520_000 + i, firstSeen }),
    );
  }
  return out;
}

/** One program opening `n` listeners on 127.0.0.1, one alert each (Low: reachable from this machine only). */
export function loopbackListenerAlerts(n: number, now = NOW): Alert[] {
  const python: ProcessInfo = { pid: 6401, name: 'python3', exe: '/usr/bin/python3.11', cmdline: 'python3 -m uvicorn app:main --reload --workers 13', user: 'ada', uid: 1000, ppid: 2801, startedAt: now - 300_000 };
  return Array.from({ length: n }, (_, i): Alert => {
    const port = 8101 + i;
    const socket = make({ protocol: 'tcp', family: 4, localAddress: '127.0.0.1', localPort: port, remoteAddress: null, remotePort: null, state: 'LISTEN', listening: true, pid: python.pid, process: python, inode: 640_000 + i, firstSeen: now - 240_000 + i * 1000 });
    return {
      id: `lo-${port}`,
      kind: 'new-listener',
      severity: 'low',
      message: `New listener: python3 listens on 127.0.0.1:${port} (TCP) — reachable from this machine only (pid ${python.pid}, ${python.exe}, user ada)`,
      at: now - 240_000 + i * 1000,
      pid: python.pid,
      process: python,
      sockets: [socket],
      acknowledgedAt: null,
      snoozedUntil: null,
      rule: { kind: 'listener', exe: python.exe!, port, protocol: 'tcp' },
    };
  });
}

/**
 * Traffic for a synthetic state: every owned TCP connection carries counters (in its Socket, as the
 * engine gives them), `moving` of them move data now (rates), and the processes and interfaces add
 * up. Returns the state with counters and traffic, and a function that makes the next update (the
 * same connections moving, their rates drifting), for the benchmark and the screenshots.
 */
export function withTraffic(state: FullState, moving: number, seed = 11): { state: FullState; next: (seq: number, takenAt: number) => TrafficUpdate } {
  const r = rng(seed);
  const sockets = state.snapshot.sockets.map((s) =>
    s.protocol === 'tcp' && s.pid !== null && !s.listening
      ? { ...s, bytesSent: Math.floor(r() * 5e6), bytesReceived: Math.floor(r() * 5e7), rttMs: Math.round(r() * 800) / 10 }
      : s,
  );
  const tcp = sockets.filter((s) => s.bytesSent !== null);
  // Heavier processes move more: a browser streaming, a package download.
  const rated = new Map<string, { s: Socket; send: number; receive: number }>();
  for (const s of tcp.slice(0, moving)) rated.set(s.id, { s, send: Math.floor(r() * r() * 400_000), receive: Math.floor(r() * r() * r() * 8_000_000) });
  const counters = new Map(tcp.map((s) => [s.id, [s.bytesSent!, s.bytesReceived!] as [number, number]]));
  const byProcess = (): ProcessTraffic[] => {
    const out = new Map<number, ProcessTraffic>();
    for (const s of tcp) {
      const p = s.process!;
      const key = processKey(p.pid, p.startedAt);
      let rec = out.get(p.pid);
      if (rec === undefined) out.set(p.pid, (rec = { key, pid: p.pid, name: p.name, exe: p.exe, startedAt: p.startedAt, bytesSent: 0, bytesReceived: 0, sendRate: 0, receiveRate: 0, connections: 0, closedConnections: 3 }));
      const [sent, received] = counters.get(s.id)!;
      rec.bytesSent += sent;
      rec.bytesReceived += received;
      rec.connections++;
      const m = rated.get(s.id);
      if (m) {
        rec.sendRate += m.send;
        rec.receiveRate += m.receive;
      }
    }
    return [...out.values()];
  };
  const interfaces = (processes: ProcessTraffic[]): InterfaceTraffic[] => {
    const send = processes.reduce((n, p) => n + p.sendRate, 0);
    const receive = processes.reduce((n, p) => n + p.receiveRate, 0);
    return [
      { name: 'wlp2s0', bytesSent: 8.1e9, bytesReceived: 6.4e10, sendRate: Math.round(send * 1.04), receiveRate: Math.round(receive * 1.02) },
      { name: 'lo', bytesSent: 2.2e9, bytesReceived: 2.2e9, sendRate: 41_000, receiveRate: 41_000 },
      { name: 'docker0', bytesSent: 1.1e8, bytesReceived: 3.3e7, sendRate: 0, receiveRate: 0 },
    ];
  };
  const processes = byProcess();
  const traffic: TrafficState = {
    seq: state.seq,
    takenAt: state.snapshot.takenAt,
    intervalMs: 1000,
    sockets: [...rated.values()].map(({ s, send, receive }) => [s.id, s.bytesSent!, s.bytesReceived!, s.rttMs, send, receive]),
    processes,
    interfaces: interfaces(processes),
    unattributed: { bytesSent: 120_000, bytesReceived: 3_400_000, sendRate: 0, receiveRate: 0, closedConnections: 41 },
    availability: { connections: true, closedConnections: true, interfaces: true, notes: [] },
  };
  const availability = traffic.availability;
  const next = (seq: number, takenAt: number): TrafficUpdate => {
    const socketsOut: SocketTraffic[] = [];
    for (const m of rated.values()) {
      m.send = Math.max(0, Math.round(m.send * (0.7 + r() * 0.6)));
      m.receive = Math.max(0, Math.round(m.receive * (0.7 + r() * 0.6)));
      const c = counters.get(m.s.id)!;
      c[0] += m.send;
      c[1] += m.receive;
      socketsOut.push([m.s.id, c[0], c[1], m.s.rttMs, m.send, m.receive]);
    }
    const procs = byProcess().filter((p) => p.sendRate > 0 || p.receiveRate > 0);
    return { seq, takenAt, intervalMs: 1000, sockets: socketsOut, processes: procs, processesGone: [], interfaces: interfaces(byProcess()), unattributed: null };
  };
  return { state: { ...state, snapshot: { ...state.snapshot, sockets }, status: { ...state.status, traffic: availability }, traffic }, next };
}
