// Python children holding sockets with SO_REUSEPORT, IPV6_V6ONLY or SO_REUSEADDR, and the "still
// busy" leftovers of a closed server (TIME_WAIT, CLOSE_WAIT), all on loopback or wildcard binds.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
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
  /** True when the process answers (alive, and ran after anything sent to it before), false when it has exited. */
  alive(): Promise<boolean>;
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
  // One question at a time; true when the answer came, false when the process ended first.
  let queue: Promise<unknown> = Promise.resolve();
  const ask = (line: string, answer: string): Promise<boolean> => {
    const run = queue.then(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return false;
      child.stdin!.write(`${line}\n`, () => {});
      for (;;) {
        const next = await iterator.next();
        if (next.done) return false;
        if (next.value === answer) return true;
      }
    });
    queue = run.catch(() => {});
    return run;
  };
  return {
    pid: ready.pid,
    title: options.title,
    child,
    endpoints: ready.endpoints,
    exited,
    isRunning: () => child.exitCode === null && child.signalCode === null,
    async close(name) {
      await ask(`close ${name}`, `closed ${name}`);
    },
    // Closing a socket it does not have is a harmless question it still answers.
    alive: () => ask('close -', 'closed -'),
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

/** Python that waits until the kernel's table shows a TCP socket of 127.0.0.1:port in a state (hex, as /proc/net/tcp). */
const WAIT_STATE = `
def wait_state(port, state):
    import time
    local = '0100007F:%04X' % port
    for _ in range(2000):
        with open('/proc/net/tcp') as f:
            if any(r.split()[1] == local and r.split()[3] == state for r in f.read().splitlines()[1:]):
                return
        time.sleep(0.005)
    raise SystemExit('127.0.0.1:%d never reached state %s' % (port, state))
`;

/**
 * Leaves TCP port `port` of 127.0.0.1 in TIME_WAIT with no listener: a short-lived process listens,
 * connects to itself, closes the server side first (the side that closes first keeps TIME_WAIT), then
 * closes the listener, and exits once the table shows the TIME_WAIT. The kernel keeps it for 60 s.
 * The port should be reserved (ports.ts), so nothing else binds it meanwhile.
 */
export function makeTimeWait(port: number): void {
  execFileSync(pythonPath(), [
    '-c',
    `import socket
${WAIT_STATE}
L = socket.socket(); L.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); L.bind(('127.0.0.1', ${port})); L.listen(1)
C = socket.create_connection(('127.0.0.1', ${port}))
A, _ = L.accept()
A.close()
assert C.recv(1) == b''
C.close(); L.close()
wait_state(${port}, '06')`,
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
      `import json, os, socket, sys
${WAIT_STATE}
open('/proc/self/comm', 'w').write(${JSON.stringify(title)})
L = socket.socket(); L.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); L.bind(('127.0.0.1', ${port})); L.listen(1)
C = socket.create_connection(('127.0.0.1', ${port}))
A, _ = L.accept()
C.close(); L.close()
wait_state(${port}, '08')
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
    alive: () => Promise.resolve(child.exitCode === null && child.signalCode === null),
    exit: () => stopPy(child),
  };
}
