// Starts real processes that hold real sockets, and ends them when a test is done.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';

export interface HolderSpec {
  name: string;
  kind: 'tcp-listen' | 'tcp-connect' | 'udp-bind' | 'udp-connect';
  host?: string;
  port?: number;
  ipv6Only?: boolean;
  to?: string;
}

export interface Holder {
  pid: number;
  title: string;
  child: ChildProcess;
  endpoints: Record<string, { address: string; port: number }>;
  close(name: string): Promise<void>;
  /** Resolves once listener `name` has accepted `count` connections in all (a client elsewhere connected). */
  accepted(name: string, count: number): Promise<void>;
  /**
   * Resolves true when the process answers (it is alive, and ran after anything sent to it before,
   * a signal included), false when it has exited.
   */
  alive(): Promise<boolean>;
  exit(): Promise<void>;
}

const HOLDER = fileURLToPath(new URL('./holder.mjs', import.meta.url));
const live = new Set<ChildProcess>();

let binDir: string | null = null;

/**
 * Node started through a link named `title`: the kernel takes the process name (comm) from the path
 * it was started by, so the child is told apart from every other node without touching its argv.
 * The links live in a folder of this process's own, removed when it exits.
 */
export function namedNode(title: string): string {
  if (binDir === null) {
    const dir = mkdtempSync(join(tmpdir(), 'portwatch-test-bin-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    binDir = dir;
  }
  const link = join(binDir, title);
  rmSync(link, { force: true });
  symlinkSync(process.execPath, link);
  return link;
}

export async function startHolder(spec: HolderSpec[], title = 'pw-holder'): Promise<Holder> {
  const child = spawn(namedNode(title), [HOLDER, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'inherit'] });
  live.add(child);
  const lines = readline.createInterface({ input: child.stdout! });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await Promise.race([
    iterator.next(),
    new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`holder exited early (${code})`)))),
  ]);
  const ready = JSON.parse(String(first.value)) as { pid: number; endpoints: Holder['endpoints'] };
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
    title,
    child,
    endpoints: ready.endpoints,
    async close(name) {
      await ask(`close ${name}`, `closed ${name}`);
    },
    async accepted(name, count) {
      if (!(await ask(`accepted ${name} ${count}`, `accepted ${name} ${count}`))) throw new Error(`holder ${ready.pid} ended before ${name} accepted ${count}`);
    },
    alive: () => ask('ping', 'pong'),
    exit: () => stopChild(child),
  };
}

export function stopChild(child: ChildProcess): Promise<void> {
  live.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Ends every holder still running (call from afterAll/afterEach). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map(stopChild));
}
