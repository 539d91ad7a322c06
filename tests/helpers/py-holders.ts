// Python children holding sockets with SO_REUSEPORT, IPV6_V6ONLY or SO_REUSEADDR, and the "still
// busy" leftovers of a closed server (TIME_WAIT, CLOSE_WAIT), all on loopback or wildcard binds.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface PySocket {
  name: string;
  type: 'tcp' | 'udp';
  host: string;
  /** A number, the name of an earlier socket of the same holder whose port to reuse, or any free port. */
  port?: number | string;
  reuseport?: boolean;
  reuseaddr?: boolean;
  v6only?: boolean;
  listen?: boolean;
  /** A TCP client of host:port instead of a bound socket (loopback only). */
  connect?: { host: string; port: number };
}

export interface PyHolderOptions {
  /** Process name (comm), at most 15 characters. */
  title: string;
  /** Run as this uid (and gid), dropped before any socket is made; needs root. */
  uid?: number;
  /** Ignore SIGTERM, so only SIGKILL ends it. */
  ignoreTerm?: boolean;
}

export interface PyHolder {
  pid: number;
  title: string;
  child: ChildProcess;
  endpoints: Record<string, { address: string; port: number }>;
  close(name: string): Promise<void>;
  /** Resolves when the process has exited (for any reason). */
  exited: Promise<void>;
  isRunning(): boolean;
  exit(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./py-holder.py', import.meta.url));
const live = new Set<ChildProcess>();
let python: string | null = null;

/** The real interpreter (not a pyenv shim), so the child's pid is the interpreter's. */
export function pythonPath(): string {
  python ??= execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  return python;
}

export async function startPyHolder(sockets: PySocket[], options: PyHolderOptions): Promise<PyHolder> {
  const child = spawn(pythonPath(), [SCRIPT, JSON.stringify({ ...options, sockets })], { stdio: ['pipe', 'pipe', 'inherit'] });
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await Promise.race([iterator.next(), exited.then(() => Promise.reject(new Error(`python holder ${options.title} exited early`)))]);
  const ready = JSON.parse(String(first.value)) as { pid: number; endpoints: PyHolder['endpoints'] };
  return {
    pid: ready.pid,
    title: options.title,
    child,
    endpoints: ready.endpoints,
    exited,
    isRunning: () => child.exitCode === null && child.signalCode === null,
    async close(name) {
      child.stdin!.write(`close ${name}\n`);
      for (;;) {
        const next = await iterator.next();
        if (next.done || next.value === `closed ${name}`) return;
      }
    },
    exit: () => stopPy(child),
  };
}

function stopPy(child: ChildProcess): Promise<void> {
  live.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

export async function stopAllPy(): Promise<void> {
  await Promise.all([...live].map(stopPy));
}

/**
 * A TCP port outside the kernel's ephemeral range (below 32768), free on 127.0.0.1 and ::1 right now:
 * a server's port, as "still busy" expects.
 */
export async function freeServerPort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const ok = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port found below 32768');
}

/** Resolves once `check` is true, polling; rejects after timeoutMs. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, stepMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * Leaves TCP port `port` of 127.0.0.1 in TIME_WAIT with no listener: a short-lived process listens,
 * connects to itself, closes the server side first (the side that closes first keeps TIME_WAIT), then
 * closes the listener and exits. The kernel keeps the TIME_WAIT socket for 60 s.
 */
export function makeTimeWait(port: number): void {
  execFileSync(pythonPath(), [
    '-c',
    `import socket, time
L = socket.socket(); L.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); L.bind(('127.0.0.1', ${port})); L.listen(1)
C = socket.create_connection(('127.0.0.1', ${port}))
A, _ = L.accept()
A.close()
assert C.recv(1) == b''
C.close(); L.close(); time.sleep(0.1)`,
  ]);
}

/**
 * A process left with a CLOSE_WAIT socket on `port` and no listener: it accepted a connection, the
 * client closed, and it never closed its end.
 */
export async function startCloseWaitHolder(port: number, title: string): Promise<PyHolder> {
  const child = spawn(
    pythonPath(),
    [
      '-c',
      `import json, os, socket, sys, time
open('/proc/self/comm', 'w').write(${JSON.stringify(title)})
L = socket.socket(); L.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); L.bind(('127.0.0.1', ${port})); L.listen(1)
C = socket.create_connection(('127.0.0.1', ${port}))
A, _ = L.accept()
C.close(); L.close(); time.sleep(0.1)
print(json.dumps({'pid': os.getpid(), 'endpoints': {'a': {'address': '127.0.0.1', 'port': ${port}}}}), flush=True)
sys.stdin.read()`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    void exited.then(() => reject(new Error('close-wait holder exited early')));
  });
  const ready = JSON.parse(first) as { pid: number; endpoints: PyHolder['endpoints'] };
  return {
    pid: ready.pid,
    title,
    child,
    endpoints: ready.endpoints,
    exited,
    isRunning: () => child.exitCode === null && child.signalCode === null,
    close: () => Promise.resolve(),
    exit: () => stopPy(child),
  };
}
