// Port conflicts over one snapshot: ports split or shared between processes, and ports that are still
// busy after their server went. findConflicts is pure; the two OS facts it needs (the resolver's order
// for "localhost", the ephemeral port range) are read by the functions at the end of this file.
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { normaliseAddress, unmapped } from '../../shared/address.js';
import type { Conflict, ConflictKind, ConflictSeverity, LocalhostTarget } from '../../shared/conflicts.js';
import { CONFLICT_KINDS } from '../../shared/conflicts.js';
import type { Family, Protocol, Socket, SocketState } from '../../shared/model.js';
import { formatHost } from '../../shared/model.js';

export interface ConflictOptions {
  /** The families "localhost" resolves to, in the resolver's order (getaddrinfo, /etc/hosts, gai.conf). */
  localhostOrder: readonly Family[];
  /** Epoch ms of the snapshot: TIME_WAIT clears within 60 s of it. */
  now: number;
  /**
   * The kernel's range for client ports (net.ipv4.ip_local_port_range). A client that closed first
   * leaves TIME_WAIT on its own ephemeral port, which no server wants: still-busy is only reported
   * outside this range, or for ports in recentListeners.
   */
  ephemeralPorts?: readonly [number, number];
  /** "tcp:PORT" of ports that had a listener a short while ago (still-busy is reported for them anyway). */
  recentListeners?: ReadonlySet<string>;
}

/** Linux's default net.ipv4.ip_local_port_range. */
export const DEFAULT_EPHEMERAL_PORTS: readonly [number, number] = [32768, 60999];
/** TCP_TIMEWAIT_LEN: how long Linux keeps a TIME_WAIT socket. */
export const TIME_WAIT_MS = 60_000;

/** States in which a socket without a listener still holds its local port. */
const LINGERING: ReadonlySet<SocketState> = new Set(['TIME_WAIT', 'CLOSE_WAIT', 'FIN_WAIT1', 'FIN_WAIT2', 'LAST_ACK', 'CLOSING']);

/** A bound socket with the address and family it really serves (::ffff:a.b.c.d is IPv4). */
interface Bound {
  socket: Socket;
  address: string;
  family: Family;
  holder: string;
}

const WILDCARD: Record<Family, string> = { 4: '0.0.0.0', 6: '::' };
const LOOPBACK: Record<Family, string> = { 4: '127.0.0.1', 6: '::1' };

/** Same pid, same holder; sockets whose owner Portwatch cannot see count as one unknown holder. */
function holderOf(s: Socket): string {
  return s.pid === null ? 'unknown' : `pid ${s.pid}`;
}

/** "node (pid 123)", or what we can say of an owner we could not see. */
export function describeOwner(s: Pick<Socket, 'pid' | 'process'>): string {
  if (s.pid === null) return 'a process Portwatch cannot see (another user’s; run as root to name it)';
  return `${s.process?.name ?? 'a process'} (pid ${s.pid})`;
}

function bound(s: Socket): Bound {
  const address = unmapped(normaliseAddress(s.localAddress));
  return { socket: s, address, family: address.includes(':') ? 6 : 4, holder: holderOf(s) };
}

function holders(list: readonly Bound[]): Set<string> {
  return new Set(list.map((b) => b.holder));
}

function disjoint(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of a) if (b.has(x)) return false;
  return true;
}

/** One line per distinct holder: "node (pid 1)" or "node (pid 1) and python3 (pid 2)". */
function owners(list: readonly Bound[]): string {
  const seen = new Map<string, string>();
  for (const b of list) if (!seen.has(b.holder)) seen.set(b.holder, describeOwner(b.socket));
  return joinWords([...seen.values()]);
}

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

function pidsOf(sockets: readonly Socket[]): number[] {
  return [...new Set(sockets.flatMap((s) => (s.pid === null ? [] : [s.pid])))].sort((a, b) => a - b);
}

function endpoint(address: string, port: number): string {
  return `${formatHost(address)}:${port}`;
}

function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}

/**
 * The sockets that receive a client of address:port for one family: a socket bound to exactly that
 * address, else the family's wildcard, else (IPv4 only) a dual-stack [::]. A [::] covers IPv4 only
 * when no IPv4 socket is bound to the port: next to one it must be IPv6-only, or both use SO_REUSEPORT
 * and Linux prefers the socket of the client's own family.
 */
function receivers(list: readonly Bound[], family: Family, address: string): Bound[] {
  const exact = list.filter((b) => b.family === family && b.address === address);
  if (exact.length > 0) return exact;
  const wildcard = list.filter((b) => b.family === family && b.address === WILDCARD[family]);
  if (wildcard.length > 0) return wildcard;
  if (family === 4 && !list.some((b) => b.family === 4)) {
    return list.filter((b) => b.address === '::' && b.socket.family === 6);
  }
  return [];
}

function target(family: Family, list: readonly Bound[]): LocalhostTarget | null {
  const first = list[0];
  if (first === undefined) return null;
  return {
    family,
    address: LOOPBACK[family],
    boundAddress: first.address,
    pid: first.socket.pid,
    name: first.socket.process?.name ?? null,
  };
}

/** "resolves localhost to 127.0.0.1 first (then ::1)" and the family a client tries first. */
function resolverSays(order: readonly Family[]): string {
  const names = order.map((f) => LOOPBACK[f]);
  if (names.length === 0) return 'localhost does not resolve on this machine';
  if (names.length === 1) return `this machine resolves "localhost" to ${names[0]} only`;
  return `this machine resolves "localhost" to ${names[0]} first (then ${names.slice(1).join(', ')})`;
}

function where(b: Bound): string {
  if (b.address === '0.0.0.0') return 'on 0.0.0.0 (every IPv4 address, loopback included)';
  if (b.address === '::') return 'on [::] (every IPv6 address, and IPv4 too unless it is IPv6-only)';
  return `on ${formatHost(b.address)}`;
}

interface Group {
  protocol: Protocol;
  port: number;
  bound: Bound[];
}

/** Every conflict in a snapshot, by port, protocol and kind. */
export function findConflicts(sockets: readonly Socket[], options: ConflictOptions): Conflict[] {
  const groups = new Map<string, Group>();
  const lingering = new Map<number, Socket[]>();
  const tcpListening = new Set<number>();
  for (const s of sockets) {
    const isBound = s.protocol === 'tcp' ? s.state === 'LISTEN' : s.listening;
    if (isBound) {
      if (s.protocol === 'tcp') tcpListening.add(s.localPort);
      const key = `${s.protocol} ${s.localPort}`;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = { protocol: s.protocol, port: s.localPort, bound: [] }));
      g.bound.push(bound(s));
    } else if (s.protocol === 'tcp' && LINGERING.has(s.state)) {
      let list = lingering.get(s.localPort);
      if (list === undefined) lingering.set(s.localPort, (list = []));
      list.push(s);
    }
  }

  const out: Conflict[] = [];
  for (const g of groups.values()) {
    if (holders(g.bound).size < 2) continue; // one process (or only unseen ones) cannot conflict with itself
    const split = localhostSplit(g, options);
    if (split) out.push(split);
    const dual = dualStackSplit(g, options);
    if (dual) out.push(dual);
    out.push(...sharedPorts(g));
    out.push(...wildcardSpecific(g, options));
  }
  const [low, high] = options.ephemeralPorts ?? DEFAULT_EPHEMERAL_PORTS;
  for (const [port, list] of lingering) {
    if (tcpListening.has(port)) continue;
    const serverPort = port < low || port > high || options.recentListeners?.has(`tcp:${port}`) === true;
    if (serverPort) out.push(stillBusy(port, list, options.now));
  }
  const rank = (k: ConflictKind) => CONFLICT_KINDS.indexOf(k);
  return out.sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol) || rank(a.kind) - rank(b.kind) || a.id.localeCompare(b.id));
}

function conflict(
  g: Pick<Group, 'protocol' | 'port'>,
  kind: ConflictKind,
  severity: ConflictSeverity,
  list: readonly Socket[],
  summary: string,
  explanation: string,
  idSuffix = '',
): Conflict {
  const socketsSorted = [...list].sort((a, b) => a.family - b.family || a.localAddress.localeCompare(b.localAddress) || (a.pid ?? 0) - (b.pid ?? 0));
  return {
    id: `${kind} ${g.protocol} ${g.port}${idSuffix}`,
    port: g.port,
    protocol: g.protocol,
    kind,
    severity,
    summary,
    explanation,
    sockets: socketsSorted,
    pids: pidsOf(list),
  };
}

/** Where a client of "localhost:P" lands; for TCP a refused first address falls back to the next. */
function localhostReaches(g: Group, order: readonly Family[]): LocalhostTarget | null {
  for (const family of order) {
    const t = target(family, receivers(g.bound, family, LOOPBACK[family]));
    if (t !== null) return t;
    if (g.protocol === 'udp') return null; // a datagram to nobody is just lost: no fallback
  }
  return null;
}

function localhostSplit(g: Group, options: ConflictOptions): Conflict | null {
  const v4 = receivers(g.bound, 4, '127.0.0.1');
  const v6 = receivers(g.bound, 6, '::1');
  if (v4.length === 0 || v6.length === 0 || !disjoint(holders(v4), holders(v6))) return null;
  // Both wildcards is the dual-stack split; here at least one side chose the loopback on purpose.
  if (!v4.some((b) => b.address === '127.0.0.1') && !v6.some((b) => b.address === '::1')) return null;
  const P = g.protocol.toUpperCase();
  const reaches = localhostReaches(g, options.localhostOrder);
  const [reached, other] = reaches?.family === 6 ? [v6, v4] : [v4, v6];
  const otherAddress = reaches?.family === 6 ? '127.0.0.1' : '::1';
  let who: string;
  if (reaches === null) {
    who = `${resolverSays(options.localhostOrder)}, so neither is reached by the name localhost; clients must use 127.0.0.1:${g.port} or [::1]:${g.port}.`;
  } else {
    const fallback =
      g.protocol === 'tcp' && options.localhostOrder.length > 1
        ? ` (a client falls back to ${formatHost(otherAddress)} only when nothing answers on the first address)`
        : '';
    who =
      `${resolverSays(options.localhostOrder)}, so a client of localhost:${g.port} — a browser, curl, a test runner — reaches ${owners(reached)}. ` +
      `The other, ${owners(other)}, is reachable only as ${endpoint(otherAddress, g.port)}, never by the name localhost${fallback}.`;
  }
  const explanation =
    `Two processes share ${P} port ${g.port} on the loopback, one per IP version: ${owners(v4)} ${where(v4[0]!)}, and ${owners(v6)} ${where(v6[0]!)}. ` +
    `${capitalise(who)} Stop one of them, or move one to another port, so that "localhost:${g.port}" means one server.`;
  const c = conflict(
    g,
    'localhost-split',
    'warning',
    [...v4, ...v6].map((b) => b.socket),
    `localhost:${g.port} (${g.protocol}) is split: ${reaches ? `reaches ${reaches.name ?? 'an unknown process'}${reaches.pid === null ? '' : ` (pid ${reaches.pid})`} over IPv${reaches.family}` : 'does not resolve'}`,
    explanation,
  );
  c.localhostReaches = reaches;
  return c;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function dualStackSplit(g: Group, options: ConflictOptions): Conflict | null {
  const v4 = g.bound.filter((b) => b.family === 4 && b.address === '0.0.0.0');
  const v6 = g.bound.filter((b) => b.socket.family === 6 && b.address === '::');
  if (v4.length === 0 || v6.length === 0 || !disjoint(holders(v4), holders(v6))) return null;
  const P = g.protocol.toUpperCase();
  const reaches = localhostReaches(g, options.localhostOrder);
  const localhost =
    reaches === null
      ? ''
      : ` Here "localhost:${g.port}" resolves to ${reaches.address} first and so reaches ${reaches.name ?? 'an unknown process'}${reaches.pid === null ? '' : ` (pid ${reaches.pid})`}.`;
  const how = g.protocol === 'tcp' ? 'SO_REUSEPORT' : 'SO_REUSEADDR or SO_REUSEPORT';
  const explanation =
    `${P} port ${g.port} is split by IP version between two processes: ${owners(v4)} is bound to 0.0.0.0:${g.port} (every IPv4 address) and ${owners(v6)} to [::]:${g.port} (every IPv6 address). ` +
    `On Linux a [::] socket normally takes IPv4 too (dual-stack), so the two can only coexist because the [::] socket is IPv6-only (IPV6_V6ONLY) or both set ${how}; /proc/net does not show which. ` +
    `Either way IPv4 clients reach ${owners(v4)} and IPv6 clients reach ${owners(v6)}, so the same client reaches a different server depending on the address family it picks.${localhost} ` +
    `Run one server for both families, or give them different ports.`;
  const c = conflict(
    g,
    'dual-stack-split',
    'warning',
    [...v4, ...v6].map((b) => b.socket),
    `${g.protocol} ${g.port}: IPv4 goes to ${v4[0]!.socket.process?.name ?? 'one process'}, IPv6 to ${v6[0]!.socket.process?.name ?? 'another'}`,
    explanation,
  );
  c.localhostReaches = reaches;
  return c;
}

function sharedPorts(g: Group): Conflict[] {
  const byAddress = new Map<string, Bound[]>();
  for (const b of g.bound) {
    const key = `${b.family} ${b.address}`;
    const list = byAddress.get(key);
    if (list) list.push(b);
    else byAddress.set(key, [b]);
  }
  const out: Conflict[] = [];
  for (const list of byAddress.values()) {
    if (holders(list).size < 2) continue;
    const address = list[0]!.address;
    const users = new Set(list.flatMap((b) => (b.socket.process?.uid == null ? [] : [b.socket.process.uid])));
    const userNames = [...new Map(list.flatMap((b) => (b.socket.process?.uid == null ? [] : [[b.socket.process.uid, b.socket.process.user ?? `uid ${b.socket.process.uid}`] as const]))).values()];
    const names = new Set(list.map((b) => b.socket.process?.exe ?? b.socket.process?.name ?? '?'));
    const hijack = users.size > 1;
    const unseen = list.some((b) => b.socket.pid === null);
    const pool = !hijack && !unseen && names.size === 1;
    const severity: ConflictSeverity = hijack ? 'danger' : pool ? 'info' : 'warning';
    const count = holders(list).size;
    const at = endpoint(address, g.port);
    let explanation: string;
    if (g.protocol === 'tcp') {
      explanation =
        `${count} processes listen on ${at} at once (SO_REUSEPORT): ${owners(list)}. ` +
        `The kernel spreads new connections between them by a hash of each client's address and port, so any one client may reach any of them.`;
    } else {
      explanation =
        `${count} processes are bound to UDP ${at} at once (SO_REUSEADDR or SO_REUSEPORT): ${owners(list)}. ` +
        `With SO_REUSEPORT the kernel spreads datagrams between them by sender; with SO_REUSEADDR one of them (usually the last bound) gets each unicast datagram, and all of them get broadcasts and multicasts.`;
    }
    if (hijack) {
      explanation +=
        ` They run as different users (${joinWords(userNames)}): a process of one user receiving traffic meant for another user's server is how a port is hijacked — check that each of them is supposed to be there.`;
    } else if (unseen) {
      explanation += ` One of them belongs to a process Portwatch cannot inspect, probably another user's: run Portwatch as root to see who it is.`;
    } else if (pool) {
      explanation += ` They are the same program run by the same user: usually a pool of workers sharing the port on purpose.`;
    } else {
      explanation += ` They are different programs: if only one of them should serve this port, stop the other.`;
    }
    const c = conflict(
      g,
      'shared-port',
      severity,
      list.map((b) => b.socket),
      `${at} (${g.protocol}) is shared by ${count} processes${hijack ? ' of different users' : ''}`,
      explanation,
      ` ${address}`,
    );
    c.possibleHijack = hijack;
    out.push(c);
  }
  return out;
}

function wildcardSpecific(g: Group, options: ConflictOptions): Conflict[] {
  const out: Conflict[] = [];
  for (const family of [4, 6] as const) {
    const wild = g.bound.filter((b) => b.family === family && b.address === WILDCARD[family]);
    if (wild.length === 0) continue;
    const wildHolders = holders(wild);
    const specific = g.bound.filter((b) => b.family === family && b.address !== WILDCARD[family] && !wildHolders.has(b.holder));
    if (specific.length === 0) continue;
    const byAddress = new Map<string, Bound[]>();
    for (const b of specific) byAddress.set(b.address, [...(byAddress.get(b.address) ?? []), b]);
    const lines = [...byAddress].map(([address, list]) => {
      const viaLocalhost = address === LOOPBACK[family] && options.localhostOrder[0] === family ? ` (and localhost:${g.port}, which resolves to ${address} first here)` : '';
      return `clients of ${endpoint(address, g.port)}${viaLocalhost} reach ${owners(list)}`;
    });
    const P = g.protocol.toUpperCase();
    const any = family === 4 ? 'IPv4' : 'IPv6';
    const how = g.protocol === 'tcp' ? 'SO_REUSEPORT on both sockets' : 'SO_REUSEADDR (or SO_REUSEPORT) on both sockets';
    const explanation =
      `On ${P} port ${g.port}, ${owners(wild)} listens on every ${any} address (${endpoint(WILDCARD[family], g.port)}), while ${joinWords([...byAddress].map(([address, list]) => `${owners(list)} is bound to ${endpoint(address, g.port)} only`))}. ` +
      `Linux hands each ${g.protocol === 'tcp' ? 'connection' : 'datagram'} to the most specific match: ${joinWords(lines)}; clients of any other ${any} address of this machine reach ${owners(wild)}. ` +
      `On Linux this takes ${how}. Clients get a different server depending on which address of this machine they use.`;
    out.push(
      conflict(
        g,
        'wildcard-specific',
        'warning',
        [...wild, ...specific].map((b) => b.socket),
        `${g.protocol} ${g.port}: ${wild[0]!.socket.process?.name ?? 'one process'} on ${endpoint(WILDCARD[family], g.port)}, ${specific[0]!.socket.process?.name ?? 'another'} on ${endpoint(specific[0]!.address, g.port)}`,
        explanation,
        ` ${family}`,
      ),
    );
  }
  return out;
}

function stillBusy(port: number, list: readonly Socket[], now: number): Conflict {
  const count = (state: SocketState) => list.filter((s) => s.state === state).length;
  const timeWait = count('TIME_WAIT');
  const closeWait = list.filter((s) => s.state === 'CLOSE_WAIT');
  const others = list.length - timeWait - closeWait.length;
  const parts: string[] = [];
  if (timeWait > 0) parts.push(`${timeWait} in TIME_WAIT`);
  if (closeWait.length > 0) parts.push(`${closeWait.length} in CLOSE_WAIT`);
  if (others > 0) parts.push(`${others} closing (${[...new Set(list.filter((s) => s.state !== 'TIME_WAIT' && s.state !== 'CLOSE_WAIT').map((s) => s.state))].join(', ')})`);
  const clearsBy = timeWait === list.length ? now + TIME_WAIT_MS : null;
  let explanation =
    `Nothing listens on TCP port ${port}, but ${list.length === 1 ? '1 socket still holds' : `${list.length} sockets still hold`} it: ${joinWords(parts)}. ` +
    `A server that binds port ${port} without SO_REUSEADDR fails with "address already in use" until they are gone (servers that set it — Node, and most frameworks — can start anyway).`;
  if (timeWait > 0) {
    explanation += ` TIME_WAIT sockets are connections this side closed; Linux keeps each for 60 s (TCP_TIMEWAIT_LEN) to catch late packets, so they are gone by ${clockTime(now + TIME_WAIT_MS)} at the latest.`;
  }
  if (closeWait.length > 0) {
    const holders = [...new Map(closeWait.map((s) => [holderOf(s), describeOwner(s)])).values()];
    explanation += ` CLOSE_WAIT sockets are connections the other side closed and ${joinWords(holders)} has not: they stay until that process closes them or exits — if they pile up, that program leaks sockets.`;
  }
  const c = conflict(
    { protocol: 'tcp', port },
    'still-busy',
    'info',
    list,
    `tcp ${port} has no listener but is still busy (${joinWords(parts)})`,
    explanation,
  );
  c.clearsBy = clearsBy;
  return c;
}

// What the OS says, read outside the pure functions above and cached.

const LOCALHOST_TTL_MS = 60_000;
let localhostCache: { at: number; order: Promise<Family[]> } | null = null;

/**
 * The families "localhost" resolves to, in the order a client tries them: dns.lookup follows
 * getaddrinfo (/etc/hosts, gai.conf), and verbatim keeps its order. Cached for a minute.
 */
export function localhostOrder(now = Date.now()): Promise<Family[]> {
  if (localhostCache === null || now - localhostCache.at > LOCALHOST_TTL_MS) {
    const order = lookup('localhost', { all: true, verbatim: true }).then(
      (addresses) => [...new Set(addresses.map((a) => (a.family === 6 ? 6 : 4) as Family))],
      () => [] as Family[],
    );
    localhostCache = { at: now, order };
  }
  return localhostCache.order;
}

/** net.ipv4.ip_local_port_range, or Linux's default where it cannot be read. */
export function ephemeralPortRange(procRoot = '/proc'): readonly [number, number] {
  try {
    const [low, high] = readFileSync(`${procRoot}/sys/net/ipv4/ip_local_port_range`, 'latin1').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low! <= high!) return [low!, high!];
  } catch {
    // Not Linux, or no procfs: the default.
  }
  return DEFAULT_EPHEMERAL_PORTS;
}
