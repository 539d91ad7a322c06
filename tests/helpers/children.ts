// Starts real processes that hold real sockets, and ends them when a test is done.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
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
  exit(): Promise<void>;
}

const HOLDER = fileURLToPath(new URL('./holder.mjs', import.meta.url));
const live = new Set<ChildProcess>();

/**
 * Node started through a link named `title`: the kernel takes the process name (comm) from the path
 * it was started by, so the child is told apart from every other node without touching its argv.
 */
export function namedNode(title: string): string {
  const dir = join(tmpdir(), `portwatch-test-bin-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const link = join(dir, title);
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
  return {
    pid: ready.pid,
    title,
    child,
    endpoints: ready.endpoints,
    async close(name) {
      child.stdin!.write(`close ${name}\n`);
      for (;;) {
        const next = await iterator.next();
        if (next.done || next.value === `closed ${name}`) return;
      }
    },
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
