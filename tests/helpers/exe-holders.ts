// Processes that run from an executable no other process on this machine uses: a private link (or
// copy) of node in a folder of its own. namedNode() gives a process its own name, but its executable
// is still the shared node binary, which other node programs on the machine may already have used;
// "never seen before" needs a path never seen before.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import type { HolderSpec } from './children.js';

const HOLDER = fileURLToPath(new URL('./holder.mjs', import.meta.url));
const CONNECT = fileURLToPath(new URL('./connect.mjs', import.meta.url));
const dirs: string[] = [];
const live = new Set<ChildProcess>();

/** A link to node at a fresh path outside every temporary folder (so it is not also "suspicious"). */
export function privateNode(title: string): string {
  const root = join(homedir(), '.cache', 'portwatch-tests');
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, `${process.pid}-`));
  dirs.push(dir);
  const path = join(dir, title);
  try {
    linkSync(process.execPath, path);
  } catch {
    copyFileSync(process.execPath, path); // another filesystem, or hard links refused
    chmodSync(path, 0o755);
  }
  return path;
}

/** A copy of node in a temporary folder: the kind of executable that is suspicious. */
export function tempNodeCopy(title: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portwatch-sus-'));
  dirs.push(dir);
  const path = join(dir, title);
  copyFileSync(process.execPath, path);
  chmodSync(path, 0o755);
  return path;
}

export interface ExeHolder {
  pid: number;
  child: ChildProcess;
  endpoints: Record<string, { address: string; port: number }>;
  exit(): Promise<void>;
}

/** holder.mjs (see children.ts) run by the given executable. */
export function startHolderWith(exe: string, spec: HolderSpec[]): Promise<ExeHolder> {
  return startReady(exe, [HOLDER, JSON.stringify(spec)]);
}

export interface Connector extends ExeHolder {
  /** Ports that accepted (held open until exit) and how many refused. */
  connected: number[];
  refused: number;
}

/**
 * connect.mjs run by the given executable: connects to every port on host (from the local address
 * `from`, when given) and holds what connected.
 */
export async function startConnector(exe: string, host: string, ports: number[], from?: string): Promise<Connector> {
  const h = await startReady(exe, [CONNECT, JSON.stringify({ host, ports, ...(from ? { from } : {}) })]);
  const ready = h.ready as { connected: number[]; refused: number };
  return { ...h, connected: ready.connected, refused: ready.refused };
}

async function startReady(exe: string, args: string[]): Promise<ExeHolder & { ready: unknown }> {
  const child = spawn(exe, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  live.add(child);
  const lines = readline.createInterface({ input: child.stdout! });
  const first = await Promise.race([
    lines[Symbol.asyncIterator]().next(),
    new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${exe} exited early (${code})`)))),
  ]);
  const ready = JSON.parse(String(first.value)) as { pid: number; endpoints?: ExeHolder['endpoints'] };
  return { pid: ready.pid, child, endpoints: ready.endpoints ?? {}, ready, exit: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  live.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Ends every process started here and removes the executables (call from afterAll). */
export async function cleanUpExeHolders(): Promise<void> {
  await Promise.all([...live].map(stop));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
