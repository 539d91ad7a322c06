// Reading one process's identity and details from /proc/PID. Every read may fail: the process can
// exit between two reads, or belong to a user we may not inspect. Failures return null.
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type { ProcessInfo } from '../../shared/model.js';
import { utf8Text } from '../../shared/printable.js';

export interface ProcStat {
  pid: number;
  /** The name as UTF-8, bytes that are not shown as "\xNN" (printable.ts utf8Text). */
  comm: string;
  /**
   * When the comm fills COMM_MAX bytes (the kernel may have cut it): its whole characters, a
   * character cut in half left off, for finding the full name; null when the comm is shorter.
   */
  commHead: string | null;
  ppid: number;
  /** Start time in clock ticks after boot: with the pid, the process identity. */
  startTicks: number;
}

// eslint-disable-next-line no-control-regex -- the test is for bytes past ASCII
const NOT_ASCII = /[^\u0000-\u007f]/;

/**
 * Parses /proc/PID/stat read as latin1 (one character per byte, so the comm's bytes survive to be
 * decoded as UTF-8 here). comm may hold spaces and parentheses, so split at the last ')'.
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); ppid is field 4, starttime field 22.
  const ppid = Number(rest[1]);
  const startTicks = Number(rest[19]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isFinite(startTicks)) return null;
  const raw = text.slice(open + 1, close);
  // Most names are ASCII: one character per byte already (parsed for every owner on every poll).
  if (!NOT_ASCII.test(raw)) return { pid, comm: raw, commHead: raw.length >= COMM_MAX ? raw : null, ppid, startTicks };
  const comm = Buffer.from(raw, 'latin1');
  return { pid, comm: utf8Text(comm), commHead: comm.length >= COMM_MAX ? utf8Text(wholeCharacters(comm)) : null, ppid, startTicks };
}

/** Bytes without a UTF-8 character cut short at their end (where the kernel cut a long name). */
function wholeCharacters(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: its lead is further back
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}

export function readProcStat(proc: string, pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`${proc}/${pid}/stat`, 'latin1'));
  } catch {
    return null;
  }
}

/** Clock ticks and boot time turn a start tick count into a wall-clock time. */
export class ProcClock {
  readonly ticksPerSecond: number;
  readonly bootTimeMs: number;

  constructor(proc: string) {
    this.ticksPerSecond = readTicksPerSecond();
    let boot = 0;
    try {
      const m = /^btime (\d+)$/m.exec(readFileSync(`${proc}/stat`, 'latin1'));
      if (m?.[1] !== undefined) boot = Number(m[1]) * 1000;
    } catch {
      // No btime: start times stay relative to the epoch, identity checks still hold.
    }
    this.bootTimeMs = boot;
  }

  startedAt(startTicks: number): number {
    return Math.round(this.bootTimeMs + (startTicks * 1000) / this.ticksPerSecond);
  }
}

const clocks = new Map<string, ProcClock>();

/**
 * The one clock for a procfs root in this process: btime is read once, so every start time this
 * process shows, and every one it checks an identity against, comes from the same reading. The
 * kernel's btime moves when the wall clock is stepped (a VM's clock corrected: 3 s seen here), and
 * two readings taken either side of a step made one process look like a reused pid.
 */
export function procClock(proc: string): ProcClock {
  let clock = clocks.get(proc);
  if (clock === undefined) clocks.set(proc, (clock = new ProcClock(proc)));
  return clock;
}

let ticksPerSecond: number | null = null;

/** Asked once per process: getconf is a child process, and CLK_TCK never changes. */
function readTicksPerSecond(): number {
  ticksPerSecond ??= askTicksPerSecond();
  return ticksPerSecond;
}

function askTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100; // USER_HZ is 100 on every mainstream Linux architecture.
  }
}

/** uid → user name from /etc/passwd, re-read only when the file changes. */
export class UserNames {
  private names = new Map<number, string>();
  private stamp = -1;

  constructor(private readonly passwd = '/etc/passwd') {}

  name(uid: number): string | null {
    this.refresh();
    return this.names.get(uid) ?? null;
  }

  private refresh(): void {
    let mtime: number;
    try {
      mtime = statSync(this.passwd).mtimeMs;
    } catch {
      return;
    }
    if (mtime === this.stamp) return;
    this.stamp = mtime;
    this.names = new Map();
    try {
      for (const line of readFileSync(this.passwd, 'utf8').split('\n')) {
        const [name, , uid] = line.split(':');
        if (name && uid !== undefined && /^\d+$/.test(uid)) this.names.set(Number(uid), name);
      }
    } catch {
      // Unreadable passwd: users show as uids.
    }
  }
}

/** The kernel keeps a process's name (comm) to 15 bytes: TASK_COMM_LEN less its NUL. */
export const COMM_MAX = 15;

/**
 * The process's name in full. A comm of COMM_MAX bytes may be cut ("npm install @do"): then the
 * first of the executable's file name, argv[0]'s file name or argv[0] itself (a process title such as
 * npm's) that starts with its whole characters (head) is the whole name. Otherwise the comm stands.
 */
export function fullProcessName(comm: string, exe: string | null, argv0: string | null, head: string | null = comm.length >= COMM_MAX ? comm : null): string {
  if (head === null) return comm;
  const base = (path: string) => path.slice(path.lastIndexOf('/') + 1);
  const candidates = [exe === null ? null : base(exe.replace(/ \(deleted\)$/, '')), argv0 === null ? null : base(argv0), argv0];
  return candidates.find((c): c is string => c !== null && c.length > head.length && c.startsWith(head)) ?? comm;
}

/** Reads the details of a process whose identity (stat) was just read. */
export function readProcessInfo(proc: string, stat: ProcStat, clock: ProcClock, users: UserNames): ProcessInfo | null {
  const dir = `${proc}/${stat.pid}`;
  let uid: number;
  try {
    uid = statSync(dir).uid;
  } catch {
    return null; // gone
  }
  let cmdline = '';
  let argv0: string | null = null;
  try {
    const raw = utf8Text(readFileSync(`${dir}/cmdline`)).replace(/\0+$/, '');
    argv0 = raw === '' ? null : raw.split('\0', 1)[0]!;
    cmdline = raw.replace(/\0/g, ' ');
  } catch {
    // Kernel threads and exited processes have no command line; keep the name.
  }
  let exe: string | null = null;
  try {
    exe = utf8Text(readlinkSync(`${dir}/exe`, { encoding: 'buffer' }));
  } catch {
    // EACCES for other users' processes unless we run with more rights.
  }
  return {
    pid: stat.pid,
    name: fullProcessName(stat.comm, exe, argv0, stat.commHead),
    exe,
    cmdline: cmdline || `[${stat.comm}]`,
    user: users.name(uid),
    uid,
    ppid: stat.ppid,
    startedAt: clock.startedAt(stat.startTicks),
  };
}
