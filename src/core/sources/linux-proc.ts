// The Linux socket source: the socket tables (NETLINK_SOCK_DIAG through the native addon, or
// /proc/net), /proc/PID/fd links for their owners, tcp_info and TCP-destroy messages for traffic.
//
// ss and psutil read everything on every call. A monitor polls forever, so this source keeps what it
// learned and does work in proportion to what changed: the addon compares each dump with the previous
// one and hands over only sockets added, changed or removed, and counters that moved; owners
// (pid + start time) are kept per socket and checked once per process per poll; fd tables are read
// once per process and then only for fds that are new. A quiet poll of 10,000 sockets touches no
// socket in JavaScript.
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import type { Protocol, ProcessInfo, Socket } from '../../shared/model.js';
import { socketId } from '../../shared/model.js';
import type { ScopeNote } from '../../shared/status.js';
import type { TrafficAvailability } from '../../shared/traffic.js';
import { sameSocket } from '../../shared/model.js';
import { readNetDev } from './net-dev.js';
import { loadSockDiag, type DiagRow, type SockDiag, type SockDiagPoll } from './netlink.js';
import type { ProcNetRow } from './proc-net.js';
import { procClock, readProcessInfo, readProcStat, UserNames, type ProcClock, type ProcStat } from './proc-process.js';
import { ProcTables } from './proc-tables.js';
import {
  emptyWarnings,
  type ClosedConnection,
  type CounterMove,
  type Sample,
  type SocketSource,
  type SourceChanges,
  type SourceWarnings,
  type TrafficSample,
} from './source.js';

/** A table row with its counters (null where the table has none: /proc/net, UDP). */
type Row = ProcNetRow & { bytesSent: number | null; bytesReceived: number | null; rttMs: number | null };

/** One process identity holding sockets: pid + start time (a pid handed out again is another process). */
interface Owner {
  pid: number;
  startTicks: number;
  /** comm and the exe link as last checked: either changing under the same identity is an exec. */
  comm: string;
  exe: string | null;
  /** The details, read once per identity and again after an exec (undefined until first read). */
  info: ProcessInfo | null | undefined;
  entries: Set<Entry>;
  /** [this owner]: the holders of each socket it alone holds (most sockets), one array for them all. */
  alone: Owner[];
}

/** One socket the tables hold. */
interface Entry {
  row: Row;
  socket: Socket;
  /** Holders found, lowest pid first; empty when none is known. */
  holders: Owner[];
  /** Lookups that found no holder. */
  misses: number;
  /** In `orphans`: it has an inode and no holder known. */
  orphan: boolean;
}

/**
 * What we know of one process's fd table: fd number → socket inode (0 for anything else), as the
 * (fd, inode) pairs the addon read, turned into a map only when an fd-by-fd read needs one.
 */
interface FdTable {
  /** -1 until a stat read confirms whose table it is. */
  startTicks: number;
  /** How many fds it had when read. */
  count: number;
  fds: Map<number, number> | null;
  pairs: Uint32Array | null;
}

function fdMap(table: FdTable): Map<number, number> {
  if (table.fds === null) {
    const fds = new Map<number, number>();
    const p = table.pairs ?? new Uint32Array(0);
    for (let i = 0; i < p.length; i += 2) fds.set(p[i]!, p[i + 1]!);
    table.fds = fds;
    table.pairs = null;
  }
  return table.fds;
}

/** How much work a poll did, for the bench and the status line. */
export interface ProcPollStats {
  /** Sockets held now. */
  rows: number;
  /** Inodes that needed an owner this poll. */
  lookups: number;
  /** Processes whose fd directory was listed, and fd links read. */
  fdDirsListed: number;
  fdLinksRead: number;
  /** Process identities verified (stat reads). */
  statReads: number;
  /** Sockets handed to the caller as added, changed or removed. */
  changes: number;
  /** The kernel's dump left out ESTABLISHED sockets, none having come or gone (SockDiagPoll). */
  establishedSkipped: boolean;
}

// What a poll that did nothing did: the stats before the first poll, and each poll's to fill in.
const noWork = (): ProcPollStats => ({ rows: 0, lookups: 0, fdDirsListed: 0, fdLinksRead: 0, statReads: 0, changes: 0, establishedSkipped: false });

export interface LinuxProcOptions {
  /** Root of procfs; tests never need another, but it keeps the source honest about its inputs. */
  procRoot?: string;
  /** Give up on an inode no process could be found for after this many polls. */
  unresolvedRetries?: number;
  /**
   * Read the tables through NETLINK_SOCK_DIAG when the addon is built and works, /proc/net otherwise.
   * Default: on with the real /proc, off with another procRoot (netlink always sees the real kernel).
   */
  netlink?: boolean;
  /**
   * Traffic: tcp_info counters on each TCP socket, the final counters of connections that close between
   * two polls, interface totals. Default on; a Monitor turns it on only while something wants traffic
   * (measureTraffic). Off saves the kernel the tcp_info of every connection.
   */
  traffic?: boolean;
}

const PROTOCOLS: ReadonlySet<Protocol> = new Set(['tcp', 'udp']);
/** The shortest time between two passes that read every fd on the machine again. */
const FULL_PASS_MS = 30_000;
/** How often the holders of shared sockets are read again (they may close their copy). */
const SHARED_CHECK_POLLS = 16;
/** A process started this recently may still be reusing fd numbers it had for files (see attribute). */
const YOUNG_MS = 10_000;

export class LinuxProcSource implements SocketSource {
  /** 'linux-netlink' or 'linux-proc': where the tables come from, shown in the status line. */
  get name(): string {
    return this.diag === null ? 'linux-proc' : 'linux-netlink';
  }
  private readonly proc: string;
  private readonly retries: number;
  private traffic: boolean;
  private readonly clock: ProcClock;
  private readonly users = new UserNames();
  /** The netlink reader, or null to read /proc/net (not built, refused, or failed once). */
  private diag: SockDiag | null;
  private diagWhyNot: string | null = null;
  /** Protocols read from /proc/net: all without netlink, those the kernel would not dump with it. */
  private procProtocols = new Set<Protocol>();
  private readonly procTables: ProcTables;
  private started = false;

  /** Sockets by row key (cookie, or /proc/net's raw columns). */
  private readonly entries = new Map<string | number, Entry>();
  private readonly byInode = new Map<number, Entry>();
  /** The socket shown for each id, and other live sockets with the same id (rare: a tuple reused mid-dump). */
  private readonly byId = new Map<string, Socket>();
  private readonly dupes = new Map<string, Entry[]>();
  /** TCP listeners by port, to credit a connection shorter than a poll to the listener that accepted it. */
  private readonly listeners = new Map<number, Set<Entry>>();
  /** TCP sockets in TIME_WAIT by 4-tuple, to give them their connection's final counts. */
  private readonly timeWait = new Map<string, Entry>();
  /** Sockets with an inode and no known holder; those still being looked for. */
  private readonly orphans = new Set<Entry>();
  private readonly unresolved = new Set<Entry>();
  /** Processes that let go of a socket since their fd table was read (an fd number freed). */
  private readonly fdStale = new Set<number>();
  /** Sockets more than one process holds. */
  private readonly shared = new Set<Entry>();
  private polls = 0;
  /** When whole fd tables were last read again for sockets missed before (see attribute). */
  private lastFullPass = -Infinity;
  private readonly owners = new Map<number, Owner>();
  private readonly fdTables = new Map<number, FdTable>();
  private knownPids = new Set<number>();
  /** When each process was first seen, for the few seconds it counts as starting (see attribute). */
  private readonly firstSeen = new Map<number, number>();
  /** Network namespace of each process seen (when readable), and ours. */
  private readonly netnsOf = new Map<number, string>();
  private readonly ownNetns: string | null;
  /** Whether the size of /proc/PID/fd is its number of fds (procfs on Linux 6.2+; never a staged root). */
  private readonly countsFds: boolean;
  lastStats: ProcPollStats = noWork();

  constructor(options: LinuxProcOptions = {}) {
    this.proc = options.procRoot ?? '/proc';
    this.retries = options.unresolvedRetries ?? 1;
    this.traffic = options.traffic ?? true;
    this.clock = procClock(this.proc);
    this.procTables = new ProcTables(this.proc);
    this.diag = (options.netlink ?? this.proc === '/proc') ? loadSockDiag({ onError: (reason) => (this.diagWhyNot = reason) }) : null;
    if (this.diag === null) {
      this.procProtocols = new Set(PROTOCOLS);
      this.diagWhyNot ??= 'the tables are read from another procfs';
    }
    this.ownNetns = readLink(`${this.proc}/self/ns/net`);
    this.countsFds = this.proc === '/proc' && fdCountIsSize();
  }

  /** Where the socket tables come from: for the status line and the bench. */
  get tables(): 'netlink' | 'proc' {
    return this.diag === null ? 'proc' : 'netlink';
  }

  reset(): void {
    this.entries.clear();
    this.byInode.clear();
    this.byId.clear();
    this.dupes.clear();
    this.listeners.clear();
    this.timeWait.clear();
    this.orphans.clear();
    this.unresolved.clear();
    this.shared.clear();
    this.owners.clear();
    this.fdTables.clear();
    this.fdStale.clear();
    this.lastFullPass = -Infinity;
    this.knownPids = new Set();
    this.firstSeen.clear();
    this.netnsOf.clear();
    this.procTables.reset();
    this.started = false;
    if (this.diag !== null) this.procProtocols.clear();
  }

  close(): void {
    this.diag?.close();
  }

  measureTraffic(on: boolean): void {
    this.traffic = on;
  }

  /** Every socket as of a new poll (the CLI's snapshot, `who`, tests). */
  async sample(): Promise<Sample> {
    return this.sampleSync();
  }

  sampleSync(): Sample {
    const changes = this.pollSync();
    const sockets: Socket[] = [];
    for (const socket of this.byId.values()) sockets.push(socket);
    return { takenAt: changes.takenAt, sockets, warnings: changes.warnings };
  }

  async poll(): Promise<SourceChanges> {
    return this.pollSync();
  }

  /** Synchronous on purpose: thousands of tiny procfs reads cost far less CPU without the thread pool. */
  pollSync(): SourceChanges {
    const takenAt = Date.now();
    const warnings = emptyWarnings();
    const stats = noWork();
    const first = !this.started;
    this.started = true;
    const poll = new PollState(takenAt);

    const read = this.readTables(first, warnings);
    stats.establishedSkipped = read.netlink?.establishedSkipped ?? false;
    const closed = read.netlink === null ? [] : this.closeConnections(read.netlink, poll);
    for (const key of read.removed) {
      const e = this.entries.get(key);
      if (e !== undefined) this.forget(e, poll);
    }
    for (const row of read.changed) this.update(row, poll);
    for (const row of read.added) {
      if (this.entries.has(row.key)) this.update(row, poll);
      else this.add(row, poll);
    }
    if (read.netlink !== null) {
      for (const m of read.netlink.moved) {
        const e = this.entries.get(m.key);
        if (e === undefined || e.socket === EMPTY_SOCKET || m.bytesSent === null || m.bytesReceived === null) continue;
        // The common move, made final here: the socket is published and stays (gone ones came in `removed`).
        poll.moves.push({ socket: e.socket, sentBefore: e.row.bytesSent ?? 0, receivedBefore: e.row.bytesReceived ?? 0 });
        e.row.bytesSent = Math.max(m.bytesSent, e.row.bytesSent ?? 0);
        e.row.bytesReceived = Math.max(m.bytesReceived, e.row.bytesReceived ?? 0);
        e.row.rttMs = m.rttMs;
        // In place: counters never make a socket "changed" (see Socket.bytesSent).
        e.socket.bytesSent = e.row.bytesSent;
        e.socket.bytesReceived = e.row.bytesReceived;
        e.socket.rttMs = m.rttMs;
      }
    }

    const livePids = this.listPids();
    this.verifyOwners(livePids, poll, stats);
    let lookups = 0;
    for (const e of this.unresolved) if (e.misses <= this.retries) lookups++;
    for (const e of poll.fresh) if (e.row.inode !== 0) lookups++;
    stats.lookups = lookups;
    // New processes first (their fds are read whole anyway); what they do not hold is looked for after.
    this.scanNewProcesses(livePids, poll, stats, warnings, first);
    const needed = new Map<number, Entry>();
    for (const e of this.unresolved) if (e.misses <= this.retries && e.holders.length === 0) needed.set(e.row.inode, e);
    for (const e of poll.fresh) if (e.row.inode !== 0 && e.holders.length === 0 && this.entries.get(e.row.key) === e) needed.set(e.row.inode, e);
    if (needed.size > 0) this.attribute(needed, livePids, poll, stats, warnings);
    this.knownPids = livePids;
    for (const pid of this.fdTables.keys()) if (!livePids.has(pid)) this.fdTables.delete(pid);
    for (const pid of this.fdStale) if (!livePids.has(pid)) this.fdStale.delete(pid);
    for (const pid of this.netnsOf.keys()) if (!livePids.has(pid)) this.netnsOf.delete(pid);
    for (const [pid, at] of this.firstSeen) if (!livePids.has(pid) || takenAt - at > YOUNG_MS) this.firstSeen.delete(pid);

    const out = this.publish(poll, takenAt);
    warnings.unattributed = this.orphans.size;
    stats.rows = this.byId.size;
    stats.changes = out.added.length + out.changed.length + out.removed.length;
    this.lastStats = stats;
    return {
      takenAt,
      ...out,
      table: this.byId,
      warnings,
      traffic: this.traffic ? this.trafficSample(read.netlink, poll, closed) : null,
      scope: this.scope(),
    };
  }

  // ---- the tables ----

  private readTables(
    first: boolean,
    warnings: SourceWarnings,
  ): { added: Row[]; changed: Row[]; removed: Array<string | number>; netlink: SockDiagPoll | null } {
    const added: Row[] = [];
    const changed: Row[] = [];
    const removed: Array<string | number> = [];
    let netlink: SockDiagPoll | null = null;
    if (this.diag !== null) {
      try {
        netlink = this.diag.poll({
          tcp: !this.procProtocols.has('tcp'),
          udp: !this.procProtocols.has('udp'),
          traffic: this.traffic,
          closed: this.traffic,
          full: first,
        });
        for (const r of netlink.added) added.push(r);
        for (const r of netlink.changed) changed.push(r);
        for (const k of netlink.removed) removed.push(k);
        // A protocol the kernel will not dump on the first poll (UDP without udp_diag) is read from
        // /proc/net from then on; a later refusal keeps what was known and tries again next poll.
        if (first) {
          if (!netlink.tcp) this.procProtocols.add('tcp');
          if (!netlink.udp) this.procProtocols.add('udp');
        }
      } catch (e) {
        // The netlink socket failed: /proc/net from now on. Its rows come under other keys: the ids,
        // and so what the caller sees, stay the same.
        this.diagWhyNot = (e as Error).message;
        this.diag.close();
        this.diag = null;
        netlink = null;
        for (const key of this.entries.keys()) removed.push(key);
        this.procProtocols = new Set(PROTOCOLS);
        this.procTables.reset();
      }
    }
    if (this.procProtocols.size > 0) {
      const t = this.procTables.read(this.procProtocols);
      warnings.skippedLines += t.skipped;
      for (const r of t.added) added.push({ ...r, bytesSent: null, bytesReceived: null, rttMs: null });
      for (const k of t.removed) removed.push(k);
    }
    return { added, changed, removed, netlink };
  }

  // ---- sockets coming, changing, going ----

  private add(row: Row, poll: PollState): void {
    // A connection shorter than a poll: its TIME_WAIT successor (another cookie: the kernel gives one
    // only when asked, and nobody asked before it closed) shows the final counts of its record.
    const final = row.bytesSent === null && row.state === 'TIME_WAIT' ? poll.finals.get(tupleKey(row)) : undefined;
    if (final !== undefined) {
      row.bytesSent = final.bytesSent;
      row.bytesReceived = final.bytesReceived;
      row.rttMs ??= final.rttMs;
    }
    const e: Entry = { row, socket: EMPTY_SOCKET, holders: NO_HOLDERS, misses: 0, orphan: false };
    this.entries.set(row.key, e);
    // Looked up in this poll (see pollSync); an orphan only if nobody holds it then.
    if (row.inode !== 0) this.byInode.set(row.inode, e);
    if (row.protocol === 'tcp' && row.listening) this.indexListener(e, true);
    if (row.state === 'TIME_WAIT') this.timeWait.set(tupleKey(row), e);
    poll.fresh.push(e);
    // Counted already, through its closed-connection record, when it has final counts.
    if (final === undefined && row.bytesSent !== null && row.bytesReceived !== null && (row.bytesSent > 0 || row.bytesReceived > 0)) {
      poll.moved.push({ entry: e, sentBefore: 0, receivedBefore: 0 });
    }
  }

  private update(row: Row, poll: PollState): void {
    const e = this.entries.get(row.key)!;
    const before = e.row;
    if (row.inode !== before.inode) {
      if (before.inode !== 0 && this.byInode.get(before.inode) === e) this.byInode.delete(before.inode);
      for (const o of e.holders) this.fdStale.add(o.pid);
      this.setHolders(e, [], poll);
      this.unresolved.delete(e);
      this.setOrphan(e, false);
      e.misses = 0;
      if (row.inode !== 0) {
        this.byInode.set(row.inode, e);
        this.setOrphan(e, true);
        this.unresolved.add(e);
      }
    }
    if (before.protocol === 'tcp' && before.listening) this.indexListener(e, false);
    if (before.state === 'TIME_WAIT' && this.timeWait.get(tupleKey(before)) === e) this.timeWait.delete(tupleKey(before));
    if (row.state === 'TIME_WAIT') this.timeWait.set(tupleKey(row), e);
    // A dump without tcp_info for it (TIME_WAIT) keeps the counters last seen, or the final ones.
    if (row.bytesSent === null && before.bytesSent !== null) {
      row.bytesSent = before.bytesSent;
      row.bytesReceived = before.bytesReceived;
    }
    else if (row.bytesSent !== null && before.bytesSent !== null) {
      // A connection's counts only grow; a dump taken before its closed-connection record (the
      // final counts) came in must not take them back.
      row.bytesSent = Math.max(row.bytesSent, before.bytesSent);
      row.bytesReceived = Math.max(row.bytesReceived!, before.bytesReceived ?? 0);
    }
    if (row.rttMs === null) row.rttMs = before.rttMs;
    e.row = row;
    if (row.protocol === 'tcp' && row.listening) this.indexListener(e, true);
    poll.dirty.add(e);
    if (row.bytesSent !== null && row.bytesReceived !== null && (row.bytesSent !== before.bytesSent || row.bytesReceived !== before.bytesReceived)) {
      poll.moved.push({ entry: e, sentBefore: before.bytesSent ?? 0, receivedBefore: before.bytesReceived ?? 0 });
    }
  }

  private forget(e: Entry, poll: PollState): void {
    this.entries.delete(e.row.key);
    if (e.row.inode !== 0 && this.byInode.get(e.row.inode) === e) this.byInode.delete(e.row.inode);
    if (e.row.protocol === 'tcp' && e.row.listening) this.indexListener(e, false);
    if (e.row.state === 'TIME_WAIT' && this.timeWait.get(tupleKey(e.row)) === e) this.timeWait.delete(tupleKey(e.row));
    // Its fd number is free now and may come back as another socket: the quick pass must look.
    for (const o of e.holders) this.fdStale.add(o.pid);
    for (const o of e.holders) this.release(o, e);
    this.shared.delete(e);
    this.setOrphan(e, false);
    this.unresolved.delete(e);
    poll.dirty.delete(e);
    if (e.socket !== EMPTY_SOCKET) poll.gone.push(e);
  }

  private indexListener(e: Entry, on: boolean): void {
    const port = e.row.localPort;
    let set = this.listeners.get(port);
    if (on) {
      if (set === undefined) this.listeners.set(port, (set = new Set()));
      set.add(e);
    } else if (set !== undefined) {
      set.delete(e);
      if (set.size === 0) this.listeners.delete(port);
    }
  }

  /**
   * Connections the kernel destroyed since the last poll, with their final counters: credited to the
   * owner an earlier dump found for them, or for a connection shorter than a poll, to the owner of
   * the listener that accepted it; otherwise to no one (unattributed), never dropped.
   */
  private closeConnections(read: SockDiagPoll, poll: PollState): ClosedConnection[] {
    const out: ClosedConnection[] = [];
    for (const c of read.closed) {
      const final = c.row;
      if (final.bytesSent === null || final.bytesReceived === null) continue;
      const e = c.known ? this.entries.get(final.key) : undefined;
      if (e !== undefined) {
        const sent = Math.max(0, final.bytesSent - (e.row.bytesSent ?? 0));
        const received = Math.max(0, final.bytesReceived - (e.row.bytesReceived ?? 0));
        e.row.bytesSent = final.bytesSent;
        e.row.bytesReceived = final.bytesReceived;
        if (e.socket === EMPTY_SOCKET) continue;
        e.socket.bytesSent = final.bytesSent;
        e.socket.bytesReceived = final.bytesReceived;
        out.push({ socket: e.socket, owner: e.socket.process, pid: e.socket.pid, sent, received });
        continue;
      }
      // Its TIME_WAIT successor shows these final counts: one seen already, or one new in this poll.
      const tw = this.timeWait.get(tupleKey(final));
      if (tw !== undefined && tw.row.bytesSent === null && tw.socket !== EMPTY_SOCKET) {
        tw.row.bytesSent = tw.socket.bytesSent = final.bytesSent;
        tw.row.bytesReceived = tw.socket.bytesReceived = final.bytesReceived;
      } else poll.finals.set(tupleKey(final), final);
      const owner = this.listenerOwner(final);
      const { protocol, family, localAddress, localPort, remoteAddress, remotePort, bytesSent, bytesReceived } = final;
      out.push({
        socket: null,
        owner: owner?.info ?? null,
        pid: owner?.pid ?? null,
        sent: final.bytesSent,
        received: final.bytesReceived,
        connection: { protocol, family, localAddress, localPort, remoteAddress, remotePort, bytesSent, bytesReceived },
      });
    }
    return out;
  }

  /** The one process holding every TCP listener this connection's local end could have been accepted by. */
  private listenerOwner(row: DiagRow): Owner | null {
    const candidates = this.listeners.get(row.localPort);
    if (candidates === undefined) return null;
    let found: Owner | null = null;
    for (const l of candidates) {
      if (!listenerCovers(l.row, row)) continue;
      const o = l.holders[0];
      if (o === undefined) return null;
      if (found !== null && found !== o) return null; // two programs share the port: say no one rather than guess
      found = o;
    }
    return found;
  }

  // ---- owners ----

  private listPids(): Set<number> {
    const pids = new Set<number>();
    for (const name of readdirSync(this.proc)) {
      const c = name.charCodeAt(0);
      if (c >= 48 && c <= 57) pids.add(Number(name));
    }
    return pids;
  }

  /**
   * Checks each process credited with sockets once: still the same process (pid + start time), and
   * still the same program (comm and exe link). A process gone lets go of its sockets (they are looked
   * up again unless another holder remains); an exec re-reads its details and re-emits its sockets.
   */
  private verifyOwners(livePids: Set<number>, poll: PollState, stats: ProcPollStats): void {
    const refresh = new Set<Owner>();
    for (const owner of [...this.owners.values()]) {
      let stat: ProcStat | null = null;
      if (livePids.has(owner.pid)) {
        stat = readProcStat(this.proc, owner.pid);
        stats.statReads++;
      }
      if (stat === null || stat.startTicks !== owner.startTicks) {
        this.owners.delete(owner.pid);
        for (const e of owner.entries) {
          this.setHolders(
            e,
            e.holders.filter((o) => o !== owner),
            poll,
          );
        }
        continue;
      }
      const exe = readLink(`${this.proc}/${owner.pid}/exe`);
      if (stat.comm !== owner.comm || exe !== owner.exe) {
        owner.comm = stat.comm;
        owner.exe = exe;
        if (owner.info !== undefined) {
          const info = readProcessInfo(this.proc, stat, this.clock, this.users);
          if (!sameInfo(owner.info, info)) {
            owner.info = info;
            for (const e of owner.entries) poll.dirty.add(e);
          }
        }
        // An exec closes close-on-exec fds: a process seen between fork and exec no longer holds
        // its parent's sockets.
        refresh.add(owner);
      }
    }
    // A process that shares a socket may close its copy while the others keep it: check now and then.
    if (++this.polls % SHARED_CHECK_POLLS === 0) for (const e of this.shared) for (const o of e.holders) refresh.add(o);
    for (const owner of refresh) if (this.owners.get(owner.pid) === owner) this.refreshHoldings(owner, poll, stats);
  }

  /** Reads a process's whole fd table again and lets go of the sockets it no longer holds. */
  private refreshHoldings(owner: Owner, poll: PollState, stats: ProcPollStats): void {
    this.fdTables.delete(owner.pid);
    const result = this.scanFds(owner.pid, null, true, poll, stats);
    if (result === 'denied') return;
    const table = this.fdTables.get(owner.pid);
    const held = new Set(table === undefined ? [] : fdMap(table).values());
    for (const e of [...owner.entries]) {
      if (!held.has(e.row.inode)) {
        this.setHolders(
          e,
          e.holders.filter((o) => o !== owner),
          poll,
        );
      }
    }
  }

  /** The owner object of a process identity, one per identity. */
  private ownerOf(pid: number, startTicks: number, stat: ProcStat | null): Owner {
    let owner = this.owners.get(pid);
    if (owner === undefined || owner.startTicks !== startTicks) {
      const comm = stat?.comm ?? readProcStat(this.proc, pid)?.comm ?? '';
      owner = { pid, startTicks, comm, exe: readLink(`${this.proc}/${pid}/exe`), info: undefined, entries: new Set(), alone: [] };
      owner.alone.push(owner);
      this.owners.set(pid, owner);
    }
    return owner;
  }

  private release(owner: Owner, e: Entry): void {
    owner.entries.delete(e);
    if (owner.entries.size === 0 && this.owners.get(owner.pid) === owner) this.owners.delete(owner.pid);
  }

  private setHolders(e: Entry, holders: Owner[], poll: PollState): void {
    const before = e.holders;
    if (before.length === holders.length && before.every((o, i) => o === holders[i])) return;
    for (const o of before) if (!holders.includes(o)) this.release(o, e);
    for (const o of holders) o.entries.add(e);
    holders.sort((a, b) => a.pid - b.pid);
    e.holders = holders;
    if (holders.length > 1) this.shared.add(e);
    else this.shared.delete(e);
    if (e.socket !== EMPTY_SOCKET) poll.dirty.add(e);
    if (e.row.inode !== 0 && holders.length === 0) {
      this.setOrphan(e, true);
      if (!this.unresolved.has(e)) {
        e.misses = 0;
        this.unresolved.add(e);
      }
    } else if (holders.length > 0) {
      if (e.orphan) {
        this.setOrphan(e, false);
        this.unresolved.delete(e);
      }
      e.misses = 0;
    }
  }

  private setOrphan(e: Entry, orphan: boolean): void {
    if (e.orphan === orphan) return;
    e.orphan = orphan;
    if (orphan) this.orphans.add(e);
    else this.orphans.delete(e);
  }

  private addHolder(e: Entry, owner: Owner, poll: PollState): void {
    if (e.holders.length === 0) return this.firstHolder(e, owner, poll);
    if (e.holders.includes(owner)) return;
    // An older identity of the same pid cannot hold it any more.
    this.setHolders(e, [...e.holders.filter((o) => o.pid !== owner.pid), owner], poll);
  }

  /** The common case, kept cheap: a first holder, most often of a socket new in this poll. */
  private firstHolder(e: Entry, owner: Owner, poll: PollState): void {
    e.holders = owner.alone; // never changed in place: setHolders makes a new array
    owner.entries.add(e);
    if (e.orphan) {
      this.setOrphan(e, false);
      this.unresolved.delete(e);
    }
    e.misses = 0;
    if (e.socket !== EMPTY_SOCKET) poll.dirty.add(e);
  }

  /**
   * Reads the whole fd table of each process that appeared since the last poll: its sockets (a fork
   * shares its parent's) gain it as a holder, and new sockets are mostly found here. Also notes its
   * network namespace, to say how many other namespaces there are.
   */
  private scanNewProcesses(livePids: Set<number>, poll: PollState, stats: ProcPollStats, warnings: SourceWarnings, first: boolean): void {
    let denied = 0;
    for (const pid of livePids) {
      if (this.knownPids.has(pid)) continue;
      // (Those there at the first poll were read whole just now: they are not watched starting.)
      if (!first) this.firstSeen.set(pid, poll.takenAt);
      const ns = readLink(`${this.proc}/${pid}/ns/net`);
      if (ns !== null) this.netnsOf.set(pid, ns);
      const result = this.scanFds(pid, null, true, poll, stats);
      if (result === 'denied') denied++;
    }
    warnings.deniedProcesses += denied;
  }

  /**
   * Finds the owners of `needed` inodes among processes seen before, cheapest likely places first,
   * stopping as soon as all are found: processes that already own sockets, then everyone; each by
   * reading only fds not read before. Only if some inode is still missing are whole fd tables re-read,
   * since an fd number we saw as a file may since have been reused for a socket.
   */
  private attribute(needed: Map<number, Entry>, livePids: Set<number>, poll: PollState, stats: ProcPollStats, warnings: SourceWarnings): void {
    const order: number[] = [];
    for (const pid of this.owners.keys()) if (livePids.has(pid) && this.knownPids.has(pid)) order.push(pid);
    const owning = new Set(order);
    for (const pid of livePids) if (this.knownPids.has(pid) && !owning.has(pid)) order.push(pid);
    const denied = new Set<number>();
    const complete = new Set<number>();
    for (const pid of order) {
      if (needed.size === 0) break;
      const result = this.scanFds(pid, needed, false, poll, stats);
      if (result === 'denied') denied.add(pid);
      else if (result === 'complete') complete.add(pid);
    }
    // Whole tables again (an fd number once a file may now be a socket) only for sockets already
    // missed in an earlier poll and still open: most sockets the quick pass misses were gone before it
    // looked. Such a pass reads every fd on the machine, so it runs at most every FULL_PASS_MS; the
    // sockets it is for wait, unattributed, and are not counted as missed meanwhile.
    const again = new Map<number, Entry>();
    for (const [inode, e] of needed) if (e.misses > 0 && e.holders.length === 0) again.set(inode, e);
    const fullPass = again.size > 0 && poll.takenAt - this.lastFullPass >= FULL_PASS_MS;
    if (fullPass) {
      this.lastFullPass = poll.takenAt;
      for (const pid of order) {
        if (again.size === 0) break;
        if (complete.has(pid)) continue;
        const result = this.scanFds(pid, again, true, poll, stats);
        if (result === 'denied') denied.add(pid);
      }
    }
    for (const [inode, e] of needed) {
      if (e.holders.length > 0 || (e.misses > 0 && !fullPass)) {
        needed.delete(inode);
        if (e.holders.length === 0) this.setOrphan(e, true);
      }
    }
    for (const e of needed.values()) {
      if (e.holders.length > 0) continue;
      e.misses++;
      this.setOrphan(e, true);
      if (e.misses > this.retries) this.unresolved.delete(e);
      else this.unresolved.add(e);
    }
    warnings.deniedProcesses += denied.size;
  }

  /** First seen within YOUNG_MS, and started within it by its own start time (a pid we only just noticed may be old). */
  private startedRecently(pid: number, now: number): boolean {
    const seen = this.firstSeen.get(pid);
    if (seen === undefined || now - seen > YOUNG_MS) return false;
    const stat = readProcStat(this.proc, pid);
    return stat !== null && this.clock.startedAt(stat.startTicks) > now - YOUNG_MS;
  }

  /**
   * Reads a process's fds (all with `full`, else only those not read before) and credits it with the
   * sockets it holds: with `needed`, only those; without, every socket it holds (a new process).
   */
  private scanFds(pid: number, needed: Map<number, Entry> | null, full: boolean, poll: PollState, stats: ProcPollStats): 'ok' | 'complete' | 'gone' | 'denied' {
    // A process that started moments ago is still opening and closing files (a runtime loading its
    // modules): an fd number read as a file at its first look is often its new socket now. Its whole
    // table is read, so its first listener is shown with its owner, not a poll later.
    if (!full && needed !== null && this.startedRecently(pid, poll.takenAt)) full = true;
    const dir = `${this.proc}/${pid}/fd`;
    let table = this.fdTables.get(pid);
    let stat: ProcStat | null | undefined;
    // The process as an owner once a socket of ours is found in it (set by credit()).
    const found: { owner: Owner | null } = { owner: null };
    // The stat read that says whose table it is waits for the first socket worth crediting: most
    // processes hold none of the sockets looked for.
    const credit = (inode: number): 'ok' | 'gone' | 'retry' => {
      if (inode === 0) return 'ok';
      const e = needed === null ? this.byInode.get(inode) : needed.get(inode);
      if (e === undefined) return 'ok';
      let owner = found.owner;
      if (owner === null) {
        stat ??= readProcStat(this.proc, pid);
        if (stat === null) return 'gone';
        if (table!.startTicks < 0) table!.startTicks = stat.startTicks;
        else if (stat.startTicks !== table!.startTicks) return 'retry'; // the pid was reused since we cached its fds
        owner = this.ownerOf(pid, stat.startTicks, stat);
        found.owner = owner;
      }
      this.addHolder(e, owner, poll);
      needed?.delete(inode);
      return 'ok';
    };
    const native = this.diag?.readFdTable ?? null;
    if (native !== null && (full || table === undefined)) {
      // A whole-table read: the addon does readdir + readlinkat without a JS call per fd.
      const read = native(dir);
      if (read === 'denied' || read === 'gone') return read;
      stats.fdDirsListed++;
      stats.fdLinksRead += read.length >> 1;
      table = { startTicks: -1, count: read.length >> 1, fds: null, pairs: read };
      this.fdStale.delete(pid);
      this.fdTables.set(pid, table);
      // One tight loop (a cold poll runs it over every socket of the machine): a process that is
      // first seen holding sockets gets its owner here, each socket its first holder inline.
      const byInode = this.byInode;
      for (let i = 1; i < read.length; i += 2) {
        const inode = read[i]!;
        if (inode === 0) continue;
        const e = needed === null ? byInode.get(inode) : needed.get(inode);
        if (e === undefined) continue;
        const owner = found.owner;
        if (owner !== null && e.holders.length === 0) {
          this.firstHolder(e, owner, poll);
          needed?.delete(inode);
          continue;
        }
        const r = credit(inode);
        if (r === 'gone') return 'gone';
        if (r === 'retry') {
          this.fdTables.delete(pid);
          return this.scanFds(pid, needed, true, poll, stats);
        }
      }
      return 'complete';
    }
    if (!full && table !== undefined && this.countsFds) {
      // Linux 6.2+ gives the number of open fds as the size of /proc/PID/fd: the same process with as
      // many fds as when read has most likely opened none (a reused number is for the whole-table pass).
      const size = fdCount(dir);
      if (size === null) return 'gone';
      if (size > 0 && size === table.count && !this.fdStale.has(pid)) {
        stat = readProcStat(this.proc, pid);
        if (stat === null) return 'gone';
        // A table read whole without a socket to credit was not stamped: it was this process's
        // (the pid was alive in both polls, with as many fds).
        if (table.startTicks < 0) table.startTicks = stat.startTicks;
        if (stat.startTicks === table.startTicks) return 'ok';
        // Another process under a pid seen before: read it whole.
        this.fdTables.delete(pid);
        return this.scanFds(pid, needed, true, poll, stats);
      }
    }
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EACCES' ? 'denied' : 'gone';
    }
    stats.fdDirsListed++;
    if (table === undefined) {
      table = { startTicks: -1, count: 0, fds: new Map(), pairs: null };
      this.fdTables.set(pid, table);
    }
    table.count = names.length;
    this.fdStale.delete(pid);
    const fds = fdMap(table);
    const numbers = names.map(Number);
    const open = full ? null : new Set(numbers);
    if (open !== null) for (const fd of fds.keys()) if (!open.has(fd)) fds.delete(fd);
    let skipped = false;
    for (const fd of numbers) {
      const known = fds.get(fd);
      // Skip fds read before whose answer still holds: a file, or a socket that is still alive and
      // already owned. A socket fd whose inode closed may have been reused, so it is read again.
      if (!full && known !== undefined && (known === 0 || (this.byInode.has(known) && !(needed?.has(known) ?? false)))) {
        skipped = true;
        continue;
      }
      let inode = 0;
      try {
        const link = readlinkSync(`${dir}/${fd}`);
        stats.fdLinksRead++;
        if (link.startsWith('socket:[')) inode = Number(link.slice(8, -1));
      } catch {
        continue; // closed between readdir and readlink
      }
      fds.set(fd, inode);
      const r = credit(inode);
      if (r === 'gone') return 'gone';
      if (r === 'retry') {
        this.fdTables.delete(pid);
        return this.scanFds(pid, needed, true, poll, stats);
      }
    }
    return skipped ? 'ok' : 'complete';
  }

  private processInfo(owner: Owner): ProcessInfo | null {
    if (owner.info === undefined) {
      const stat = readProcStat(this.proc, owner.pid);
      owner.info = stat !== null && stat.startTicks === owner.startTicks ? readProcessInfo(this.proc, stat, this.clock, this.users) : null;
    }
    return owner.info;
  }

  // ---- what the caller sees ----

  /**
   * New socket objects for what changed, and the changes by id: a socket seen under a new key (its
   * /proc/net row changed, or the tables moved to /proc/net) with the same id is one change, not a
   * removal and an addition.
   */
  private publish(poll: PollState, takenAt: number): Pick<SourceChanges, 'added' | 'changed' | 'removed' | 'before'> {
    // Each id touched → the socket shown for it before (undefined: none).
    const before = new Map<string, Socket | undefined>();
    const touch = (id: string) => {
      if (!before.has(id)) before.set(id, this.byId.get(id));
    };
    // Shows e's socket under id, or keeps e aside when another socket already shows there.
    const show = (e: Entry, id: string) => {
      const shown = this.byId.get(id);
      if (shown === undefined) this.byId.set(id, e.socket);
      else if (shown !== e.socket) {
        const others = this.dupes.get(id) ?? [];
        if (!others.includes(e)) others.push(e);
        this.dupes.set(id, others);
      }
    };
    // Takes e's current socket away from id, showing a kept-aside one instead if any.
    const hide = (e: Entry, id: string) => {
      touch(id);
      const others = this.dupes.get(id);
      if (this.byId.get(id) === e.socket) {
        const next = others?.shift();
        if (next !== undefined) this.byId.set(id, next.socket);
        else this.byId.delete(id);
      } else {
        const i = others?.indexOf(e) ?? -1;
        if (i >= 0) others!.splice(i, 1);
      }
      if (others !== undefined && others.length === 0) this.dupes.delete(id);
    };
    for (const e of poll.gone) hide(e, e.socket.id);
    for (const e of poll.dirty) {
      const old = e.socket;
      if (old === EMPTY_SOCKET) continue; // new in this poll: built below
      const s = this.buildSocket(e, old, takenAt);
      if (old.id !== s.id) {
        hide(e, old.id);
        touch(s.id);
        e.socket = s;
        show(e, s.id);
      } else {
        touch(s.id);
        if (this.byId.get(s.id) === old) this.byId.set(s.id, s);
        e.socket = s;
      }
    }
    const added: Socket[] = [];
    for (const e of poll.fresh) {
      if (this.entries.get(e.row.key) !== e) continue; // gone again within the poll
      const s = this.buildSocket(e, null, takenAt);
      e.socket = s;
      // A socket new to every view (most of a cold poll) needs no before: it goes out as added.
      if (!this.byId.has(s.id) && !before.has(s.id)) {
        this.byId.set(s.id, s);
        added.push(s);
        continue;
      }
      touch(s.id);
      show(e, s.id);
    }
    const changed: Socket[] = [];
    const removed: Socket[] = [];
    for (const [id, was] of before) {
      const now = this.byId.get(id);
      if (was === undefined) {
        if (now !== undefined) added.push(now);
      } else if (now === undefined) removed.push(was);
      else if (now !== was) {
        // The same socket under another key or object keeps the time it was first seen.
        if (now.firstSeen !== was.firstSeen) now.firstSeen = was.firstSeen;
        if (!sameSocket(was, now)) changed.push(now);
      }
    }
    return { added, changed, removed, before };
  }

  /** `old`: the entry's socket before this poll (its firstSeen carries on); null for a new entry. */
  private buildSocket(e: Entry, old: Socket | null, takenAt: number): Socket {
    const r = e.row;
    const holders = e.holders;
    const first = holders[0];
    let otherHolders = NO_PROCESSES;
    for (let i = 1; i < holders.length; i++) {
      if (i === 1) otherHolders = [];
      const info = this.processInfo(holders[i]!);
      if (info !== null) otherHolders.push(info);
    }
    return {
      id: socketId(r),
      protocol: r.protocol,
      family: r.family,
      localAddress: r.localAddress,
      localPort: r.localPort,
      remoteAddress: r.remoteAddress,
      remotePort: r.remotePort,
      state: r.state,
      listening: r.listening,
      pid: first?.pid ?? null,
      process: first === undefined ? null : this.processInfo(first),
      otherHolders,
      inode: r.inode,
      firstSeen: old?.firstSeen ?? takenAt,
      bytesSent: r.bytesSent,
      bytesReceived: r.bytesReceived,
      rttMs: r.rttMs,
    };
  }

  private trafficSample(read: SockDiagPoll | null, poll: PollState, closed: ClosedConnection[]): TrafficSample {
    const moves = poll.moves;
    for (const m of poll.moved) {
      // A socket removed in this poll had its last counters counted by its closed-connection record.
      if (m.entry.socket === EMPTY_SOCKET || !this.entries.has(m.entry.row.key)) continue;
      moves.push({ socket: m.entry.socket, sentBefore: m.sentBefore, receivedBefore: m.receivedBefore });
    }
    const interfaces = this.traffic ? readNetDev(this.proc) : null;
    return { availability: this.availability(read, interfaces !== null), moves, closed, interfaces };
  }

  private availability(read: SockDiagPoll | null, interfaces: boolean): TrafficAvailability {
    const notes: string[] = [];
    const connections = this.traffic && read !== null && !this.procProtocols.has('tcp');
    const closed = connections && read.closedStatus === 0;
    if (!this.traffic) notes.push('Traffic counting is off.');
    else if (!connections) {
      notes.push(`Per-connection traffic needs the sock_diag addon reading TCP through netlink: ${this.diagWhyNot ?? 'the kernel would not dump TCP'}.`);
    } else if (!closed) {
      notes.push(
        `Connections that open and close between two polls are not counted: the kernel refused its TCP-destroy messages (${errnoName(read.closedStatus)}).`,
      );
    }
    if (read !== null && read.closedDropped + read.closedOverflows > 0) {
      notes.push(
        read.closedOverflows > 0
          ? 'Some connections that closed since the last poll were not counted: the kernel dropped their messages (too many at once).'
          : `${read.closedDropped} connections that closed since the last poll were not counted (too many to keep).`,
      );
    }
    if (this.traffic && !interfaces) notes.push(`Interface totals need ${this.proc}/net/dev.`);
    return { connections, closedConnections: closed, interfaces: this.traffic && interfaces, notes };
  }

  private scope(): ScopeNote | null {
    if (this.ownNetns === null) return null;
    const others = new Set<string>();
    for (const ns of this.netnsOf.values()) if (ns !== this.ownNetns) others.add(ns);
    const n = others.size;
    return {
      otherNetworkNamespaces: n,
      note:
        n === 0
          ? 'Sockets in other network namespaces (containers) are not shown.'
          : `Sockets in ${n === 1 ? '1 other network namespace' : `${n} other network namespaces`} (containers) are not shown.`,
    };
  }
}

/** The work one poll collects before it publishes. */
class PollState {
  constructor(readonly takenAt: number) {}

  /** Entries new in this poll: their first socket object is built at the end. */
  readonly fresh: Entry[] = [];
  /** Published entries whose socket object must be rebuilt (changed row, holders or holder details). */
  readonly dirty = new Set<Entry>();
  /** Entries removed that had been published. */
  readonly gone: Entry[] = [];
  /** Counters that moved on published sockets (the moved section of the dump). */
  readonly moves: CounterMove[] = [];
  /** Counters of new or changed entries, whose socket objects are built at the end. */
  readonly moved: Array<{ entry: Entry; sentBefore: number; receivedBefore: number }> = [];
  /** Final counters of connections shorter than a poll, by 4-tuple. */
  readonly finals = new Map<string, DiagRow>();
}

/** Shared empty lists, never changed (most sockets have one holder): no array per socket. */
const NO_HOLDERS: Owner[] = [];
const NO_PROCESSES: ProcessInfo[] = [];

/** A placeholder until an entry's first socket object is built. */
const EMPTY_SOCKET = Object.freeze({ id: '' }) as Socket;

/** The size of a /proc/PID/fd directory (its number of fds on Linux 6.2+; 0 where unknown), null if gone. */
function fdCount(dir: string): number | null {
  try {
    return statSync(dir).size;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? null : 0;
  }
}

function fdCountIsSize(): boolean {
  try {
    return statSync('/proc/self/fd').size > 0;
  } catch {
    return false;
  }
}

/** A TCP connection's 4-tuple as text. */
function tupleKey(r: ProcNetRow): string {
  return `${r.localAddress} ${r.localPort} ${r.remoteAddress ?? ''} ${r.remotePort ?? 0}`;
}

/** A link's target byte for byte (latin1 maps each byte to one character): compared, never shown. */
function readLink(path: string): string | null {
  try {
    return readlinkSync(path, 'latin1');
  } catch {
    return null;
  }
}

/** Whether a listener's bind address takes connections to the local address of `conn`. */
function listenerCovers(listener: ProcNetRow, conn: ProcNetRow): boolean {
  const a = listener.localAddress;
  if (a === conn.localAddress) return true;
  if (a === '0.0.0.0') return conn.family === 4 || conn.localAddress.startsWith('::ffff:');
  if (a === '::') return true;
  return conn.localAddress === `::ffff:${a}`;
}

function errnoName(status: number): string {
  const names: Record<number, string> = { [-1]: 'EPERM', [-13]: 'EACCES', [-2]: 'ENOENT', [-93]: 'EPROTONOSUPPORT', [-22]: 'EINVAL' };
  return names[status] ?? `errno ${-status}`;
}

function sameInfo(a: ProcessInfo | null, b: ProcessInfo | null): boolean {
  if (a === null || b === null) return a === b;
  return a.name === b.name && a.exe === b.exe && a.cmdline === b.cmdline && a.uid === b.uid && a.user === b.user && a.ppid === b.ppid;
}
