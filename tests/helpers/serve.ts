// `portwatch serve` in a child process (from the TypeScript source), its URL and token, and a small
// WebSocket client for its API: the server as a user (or an attacker) meets it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { WsServerMessage } from '../../src/shared/api.js';
import { ROOT } from './cli.js';

export interface Served {
  child: ChildProcess;
  url: string;
  port: number;
  token: string;
  stderr(): string;
  /** Resident memory of the server process (kB), from /proc/PID/status. */
  rssKb(): number;
  stop(): Promise<number | null>;
}

export interface ServeOptions {
  /** Soft and hard limit on open files for the server process (ulimit -n). */
  fdLimit?: number;
  env?: NodeJS.ProcessEnv;
}

const live = new Set<ChildProcess>();

/** serve hands out the built UI: build it once if this checkout has none (call from beforeAll). */
export function ensureUiBuilt(): void {
  if (existsSync(join(ROOT, 'out/renderer/index.html'))) return;
  const vite = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (vite.status !== 0) throw new Error(`electron-vite build failed: ${vite.stdout}${vite.stderr}`);
}

export async function startServe(args: string[], options: ServeOptions = {}): Promise<Served> {
  const argv = [process.execPath, '--import', 'tsx', 'src/cli/index.ts', 'serve', '--port', '0', ...args];
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child =
    options.fdLimit === undefined
      ? spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
      : spawn('sh', ['-c', `ulimit -n ${options.fdLimit} && exec ${quoted}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  live.add(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d));
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /serving on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void closed.then((code) => reject(new Error(`serve exited (${code}) before serving: ${err}`)));
  });
  const parsed = new URL(url);
  return {
    child,
    url,
    port: Number(parsed.port),
    token: parsed.searchParams.get('token')!,
    stderr: () => err,
    rssKb: () => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN),
    stop() {
      live.delete(child);
      child.kill('SIGINT');
      return closed;
    },
  };
}

export async function stopAllServes(): Promise<void> {
  await Promise.all(
    [...live].map((child) => {
      live.delete(child);
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        child.once('close', () => resolve());
        child.kill('SIGKILL');
      });
    }),
  );
}

/** A WebSocket client of the API that keeps every message. */
export class ApiClient {
  readonly messages: WsServerMessage[] = [];
  private nextId = 1;
  private waiters = new Set<() => void>();
  private closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as WsServerMessage);
      for (const w of this.waiters) w();
    });
    ws.on('close', () => {
      this.closed = true;
      for (const w of this.waiters) w();
    });
  }

  static open(served: Pick<Served, 'port' | 'token'>, options: WebSocket.ClientOptions = {}): Promise<ApiClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${served.port}/ws?token=${served.token}`, options);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new ApiClient(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  /** Sends a request without waiting for its answer; returns its id. */
  send(method: string, args: unknown[] = []): number {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, args }));
    return id;
  }

  async call(method: string, args: unknown[] = []): Promise<Extract<WsServerMessage, { type: 'result' }>> {
    const id = this.send(method, args);
    return (await this.waitFor((m) => m.type === 'result' && m.id === id)) as Extract<WsServerMessage, { type: 'result' }>;
  }

  waitFor(pred: (m: WsServerMessage) => boolean): Promise<WsServerMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.messages.find(pred);
        if (hit !== undefined) {
          this.waiters.delete(check);
          resolve(hit);
        } else if (this.closed) {
          this.waiters.delete(check);
          reject(new Error('the connection closed first'));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.ws.terminate();
  }
}
