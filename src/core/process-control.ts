// Ending the process that holds a port, safely: never init, never Portwatch or the processes it runs
// under, and never a pid the kernel has handed to another process since the user saw it. Identity is
// pid + start time, re-read from /proc right before each signal.
import { readFileSync, readlinkSync } from 'node:fs';
import type { ProcessInfo, Socket } from '../shared/model.js';
import type { EndProcessOutcome, EndProcessRequest, EndProcessResult } from '../shared/ports.js';
import { whoIsOnPort } from './analysis/ports.js';
import { parseProcStat, procClock, readProcessInfo, UserNames, type ProcStat } from './sources/proc-process.js';

export const DEFAULT_GRACE_MS = 3000;
export const MAX_GRACE_MS = 60_000;
/** How long to wait for a SIGKILLed process to be gone before saying it is stuck. */
const KILL_WAIT_MS = 5000;

export type ProcessControlErrorCode = 'refused' | 'reused' | 'not-permitted' | 'unsupported';

export class ProcessControlError extends Error {
  override name = 'ProcessControlError';
  constructor(
    readonly code: ProcessControlErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The message for EPERM, said the same way by every host. */
export function notPermittedMessage(pid: number, name: string | null): string {
  return `not permitted to end pid ${pid}${name ? ` (${name})` : ''}; run Portwatch with more rights`;
}

export interface EndProcessOptions extends EndProcessRequest {
  /** The first signal; SIGKILL skips the grace period. */
  signal?: NodeJS.Signals;
  procRoot?: string;
  /** How often to look whether the process has gone. */
  pollMs?: number;
}

interface Identity extends ProcStat {
  /** Exited, waiting for its parent to collect it: as good as gone. */
  zombie: boolean;
}

function readIdentity(proc: string, pid: number): Identity | null {
  let text: string;
  try {
    text = readFileSync(`${proc}/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  const stat = parseProcStat(text);
  if (stat === null) return null;
  const state = text.charAt(text.lastIndexOf(')') + 2);
  return { ...stat, zombie: state === 'Z' || state === 'X' };
}

/** The start time Portwatch shows for a live pid (epoch ms), or null when it is not running. */
export function processStartedAt(pid: number, procRoot = '/proc'): number | null {
  const id = readIdentity(procRoot, pid);
  return id === null || id.zombie ? null : procClock(procRoot).startedAt(id.startTicks);
}

/** A live process as Portwatch shows it (name, command line, user, start time), or null. */
export function describeProcess(pid: number, procRoot = '/proc'): ProcessInfo | null {
  const id = readIdentity(procRoot, pid);
  if (id === null || id.zombie) return null;
  return readProcessInfo(procRoot, id, procClock(procRoot), new UserNames());
}

/** An epoch-ms time as ISO text, or the number itself when it is not a representable date. */
export function formatStartTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/** pid's parent, grandparent, … up to init, read from /proc. */
export function ancestorsOf(pid: number, procRoot = '/proc'): number[] {
  const out: number[] = [];
  const seen = new Set<number>([pid]);
  let current = readIdentity(procRoot, pid)?.ppid ?? (pid === process.pid ? process.ppid : 0);
  while (current > 0 && !seen.has(current)) {
    out.push(current);
    seen.add(current);
    current = readIdentity(procRoot, current)?.ppid ?? 0;
  }
  return out;
}

/** The working directory of a process, or null when the OS will not say (another user's, not Linux). */
export function readCwd(pid: number, procRoot = '/proc'): string | null {
  try {
    return readlinkSync(`${procRoot}/${pid}/cwd`);
  } catch {
    return null;
  }
}

function describe(id: Identity | null, pid: number): string {
  return id === null ? `pid ${pid}` : `pid ${pid} (${id.comm})`;
}

/** Refuses, before anything is read or signalled, the pids no one should end from here. */
export function checkEndable(pid: number, procRoot = '/proc'): void {
  if (!Number.isInteger(pid) || pid <= 1) {
    throw new ProcessControlError('refused', `refusing to end pid ${pid}: ${pid === 1 ? 'pid 1 is init, and ending it ends the system' : 'not a single process'}`);
  }
  if (pid === process.pid) throw new ProcessControlError('refused', `refusing to end pid ${pid}: that is Portwatch itself`);
  if (ancestorsOf(process.pid, procRoot).includes(pid) || pid === process.ppid) {
    throw new ProcessControlError(
      'refused',
      `refusing to end ${describe(readIdentity(procRoot, pid), pid)}: it is a parent of Portwatch, and ending it would end Portwatch too`,
    );
  }
}

/** Sends a signal; 'gone' when the process had already exited. EPERM becomes the clear message. */
function send(pid: number, signal: NodeJS.Signals, name: string | null): 'sent' | 'gone' {
  try {
    process.kill(pid, signal);
    return 'sent';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return 'gone';
    if (code === 'EPERM') throw new ProcessControlError('not-permitted', notPermittedMessage(pid, name));
    throw e;
  }
}

/**
 * Ends one process: SIGTERM, up to graceMs for it to exit, then SIGKILL. Before each signal the
 * pid's start time is read again: if it is not the process the caller saw, nothing is sent.
 */
export async function endProcess(options: EndProcessOptions): Promise<EndProcessResult> {
  const proc = options.procRoot ?? '/proc';
  const { pid, startedAt } = options;
  const graceMs = Math.min(Math.max(options.graceMs ?? DEFAULT_GRACE_MS, 0), MAX_GRACE_MS);
  const pollMs = options.pollMs ?? 25;
  const first = options.signal ?? 'SIGTERM';
  checkEndable(pid, proc);
  try {
    readFileSync(`${proc}/self/stat`, 'latin1');
  } catch {
    throw new ProcessControlError('unsupported', 'ending a process needs /proc (Linux) to check that it is still the same process');
  }
  const clock = procClock(proc);
  const seen = readIdentity(proc, pid);
  const name = seen?.comm ?? null;
  const result = (outcome: EndProcessOutcome, signals: string[], t0: number, exited = true): EndProcessResult => ({
    pid,
    name,
    outcome,
    signals,
    elapsedMs: Math.round(Date.now() - t0),
    exited,
  });
  const t0 = Date.now();
  if (seen === null || seen.zombie) return result('already-gone', [], t0);
  const shownAt = clock.startedAt(seen.startTicks);
  if (shownAt !== startedAt) {
    throw new ProcessControlError(
      'reused',
      `refusing to end pid ${pid}: it is now ${seen.comm}, started ${formatStartTime(shownAt)}, not the process started ${formatStartTime(startedAt)}; the pid was reused, nothing was signalled`,
    );
  }
  // Gone, or exited and its pid already reused by someone else: either way ours has ended.
  const gone = () => {
    const now = readIdentity(proc, pid);
    return now === null || now.zombie || now.startTicks !== seen.startTicks;
  };
  const waitGone = async (ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    for (;;) {
      if (gone()) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
    }
  };

  const signals: string[] = [];
  if (send(pid, first, name) === 'gone') return result('already-gone', signals, t0);
  signals.push(first);
  if (first === 'SIGKILL') {
    const exited = await waitGone(KILL_WAIT_MS);
    return result('killed', signals, t0, exited);
  }
  if (await waitGone(graceMs)) return result('terminated', signals, t0);
  // Right before SIGKILL, the same check again: it may have exited, and its pid been reused, just now.
  if (gone()) return result('terminated', signals, t0);
  if (send(pid, 'SIGKILL', name) === 'gone') return result('terminated', signals, t0);
  signals.push('SIGKILL');
  const exited = await waitGone(KILL_WAIT_MS);
  return result('killed', signals, t0, exited);
}

/** A process `portwatch kill --port` would end. */
export interface KillTarget {
  pid: number;
  startedAt: number | null;
  name: string;
  cmdline: string;
  user: string | null;
  role: 'listener' | 'client';
  /** Its sockets on (or, for a client, to) the port. */
  sockets: Socket[];
}

/**
 * The distinct processes listening on the port (TCP LISTEN, bound UDP), and only when asked, the
 * processes of this machine connected to it as clients. Sockets whose owner is unknown are left out:
 * there is no process to end.
 */
export function planKill(sockets: readonly Socket[], options: { port: number; clients?: boolean }): KillTarget[] {
  const targets = new Map<number, KillTarget>();
  const add = (s: Socket, role: KillTarget['role']) => {
    if (s.pid === null) return;
    const known = targets.get(s.pid);
    if (known !== undefined) {
      if (known.role === role) known.sockets.push(s);
      return;
    }
    targets.set(s.pid, {
      pid: s.pid,
      startedAt: s.process?.startedAt ?? null,
      name: s.process?.name ?? '?',
      cmdline: s.process?.cmdline ?? '',
      user: s.process?.user ?? null,
      role,
      sockets: [s],
    });
  };
  const listening = (s: Socket) => s.localPort === options.port && (s.protocol === 'tcp' ? s.state === 'LISTEN' : s.listening);
  for (const s of sockets) if (listening(s)) add(s, 'listener');
  if (options.clients) for (const s of whoIsOnPort(sockets, options.port).clients) add(s, 'client');
  return [...targets.values()].sort((a, b) => (a.role === b.role ? a.pid - b.pid : a.role === 'listener' ? -1 : 1));
}
