// Which sockets deserve an alert. Pure: the caller hands in the sockets that changed this poll, what is
// trusted and known, the subjects already alerted on, a small sliding-window state for port scans, and
// the kernel's counters; it gets back candidate alerts, the next window state, and (while learning) what
// to add to the baseline. Work is in proportion to the sockets handed in, never to all sockets.
//
// One alert per subject (see alertSubject below); the engine remembers raised subjects in the alert log.
// Port scans are episodes instead: one alert per remote (or per kernel-counter burst) until it has been
// quiet for a whole window.
//
// A port scan is one peer touching many distinct ports. With sockets to see, the peer is the remote
// address — or, on loopback, where every local program shares 127.0.0.1, the program whose client
// sockets they are. Without sockets (closed ports leave none), the kernel's counters show a burst of
// refused attempts; what is not a refusal is taken out before the burst is measured: resets of this
// machine's own connections (a program closing with unread data, data for a closed one), connections
// of this machine reset, connections that ended in the same window (a server going away resets its
// clients' late segments), and SYNs dropped at a full listen queue (a burst of connections, not a scan).
import { tmpdir } from 'node:os';
import { addressScope, normaliseHost, type AddressScope } from '../../shared/address.js';
import type { Alert, AlertKind, BaselineDestination, BaselineInbound, BaselineListener, PortScanDetails, Severity, TrustRule } from '../../shared/alerts.js';
import { severityRank } from '../../shared/alerts.js';
import type { ProcessInfo, Protocol, Socket } from '../../shared/model.js';
import { describeSocket, formatEndpoint } from '../../shared/model.js';
import { printable } from '../../shared/printable.js';
import { DELETED_MARK, exeKey, UNKNOWN_OWNER, type TrustView } from '../../shared/trust-rules.js';
import type { KernelCounters } from '../kernel-counters.js';
import { DEFAULT_EPHEMERAL_PORTS } from './find-conflicts.js';

export interface AlertOptions {
  /** A remote touching this many distinct local ports within scanWindowMs is a port scan. */
  scanPorts: number;
  scanWindowMs: number;
  /** Refused attempts the kernel counts within scanWindowMs (resets sent that were refusals + UDP to closed ports) that make a burst. */
  refusedBurst: number;
  /** Unconnected UDP sockets on these ports are clients' reply sockets, not listeners (DNS, QUIC, mDNS clients). */
  ephemeralPorts: readonly [number, number];
  /** Executables under these folders are suspicious. */
  tempDirs: readonly string[];
  /** At most this many sockets are kept with one alert. */
  maxSockets: number;
}

export const DEFAULT_ALERT_OPTIONS: Readonly<AlertOptions> = {
  scanPorts: 10,
  scanWindowMs: 10_000,
  refusedBurst: 100,
  ephemeralPorts: DEFAULT_EPHEMERAL_PORTS,
  tempDirs: defaultTempDirs(),
  maxSockets: 20,
};

/** Where programs have no business living: the temporary folders of every platform, and this one's. */
export function defaultTempDirs(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  const dirs = ['/tmp', '/var/tmp', '/dev/shm', '/private/tmp', '/private/var/folders', '/private/var/tmp', tmpdir()];
  if (platform === 'win32') for (const v of [env.TEMP, env.TMP]) if (v) dirs.push(v);
  return [...new Set(dirs.filter((d) => d !== ''))];
}

export type SocketRole = 'listener' | 'inbound' | 'outbound' | 'other';

/** Listener, a connection accepted by a local listener, one this machine started, or neither. */
export function socketRole(s: Socket, listening: (protocol: Protocol, port: number) => boolean): SocketRole {
  if (s.listening) return 'listener';
  if (s.remoteAddress === null || s.remotePort === null || s.remotePort === 0) return 'other';
  if (s.protocol === 'tcp' && listening('tcp', s.localPort)) return 'inbound';
  return 'outbound';
}

/** A counter reading, with how many of this machine's connections had ended by then (see AnalysisInput.ended). */
export type ScanSample = KernelCounters & { ended: number };

/** A port scan in progress is kept for one window; everything in it is small and replaced, never mutated. */
export interface ScanState {
  /** peer → local port → the last socket seen there and when. A peer is a remote host, or a local program ("127.0.0.1|pid 42"). */
  touches: ReadonlyMap<string, ReadonlyMap<number, { at: number; socket: Socket }>>;
  /** Counter readings covering the window, oldest first; the first is the base the burst is measured from. */
  samples: readonly ScanSample[];
  /** Connections ended since the state began (a running total; samples keep it at their time). */
  ended: number;
  /** Ongoing episodes: "port-scan|<host>" or "port-scan|kernel" → last time it was above its threshold. */
  episodes: ReadonlyMap<string, number>;
  /** A counter burst seen with no socket evidence yet: if the next poll brings none, it alerts on its own. */
  pendingBurst: boolean;
}

export function emptyScanState(): ScanState {
  return { touches: new Map(), samples: [], ended: 0, episodes: new Map(), pendingBurst: false };
}

/** What one poll saw, in baseline terms: TrustStore.learn() adds it to the baseline. */
export interface Seen {
  processes: string[];
  listeners: BaselineListener[];
  destinations: BaselineDestination[];
  inbound: BaselineInbound[];
}

export interface AnalysisInput {
  /** The sockets added or changed this poll. */
  sockets: readonly Socket[];
  now: number;
  /** Whether a socket listens on this local port now (after this poll). */
  listening(protocol: Protocol, port: number): boolean;
  trust: TrustView;
  /** Whether an alert about this subject was raised already. */
  raised(subject: string): boolean;
  scan: ScanState;
  /** This poll's reading of the kernel counters; null where there are none. */
  counters: KernelCounters | null;
  /**
   * This machine's TCP connections that ended this poll (left the table from a state other than
   * TIME_WAIT): the resets a server's shutdown causes are not refusals of a scan.
   */
  ended?: number;
  options: AlertOptions;
  /** While learning, no alert: what is seen is returned as `seen` for the baseline. */
  learning?: boolean;
  /** Whether a file exists (a deleted executable whose path exists again was replaced, e.g. by an update). */
  exists?: (path: string) => boolean;
}

/** An alert before the engine gives it an id and the log a place. */
export type AlertCandidate = Omit<Alert, 'id' | 'acknowledgedAt' | 'snoozedUntil' | 'subject' | 'rule'> & {
  subject: string;
  rule: TrustRule | null;
};

export interface AnalysisResult {
  alerts: AlertCandidate[];
  scan: ScanState;
  /** While learning: what this poll saw, for TrustStore.learn(). Empty otherwise. */
  seen: Seen;
}

interface Group {
  kind: AlertKind;
  subject: string;
  severity: Severity;
  sockets: Socket[];
  process: ProcessInfo | null;
  pid: number | null;
  key: string;
  /** What the kind needs to word its message. */
  detail: string;
  /** Whether the executable was replaced since it was deleted (suspicious-exe). */
  replaced?: boolean;
}

export function analyseSockets(input: AnalysisInput): AnalysisResult {
  const { now, options, trust } = input;
  const learning = input.learning === true;
  const seen: Seen = { processes: [], listeners: [], destinations: [], inbound: [] };
  const groups = new Map<string, Group>();
  const inbound: Array<{ host: string; socket: Socket }> = [];
  // This poll's client sockets by their local end, to name the program behind a loopback connection.
  const clientEnds = new ClientEnds();
  const seenProcesses = new Set<string>();
  // A cold poll hands over every socket of the machine: the same few addresses and executables
  // thousands of times, so each is worked out once per call.
  const hostOf = oncePerCall(normaliseHost);
  const scopeOf = oncePerCall(addressScope);
  const inTemp = oncePerCall((path: string) => inTempDir(path, options.tempDirs));

  // A group is made once per subject and reused for each of its sockets: a cold poll adds thousands.
  const add = (g: Omit<Group, 'sockets'>, s: Socket) => {
    const have = groups.get(g.subject);
    if (have === undefined) groups.set(g.subject, { ...g, sockets: [s] });
    else {
      if (have.sockets.length < options.maxSockets) have.sockets.push(s);
      if (severityRank(g.severity) > severityRank(have.severity)) {
        // The widest exposure names the alert (0.0.0.0 beside 192.168.1.5 on the same port).
        have.severity = g.severity;
        have.detail = g.detail;
      }
    }
  };
  // What a process's sockets share, worked out once per process (the source hands every socket of
  // one process the same ProcessInfo): its key and the process-wide alerts it would raise.
  const programs = new Map<ProcessInfo, Program>();
  const programOf = (s: Socket): Program => {
    const p = s.process!;
    let program = programs.get(p);
    if (program === undefined) programs.set(p, (program = learning ? { key: exeKey(p), newProcess: null, suspicious: null, watched: false } : judgeProgram(s, input, inTemp)));
    return program;
  };

  for (const s of input.sockets) {
    const role = socketRole(s, input.listening);
    if (role === 'inbound') inbound.push({ host: hostOf(s.remoteAddress!), socket: s });
    else if (role === 'outbound' && s.pid !== null && s.protocol === 'tcp') clientEnds.add(hostOf(s.localAddress), s);
    // A socket without an owner (TIME_WAIT, another user's without root) says nothing about a program,
    // except a listener: a new open port is news whoever holds it.
    const attributed = s.pid !== null && s.process !== null;
    const udpClient = role === 'listener' && s.protocol === 'udp' && inRange(s.localPort, options.ephemeralPorts);
    if (!attributed && (role !== 'listener' || udpClient || s.inode === 0 || s.inode === null)) continue;
    const program = attributed ? programOf(s) : null;
    const key = program !== null ? program.key : UNKNOWN_OWNER;

    if (learning) {
      if (attributed && !seenProcesses.has(key)) {
        seenProcesses.add(key);
        seen.processes.push(key);
      }
      if (role === 'listener' && !udpClient) seen.listeners.push({ exe: key, protocol: s.protocol, port: s.localPort, address: hostOf(s.localAddress) });
      else if (role === 'outbound') seen.destinations.push({ exe: key, host: hostOf(s.remoteAddress!), port: s.remotePort! });
      else if (role === 'inbound') {
        const host = hostOf(s.remoteAddress!);
        if (scopeOf(host) !== 'loopback') seen.inbound.push({ exe: key, protocol: 'tcp', port: s.localPort, host });
      }
      continue;
    }

    if (program !== null) {
      if (program.newProcess !== null) add(program.newProcess, s);
      if (program.suspicious !== null) add(program.suspicious, s);
    }

    if (role === 'listener' && !udpClient) {
      const scope = scopeOf(hostOf(s.localAddress));
      const subject = `new-listener|${key}|${s.protocol}|${s.localPort}|${scope === 'loopback' ? 'local' : 'network'}`;
      if (!trust.knowsListener(key, s.protocol, s.localPort, s.localAddress) && !input.raised(subject)) {
        // A port only this machine can reach is worth knowing about, not worth an interruption.
        const severity: Severity = scope === 'all' || scope === 'public' ? 'high' : scope === 'loopback' ? 'low' : 'medium';
        add({ kind: 'new-listener', subject, severity, process: s.process, pid: s.pid, key, detail: scope }, s);
      }
    } else if (role === 'inbound' && attributed) {
      const host = hostOf(s.remoteAddress!);
      if (scopeOf(host) !== 'loopback') {
        const subject = `inbound|${key}|tcp|${s.localPort}|${host}`;
        if (!trust.knowsInbound(key, 'tcp', s.localPort, host) && !input.raised(subject)) {
          add({ kind: 'inbound', subject, severity: 'high', process: s.process, pid: s.pid, key, detail: host }, s);
        }
      }
    } else if (role === 'outbound' && program !== null && program.watched) {
      const host = hostOf(s.remoteAddress!);
      const subject = `new-destination|${key}|${s.protocol}|${host}|${s.remotePort}`;
      if (!trust.knowsDestination(key, host, s.remotePort!) && !input.raised(subject)) {
        add({ kind: 'new-destination', subject, severity: 'medium', process: s.process, pid: s.pid, key, detail: host }, s);
      }
    }
  }

  const alerts: AlertCandidate[] = [];
  for (const g of groups.values()) alerts.push(toCandidate(g, now));
  const scan = updateScan(input, inbound, (t) => peerOf(t, clientEnds, scopeOf), learning, alerts);
  return { alerts, scan, seen };
}

/**
 * This poll's client sockets by their local end. By port first, with no string made per socket: a
 * cold poll brings thousands, and a port is nearly always on one address.
 */
class ClientEnds {
  private readonly byPort = new Map<number, { host: string; socket: Socket }>();
  private readonly more = new Map<string, Socket>();

  add(host: string, socket: Socket): void {
    const first = this.byPort.get(socket.localPort);
    if (first === undefined) this.byPort.set(socket.localPort, { host, socket });
    else if (first.host === host) first.socket = socket;
    else this.more.set(`${host}|${socket.localPort}`, socket);
  }

  get(host: string, port: number): Socket | null {
    const first = this.byPort.get(port);
    if (first === undefined) return null;
    if (first.host === host) return first.socket;
    return this.more.get(`${host}|${port}`) ?? null;
  }
}

/** Who touched a port: the peer's name in the scan state, and the local program behind it, if any. */
interface Peer {
  peer: string;
  client: Socket | null;
}

/**
 * Who touched the port. A remote host is a peer by its address; on loopback every local program shares
 * 127.0.0.1, so the peer is the program holding the other end, when this poll shows it.
 */
function peerOf(t: { host: string; socket: Socket }, clientEnds: ClientEnds, scopeOf: (host: string) => AddressScope): Peer {
  if (scopeOf(t.host) !== 'loopback') return { peer: t.host, client: null };
  const client = clientEnds.get(t.host, t.socket.remotePort!);
  return { peer: client === null ? t.host : `${t.host}|pid ${client.pid}`, client };
}

/** The process-wide alerts one program would raise, and its key. */
interface Program {
  key: string;
  newProcess: Omit<Group, 'sockets'> | null;
  suspicious: Omit<Group, 'sockets'> | null;
  /** The user watches its destinations closely. */
  watched: boolean;
}

function judgeProgram(s: Socket, input: AnalysisInput, inTemp: (path: string) => boolean): Program {
  const { trust } = input;
  const p = s.process!;
  const key = exeKey(p);
  const subject = `new-process|${key}`;
  const newProcess: Program['newProcess'] =
    !trust.knowsProcess(key) && !input.raised(subject) ? { kind: 'new-process', subject, severity: 'medium', process: p, pid: s.pid, key, detail: '' } : null;
  let suspicious: Program['suspicious'] = null;
  const exe = p.exe;
  if (exe !== null) {
    const deleted = exe.endsWith(DELETED_MARK);
    const temp = inTemp(deleted ? exe.slice(0, -DELETED_MARK.length) : exe);
    const sub = `suspicious-exe|${exe}`;
    if ((deleted || temp) && !trust.trustsExecutable(exe) && !input.raised(sub)) {
      const replaced = deleted && input.exists !== undefined && input.exists(exe.slice(0, -DELETED_MARK.length));
      suspicious = { kind: 'suspicious-exe', subject: sub, severity: replaced && !temp ? 'medium' : 'high', process: p, pid: s.pid, key, detail: deleted ? 'deleted' : 'temp', replaced };
    }
  }
  return { key, newProcess, suspicious, watched: trust.isWatchedClosely(key) };
}

/** f, remembering each answer for the rest of one analysis (a cold poll asks about the same few values thousands of times). */
function oncePerCall<K, V>(f: (key: K) => V): (key: K) => V {
  const known = new Map<K, V>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined && !known.has(key)) known.set(key, (value = f(key)));
    return value as V;
  };
}

function inRange(port: number, [low, high]: readonly [number, number]): boolean {
  return port >= low && port <= high;
}

function pathKey(path: string): string {
  const p = path.replace(/\\/g, '/').replace(/\/+$/, '');
  return /^[a-zA-Z]:\//.test(p) ? p.toLowerCase() : p;
}

export function inTempDir(exe: string, tempDirs: readonly string[]): boolean {
  const file = pathKey(exe);
  return tempDirs.some((d) => {
    const dir = pathKey(d);
    return dir !== '' && file.startsWith(dir + '/');
  });
}

function ownerText(g: Pick<Group, 'process' | 'pid' | 'key'>): string {
  const p = g.process;
  if (p === null) return 'a process Portwatch cannot see (another user’s; run Portwatch as root to name it)';
  const user = p.user ?? (p.uid !== null ? `uid ${p.uid}` : null);
  const where = p.exe === null ? 'executable path hidden from Portwatch, so it is known by name only' : printable(p.exe);
  return `${printable(p.name)} (${where}, pid ${p.pid}${user === null ? '' : `, user ${printable(user)}`})`;
}

function shortOwner(g: Pick<Group, 'process' | 'pid'>): string {
  const p = g.process;
  if (p === null) return 'a process Portwatch cannot see';
  return printable(p.name);
}

function ownerTail(g: Pick<Group, 'process'>): string {
  const p = g.process;
  if (p === null) return '';
  return ` (pid ${p.pid}, ${p.exe === null ? 'executable path hidden from Portwatch' : printable(p.exe)}${p.user === null ? '' : `, user ${printable(p.user)}`})`;
}

function more(sockets: Socket[]): string {
  return sockets.length > 1 ? ` (and ${sockets.length - 1} more)` : '';
}

const REACH: Record<AddressScope, string> = {
  all: 'reachable from any network this machine is on',
  public: 'reachable from the internet unless a firewall stops it',
  private: 'reachable from the local network',
  'link-local': 'reachable from machines on the same network link',
  loopback: 'reachable from this machine only',
};

function toCandidate(g: Group, now: number): AlertCandidate {
  const first = g.sockets[0]!;
  let message: string;
  let rule: TrustRule | null;
  switch (g.kind) {
    case 'new-process':
      message = `${ownerText(g)} opened its first network socket: ${describeSocket(first)}${more(g.sockets)}`;
      rule = { kind: 'executable', exe: g.key };
      break;
    case 'new-listener': {
      const scope = g.detail as AddressScope;
      const where = scope === 'all' ? 'New listener on all interfaces' : scope === 'public' ? 'New listener on a public address' : 'New listener';
      const addresses = [...new Set(g.sockets.map((s) => formatEndpoint(s.localAddress, s.localPort)))];
      message = `${where}: ${shortOwner(g)} listens on ${addresses.join(' and ')} (${first.protocol.toUpperCase()}) — ${REACH[scope]}${ownerTail(g)}`;
      rule = { kind: 'listener', exe: g.key, port: first.localPort, protocol: first.protocol };
      break;
    }
    case 'inbound':
      message =
        `Inbound connection from ${g.detail} (port ${first.remotePort}) to ${ownerText(g)}, which listens on port ${first.localPort} (TCP): ` +
        `another machine connected to this one`;
      rule = { kind: 'destination', exe: g.key, host: g.detail, port: first.localPort };
      break;
    case 'new-destination':
      message =
        `${ownerText(g)}, which you watch closely, connected to a destination it was not known to use: ` +
        `${formatEndpoint(g.detail, first.remotePort)} (${first.protocol.toUpperCase()})${more(g.sockets)}`;
      rule = { kind: 'destination', exe: g.key, host: g.detail, port: first.remotePort };
      break;
    case 'suspicious-exe': {
      const exe = printable(g.process?.exe ?? g.key);
      const why =
        g.detail === 'deleted'
          ? g.replaced
            ? `an executable that was deleted after it started: ${exe}. A file of that name exists again, so it was probably replaced by an update; restarting the program runs the new one`
            : `an executable that was deleted after it started: ${exe}`
          : `an executable in a temporary folder: ${exe}`;
      message = `${ownerText(g)} uses the network from ${why} — ${describeSocket(first)}${more(g.sockets)}`;
      // A deleted file cannot be trusted by path: nothing at that path is what ran.
      rule = g.detail === 'deleted' ? null : { kind: 'executable', exe };
      break;
    }
    default:
      throw new Error(`no message for ${g.kind}`);
  }
  return { kind: g.kind, severity: g.severity, message, at: now, pid: g.pid, process: g.process, sockets: g.sockets, subject: g.subject, rule };
}

interface Refused {
  /** Every reset sent in the window. */
  tcpResets: number;
  /** Of those, the ones that were not refusals (see the top of this file). */
  explained: number;
  udpNoPorts: number;
  listenDrops: number;
  attemptFails: number;
  /** Refused attempts: resets not explained, and datagrams to closed UDP ports. */
  total: number;
}

function refusedIn(samples: readonly ScanSample[]): Refused | null {
  if (samples.length < 2) return null;
  const a = samples[0]!;
  const b = samples[samples.length - 1]!;
  const d = (k: keyof KernelCounters | 'ended') => Math.max(0, Number(b[k]) - Number(a[k]));
  const tcpResets = d('tcpResets');
  const udpNoPorts = d('udpNoPorts');
  const listenDrops = d('listenDrops');
  const attemptFails = d('attemptFails');
  const overflowResets = b.abortOnOverflow ? d('listenOverflows') : 0;
  const explained = Math.min(tcpResets, d('abortResets') + d('estabResets') + d('ended') + overflowResets);
  return { tcpResets, explained, udpNoPorts, listenDrops, attemptFails, total: tcpResets - explained + udpNoPorts };
}

function updateScan(
  input: AnalysisInput,
  inbound: ReadonlyArray<{ host: string; socket: Socket }>,
  peerOf: (t: { host: string; socket: Socket }) => Peer,
  learning: boolean,
  alerts: AlertCandidate[],
): ScanState {
  const { now, options } = input;
  const prev = input.scan;
  const since = now - options.scanWindowMs;

  // Touches: copy only the maps this poll changes; drop what fell out of the window.
  const touches = new Map(prev.touches);
  const touched = new Set<string>();
  const clients = new Map<string, Socket>();
  for (const t of inbound) {
    const { peer, client } = peerOf(t);
    let ports = touches.get(peer);
    if (!touched.has(peer)) {
      ports = new Map(ports ?? []);
      touches.set(peer, ports);
      touched.add(peer);
    }
    if (client !== null) clients.set(peer, client);
    // One touch per port and poll is enough (thousands of clients of one server are one port).
    if (ports!.get(t.socket.localPort)?.at !== now) (ports as Map<number, { at: number; socket: Socket }>).set(t.socket.localPort, { at: now, socket: t.socket });
  }
  for (const [host, ports] of touches) {
    let stale = false;
    for (const t of ports.values()) if (t.at < since) stale = true;
    if (!stale) continue;
    const kept = new Map([...ports].filter(([, t]) => t.at >= since));
    if (kept.size === 0) touches.delete(host);
    else touches.set(host, kept);
  }

  // Counter samples: keep the newest one older than the window as the base.
  const ended = prev.ended + Math.max(0, input.ended ?? 0);
  let samples = prev.samples;
  if (input.counters !== null) {
    samples = [...samples, { ...input.counters, ended }];
    const last = samples[samples.length - 1]!;
    const base = samples[0]!;
    // Counters going down mean another namespace or a reset: start over from here.
    if (last.tcpResets < base.tcpResets || last.udpNoPorts < base.udpNoPorts || last.listenDrops < base.listenDrops) samples = [last];
    while (samples.length > 2 && samples[1]!.at <= since) samples = samples.slice(1);
  }

  const episodes = new Map<string, number>();
  for (const [k, at] of prev.episodes) if (at >= since) episodes.set(k, at);
  if (learning) return { touches, samples, ended, episodes, pendingBurst: false };

  const refused = refusedIn(samples);
  const burst = refused !== null && refused.total >= options.refusedBurst;
  const details = (remote: string | null, ports: number[]): PortScanDetails => ({
    remoteAddress: remote,
    localPorts: ports,
    windowMs: options.scanWindowMs,
    refused: refused === null ? null : { tcpResets: refused.tcpResets, udpNoPorts: refused.udpNoPorts, listenDrops: refused.listenDrops, explainedResets: refused.explained },
    localAttemptFails: refused === null ? null : refused.attemptFails,
  });

  let socketEpisode = false;
  for (const [peer, ports] of touches) {
    if (ports.size < options.scanPorts) continue;
    const host = peer.split('|')[0]!;
    const subject = `port-scan|${peer}`;
    socketEpisode = true;
    const ongoing = episodes.has(subject);
    episodes.set(subject, now);
    if (ongoing) continue;
    const list = [...ports.keys()].sort((a, b) => a - b);
    const sockets = [...ports.values()].map((t) => t.socket).slice(0, options.maxSockets);
    const loopback = addressScope(host) === 'loopback';
    const seconds = options.scanWindowMs / 1000;
    const client = clients.get(peer) ?? null;
    const from = client?.process ? `${host} (this machine: ${printable(client.process.name)}, pid ${client.pid})` : loopback ? `${host} (this machine)` : host;
    let message = `Port scan from ${from}: it connected to ${ports.size} different local ports within ${seconds} s (TCP ${portList(list)})`;
    message += burst
      ? `, and in the same window the kernel refused ${describeRefused(refused!)}`
      : `; the kernel's counters show no burst of refused attempts, so it reached only open ports or the counters are not readable here`;
    alerts.push({
      kind: 'port-scan',
      severity: loopback ? 'medium' : 'high',
      message,
      at: now,
      pid: client?.pid ?? null,
      process: client?.process ?? null,
      sockets,
      evidence: burst ? ['sockets', 'kernel-counters'] : ['sockets'],
      scan: details(host, list),
      subject,
      rule: null,
    });
  }

  let pendingBurst = false;
  if (burst) {
    const kernel = 'port-scan|kernel';
    if (socketEpisode || episodes.has(kernel)) {
      episodes.set(kernel, now); // explained by a socket scan, or the same burst still going
    } else if (prev.pendingBurst) {
      episodes.set(kernel, now);
      const seconds = options.scanWindowMs / 1000;
      const local =
        refused!.attemptFails >= (refused!.tcpResets - refused!.explained) / 2 && refused!.attemptFails > 0
          ? `; ${refused!.attemptFails} connection attempts by programs on this machine failed in the same window, so the scanner is probably local`
          : '';
      alerts.push({
        kind: 'port-scan',
        severity: 'medium',
        message:
          `Possible port scan: in ${seconds} s the kernel refused ${describeRefused(refused!)}; ` +
          `which remote sent them is not in the counters, and no remote was seen connecting to many ports${local}`,
        at: now,
        pid: null,
        process: null,
        sockets: [],
        evidence: ['kernel-counters'],
        scan: details(null, []),
        subject: kernel,
        rule: null,
      });
    } else {
      pendingBurst = true; // wait one poll: the sockets of the same scan may show up then
    }
  }
  return { touches, samples, ended, episodes, pendingBurst };
}

function describeRefused(r: Refused): string {
  const refusedTcp = r.tcpResets - r.explained;
  const parts = [`${refusedTcp} TCP connection attempt${refusedTcp === 1 ? '' : 's'} (resets sent)`];
  if (r.udpNoPorts > 0) parts.push(`${r.udpNoPorts} UDP datagram${r.udpNoPorts === 1 ? '' : 's'} to closed ports`);
  let text = parts.join(', ');
  const aside: string[] = [];
  if (r.explained > 0) aside.push(`${r.explained} more reset${r.explained === 1 ? '' : 's'} ended this machine's own connections`);
  if (r.listenDrops > 0) aside.push(`${r.listenDrops} SYN${r.listenDrops === 1 ? '' : 's'} dropped at a full listen queue`);
  if (aside.length > 0) text += ` (not counted: ${aside.join('; ')})`;
  return text;
}

function portList(ports: number[]): string {
  return ports.length <= 12 ? ports.join(', ') : `${ports.slice(0, 12).join(', ')}, …`;
}
