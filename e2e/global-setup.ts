// Builds the renderer when its sources are newer than the build, starts `portwatch serve` on a free
// port and hands its URL to the specs (PORTWATCH_URL). Returns the teardown that stops it.
//
// The server keeps its trust rules and alert log in a data folder of its own (never the user's), and
// does not learn first (--learn 0): alerts start with the first poll, so a spec's new process is an
// alert at once.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';

const root = process.cwd();

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function mtime(path: string): number {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function buildRendererIfNeeded(): void {
  const built = mtime(join(root, 'out/renderer/index.html'));
  const sources = Math.max(newestMtime(join(root, 'src/renderer')), newestMtime(join(root, 'src/shared')));
  if (built > sources) return;
  console.log('[e2e] building the renderer (npx electron-vite build)…');
  const r = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npx electron-vite build failed');
}

/** The compiled CLI when it is newer than its sources, else the TypeScript through tsx. */
function cliCommand(): string[] {
  const built = mtime(join(root, 'dist/node/cli/index.js'));
  const sources = Math.max(...['src/cli', 'src/server', 'src/core', 'src/shared'].map((d) => newestMtime(join(root, d))));
  return built > sources ? ['bin/portwatch.js'] : ['--import', 'tsx', 'src/cli/index.ts'];
}

export interface ServeOptions {
  /** The data folder (trust rules, alert log); default: a new temporary one, removed by stop(). */
  dataDir?: string;
  /** Seconds to learn before alerting; default 0. */
  learn?: number;
}

export async function startServe(options: ServeOptions = {}): Promise<{ url: string; child: ChildProcess; dataDir: string; stop: () => Promise<void> }> {
  const own = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'portwatch-e2e-data-'));
  const args = [...cliCommand(), '--data-dir', dataDir, 'serve', '--port', '0', '--no-open', '--interval', '500', '--learn', String(options.learn ?? 0)];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = readline.createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    // A hang, not a slow start: on a busy machine the first poll alone can take seconds.
    const timer = setTimeout(() => reject(new Error(`portwatch serve printed no URL within 120 s\n${stderr}`)), 120_000);
    lines.on('line', (line) => {
      const m = /https?:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`portwatch serve exited (${code}) before printing its URL\n${stderr}`));
    });
  });
  const exited = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  const stop = async () => {
    await exited();
    if (own) rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, child, dataDir, stop };
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  buildRendererIfNeeded();
  const server = await startServe();
  process.env.PORTWATCH_URL = server.url;
  console.log(`[e2e] portwatch serve at ${server.url.replace(/token=.*/, 'token=…')}`);
  return server.stop;
}
