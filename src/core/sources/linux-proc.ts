// The Linux socket source: /proc/net tables for the sockets, /proc/PID/fd links for their owners.
//
// ss and psutil walk every /proc/PID/fd on every call. A monitor polls forever, so this source keeps
// what it learned: which inode belongs to which process (pid + start time), and which fd numbers
// of each process it has already read. A poll where no new inode appeared walks no fd at all; a
// poll with a few new inodes reads only the fds that are new since the last walk.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Family, Protocol, ProcessInfo, Socket } from '../../shared/model.js';
import { socketId } from '../../shared/model.js';
import { loadSockDiag, type SockDiag } from './netlink.js';
import { parseProcNet, type ProcNetRow } from './proc-net.js';
import { ProcClock, readProcessInfo, readProcStat, UserNames, type ProcStat } from './proc-process.js';
import { emptyWarnings, type Sample, type SocketSource, type SourceWarnings } from './source.js';

const TABLES: ReadonlyArray<readonly [string, Protocol, Family]> = [
  ['tcp', 'tcp', 4],
  ['tcp6', 'tcp', 6],
  ['udp', 'udp', 4],
  ['udp6', 'udp', 6],
];

/** pid + start time: a pid the kernel handed out again is a different process. */
interface Owner {
  pid: number;
  startTicks: number;
  /** The process's details, read once per identity (undefined until first asked). */
  info?: ProcessInfo | null;
  /** It got a new socket since the details were read: read them again (an exec changes them). */
  stale?: boolean;
}

/** What we know of one process's fd table: fd name → socket inode (0 for anything else). */
interface FdTable {
  startTicks: number;
  fds: Map<string, number>;
}

/** How much work a poll did, for the bench and the status line. */
export interface ProcPollStats {
  rows: number;
  /** Inodes that needed an owner this poll. */
  lookups: number;
  /** Processes whose fd directory was listed, and fd links read. */
  fdDirsListed: number;
  fdLinksRead: number;
  /** Process identities verified (stat reads). */
  statReads: number;
}

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
}

export class LinuxProcSource implements SocketSource {
  /** 'linux-netlink' or 'linux-proc': where the tables come from, shown in the status line. */
  get name(): string {
    return this.diag === null ? 'linux-proc' : 'linux-netlink';
  }
  private readonly proc: string;
  private readonly retries: number;
  private readonly clock: ProcClock;
  private readonly users = new UserNames();
  /** The netlink reader, or null to read /proc/net (not built, refused, or failed once). */
  private diag: SockDiag | null;

  /** inode → owner, or null when looked for everywhere and not found (counted in misses). */
  private owners = new Map<number, Owner | null>();
  private misses = new Map<number, number>();
  private fdTables = new Map<number, FdTable>();
  private ownerByPid = new Map<number, Owner>();
  /** The previous poll's sockets by raw row key, reused when nothing about them changed. */
  private previous = new Map<string, Socket>();
  private knownPids = new Set<number>();
  lastStats: ProcPollStats = { rows: 0, lookups: 0, fdDirsListed: 0, fdLinksRead: 0, statReads: 0 };

  constructor(options: LinuxProcOptions = {}) {
    this.proc = options.procRoot ?? '/proc';
    this.retries = options.unresolvedRetries ?? 1;
    this.clock = new ProcClock(this.proc);
    this.diag = (options.netlink ?? this.proc === '/proc') ? loadSockDiag() : null;
  }

  /** Where the socket tables come from: for the status line and the bench. */
  get tables(): 'netlink' | 'proc' {
    return this.diag === null ? 'proc' : 'netlink';
  }

  reset(): void {
    this.owners.clear();
    this.misses.clear();
    this.fdTables.clear();
    this.ownerByPid.clear();
    this.previous.clear();
    this.knownPids.clear();
  }

  async sample(): Promise<Sample> {
    return this.sampleSync();
  }

  /** Synchronous on purpose: thousands of tiny procfs reads cost far less CPU without the thread pool. */
  sampleSync(): Sample {
    const takenAt = Date.now();
    const warnings = emptyWarnings();
    const stats: ProcPollStats = { rows: 0, lookups: 0, fdDirsListed: 0, fdLinksRead: 0, statReads: 0 };
    const rows = this.readTables(warnings);
    stats.rows = rows.length;

    const liveInodes = new Set<number>();
    for (const r of rows) if (r.inode !== 0) liveInodes.add(r.inode);
    for (const inode of this.owners.keys()) {
      if (!liveInodes.has(inode)) {
        this.owners.delete(inode);
        this.misses.delete(inode);
      }
    }

    const livePids = this.listPids();
    const verified = this.verifyOwners(livePids, stats);

    const needed = new Set<number>();
    for (const inode of liveInodes) {
      const owner = this.owners.get(inode);
      if (owner === undefined) needed.add(inode);
      else if (owner === null) {
        if ((this.misses.get(inode) ?? 0) <= this.retries) needed.add(inode);
      } else if (!verified.has(owner.pid)) needed.add(inode);
    }
    stats.lookups = needed.size;
    if (needed.size > 0) this.attribute(needed, liveInodes, livePids, stats, warnings);
    this.knownPids = livePids;
    for (const pid of this.fdTables.keys()) if (!livePids.has(pid)) this.fdTables.delete(pid);

    const sockets = this.buildSockets(rows, takenAt, warnings);
    this.pruneProcesses(livePids);
    this.lastStats = stats;
    return { takenAt, sockets, warnings };
  }

  private readTables(warnings: SourceWarnings): ProcNetRow[] {
    let rows: ProcNetRow[] = [];
    let tables = TABLES;
    if (this.diag !== null) {
      try {
        const got = this.diag.read();
        if (got.tcp && got.udp) return got.rows;
        // A protocol the kernel would not dump (UDP without udp_diag): read its tables from /proc.
        rows = got.rows;
        tables = TABLES.filter(([, protocol]) => (protocol === 'tcp' ? !got.tcp : !got.udp));
      } catch {
        // The netlink socket failed: /proc/net from now on.
        this.diag.close();
        this.diag = null;
      }
    }
    for (const [file, protocol, family] of tables) {
      let text: string;
      try {
        text = readFileSync(`${this.proc}/net/${file}`, 'latin1');
      } catch {
        continue; // IPv6 disabled, or no UDP table: nothing of that kind exists.
      }
      const parsed = parseProcNet(text, protocol, family);
      warnings.skippedLines += parsed.skipped;
      for (const r of parsed.rows) rows.push(r);
    }
    return rows;
  }

  private listPids(): Set<number> {
    const pids = new Set<number>();
    for (const name of readdirSync(this.proc)) {
      const c = name.charCodeAt(0);
      if (c >= 48 && c <= 57) pids.add(Number(name));
    }
    return pids;
  }

  /**
   * Checks that each process we credited with a socket is still the same process (pid + start
   * time). Returns the pids that passed; sockets of the others are looked up again.
   */
  private verifyOwners(livePids: Set<number>, stats: ProcPollStats): Set<number> {
    const checked = new Map<number, number>();
    const ok = new Set<number>();
    for (const owner of this.owners.values()) {
      if (owner === null || checked.has(owner.pid)) continue;
      let start = -1;
      if (livePids.has(owner.pid)) {
        const stat = readProcStat(this.proc, owner.pid);
        stats.statReads++;
        if (stat !== null) start = stat.startTicks;
      }
      checked.set(owner.pid, start);
    }
    for (const [pid, start] of checked) {
      // Only one identity per pid can be alive, so an owner with another start time is stale.
      if (start >= 0) ok.add(pid);
    }
    for (const [inode, owner] of this.owners) {
      if (owner !== null && checked.get(owner.pid) !== owner.startTicks) this.owners.delete(inode);
    }
    return ok;
  }

  /**
   * Finds the owners of `needed` inodes, cheapest likely places first, stopping as soon as all are
   * found: new processes, then processes that already own sockets, then everyone; each of those by
   * reading only fds not read before. Only if some inode is still missing are whole fd tables re-read,
   * since an fd number we saw as a file may since have been reused for a socket.
   */
  private attribute(
    needed: Set<number>,
    liveInodes: Set<number>,
    livePids: Set<number>,
    stats: ProcPollStats,
    warnings: SourceWarnings,
  ): void {
    const newPids: number[] = [];
    const socketOwners = new Set<number>();
    const others: number[] = [];
    for (const owner of this.owners.values()) if (owner !== null && livePids.has(owner.pid)) socketOwners.add(owner.pid);
    for (const pid of livePids) {
      if (!this.knownPids.has(pid)) newPids.push(pid);
      else if (!socketOwners.has(pid)) others.push(pid);
    }
    const order = [...newPids, ...socketOwners, ...others];
    const denied = new Set<number>();
    // Processes whose every fd was read in the first pass need no second one.
    const complete = new Set<number>();
    for (const full of [false, true]) {
      for (const pid of order) {
        if (needed.size === 0) break;
        if (full && complete.has(pid)) continue;
        const result = this.scanFds(pid, needed, liveInodes, full, stats);
        if (result === 'denied') denied.add(pid);
        else if (result === 'complete') complete.add(pid);
      }
      if (needed.size === 0) break;
    }
    for (const inode of needed) {
      this.owners.set(inode, null);
      this.misses.set(inode, (this.misses.get(inode) ?? 0) + 1);
    }
    warnings.deniedProcesses += denied.size;
  }

  private scanFds(
    pid: number,
    needed: Set<number>,
    liveInodes: Set<number>,
    full: boolean,
    stats: ProcPollStats,
  ): 'ok' | 'complete' | 'gone' | 'denied' {
    const dir = `${this.proc}/${pid}/fd`;
    let table = this.fdTables.get(pid);
    let stat: ProcStat | null | undefined;
    const native = this.diag?.readFdTable ?? null;
    if (native !== null && (full || table === undefined)) {
      // A whole-table read: the addon does readdir + readlinkat without a JS call per fd.
      if (table === undefined) {
        stat = readProcStat(this.proc, pid);
        if (stat === null) return 'gone';
      }
      const read = native(dir);
      if (read === 'denied' || read === 'gone') return read;
      stats.fdDirsListed++;
      stats.fdLinksRead += read.size;
      table = { startTicks: table?.startTicks ?? stat!.startTicks, fds: read };
      this.fdTables.set(pid, table);
      for (const inode of read.values()) {
        if (inode === 0 || !needed.has(inode)) continue;
        if (stat === undefined) {
          stat = readProcStat(this.proc, pid);
          if (stat === null || stat.startTicks !== table.startTicks) {
            // The pid was reused since we cached its fds: this is another process now.
            table.startTicks = stat?.startTicks ?? -1;
            if (stat === null) return 'gone';
          }
        }
        needed.delete(inode);
        this.owners.set(inode, this.ownerOf(pid, table.startTicks));
        this.misses.delete(inode);
      }
      return 'complete';
    }
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EACCES' ? 'denied' : 'gone';
    }
    stats.fdDirsListed++;
    if (table === undefined) {
      stat = readProcStat(this.proc, pid);
      if (stat === null) return 'gone';
      table = { startTicks: stat.startTicks, fds: new Map() };
      this.fdTables.set(pid, table);
    }
    const fds = table.fds;
    const open = full ? null : new Set(names);
    if (open !== null) for (const fd of fds.keys()) if (!open.has(fd)) fds.delete(fd);
    let found = false;
    let skipped = false;
    for (const fd of names) {
      const known = fds.get(fd);
      // Skip fds read before whose answer still holds: a file, or a socket that is still alive and
      // already owned. A socket fd whose inode closed may have been reused, so it is read again.
      if (!full && known !== undefined && (known === 0 || (liveInodes.has(known) && !needed.has(known)))) {
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
      if (inode !== 0 && needed.has(inode)) {
        if (!found) {
          stat ??= readProcStat(this.proc, pid);
          if (stat === null || stat.startTicks !== table.startTicks) {
            // The pid was reused since we cached its fds: start this process over.
            this.fdTables.delete(pid);
            return this.scanFds(pid, needed, liveInodes, true, stats);
          }
          found = true;
        }
        needed.delete(inode);
        this.owners.set(inode, this.ownerOf(pid, table.startTicks));
        this.misses.delete(inode);
      }
    }
    return skipped ? 'ok' : 'complete';
  }

  private buildSockets(rows: ProcNetRow[], takenAt: number, warnings: SourceWarnings): Socket[] {
    const next = new Map<string, Socket>();
    const sockets: Socket[] = [];
    for (const r of rows) {
      const owner = r.inode === 0 ? null : (this.owners.get(r.inode) ?? null);
      const process = owner === null ? null : this.processInfo(owner);
      const pid = owner === null ? null : owner.pid;
      if (pid === null && r.inode !== 0) warnings.unattributed++;
      const before = this.previous.get(r.key);
      let s: Socket;
      if (before !== undefined && before.pid === pid && before.process === process) {
        s = before;
      } else {
        s = {
          id: socketId(r),
          protocol: r.protocol,
          family: r.family,
          localAddress: r.localAddress,
          localPort: r.localPort,
          remoteAddress: r.remoteAddress,
          remotePort: r.remotePort,
          state: r.state,
          listening: r.listening,
          pid,
          process,
          inode: r.inode,
          firstSeen: takenAt,
        };
      }
      next.set(r.key, s);
      sockets.push(s);
    }
    this.previous = next;
    return sockets;
  }

  /** One Owner object per process identity, so its details are read once and shared by its sockets. */
  private ownerOf(pid: number, startTicks: number): Owner {
    let owner = this.ownerByPid.get(pid);
    if (owner === undefined || owner.startTicks !== startTicks) {
      owner = { pid, startTicks };
      this.ownerByPid.set(pid, owner);
    } else if (owner.info !== undefined) {
      owner.stale = true;
    }
    return owner;
  }

  private processInfo(owner: Owner): ProcessInfo | null {
    if (owner.info === undefined || owner.stale) {
      owner.stale = false;
      const stat = readProcStat(this.proc, owner.pid);
      const info = stat !== null && stat.startTicks === owner.startTicks ? readProcessInfo(this.proc, stat, this.clock, this.users) : null;
      // Same details keep the same object, so its sockets do not all read as changed.
      if (owner.info === undefined || !sameInfo(owner.info, info)) owner.info = info;
    }
    return owner.info;
  }

  /** Forget processes that are gone, so the cache follows what exists. */
  private pruneProcesses(livePids: Set<number>): void {
    for (const pid of this.ownerByPid.keys()) if (!livePids.has(pid)) this.ownerByPid.delete(pid);
  }

}

function sameInfo(a: ProcessInfo | null, b: ProcessInfo | null): boolean {
  if (a === null || b === null) return a === b;
  return a.name === b.name && a.exe === b.exe && a.cmdline === b.cmdline && a.uid === b.uid && a.user === b.user && a.ppid === b.ppid;
}
