// The `portwatch` command: the engine for scripts and servers.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { Monitor } from '../core/monitor.js';
import { ApiService } from '../core/service.js';
import { DEFAULT_PORT, startServer, type RunningServer } from '../server/server.js';
import { createSource } from '../core/sources/index.js';
import type { SocketSource } from '../core/sources/source.js';
import { whoIsOnPort } from '../core/analysis/ports.js';
import type { Socket } from '../shared/model.js';
import { formatEndpoint } from '../shared/model.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../shared/status.js';
import { describeSocket, formatDeltaLines, formatTable } from './format.js';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Injected so tests and other hosts can run the CLI against the source they choose. */
  source?: () => SocketSource;
  /** Resolves when the user asks to stop (Ctrl+C). */
  interrupted?: Promise<void>;
  /** The built UI that `serve` hands out; by default out/renderer of this package. */
  rendererDir?: string;
  /** Opens a URL in the user's browser; by default the platform's opener. */
  openUrl?: (url: string) => void;
}

export const EXIT_OK = 0;
export const EXIT_NOT_FOUND = 1;
export const EXIT_USAGE = 2;

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError(`'${value}' is not a port (0-65535)`);
  }
  return Number(value);
}

function parseInterval(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`'${value}' is not a positive number of milliseconds`);
  }
  if (n < MIN_INTERVAL_MS || n > MAX_INTERVAL_MS) {
    throw new InvalidArgumentError(`the interval must be between ${MIN_INTERVAL_MS} and ${MAX_INTERVAL_MS} ms`);
  }
  return Math.round(n);
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError(`'${value}' is not a positive whole number`);
  }
  return Number(value);
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

export function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const source = io.source ?? (() => createSource());
  const program = new Command('portwatch')
    .description('What on this machine is talking to the network: sockets, their processes, live.')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => {} })
    .exitOverride();

  program
    .command('snapshot')
    .description('list every TCP and UDP socket once, with its process')
    .option('--json', 'one JSON object: { takenAt, sockets: [...] }')
    .action(async (opts: { json?: boolean }) => {
      const sample = await source().sample();
      if (opts.json) io.out(json({ takenAt: sample.takenAt, sockets: sample.sockets }) + '\n');
      else {
        io.out(formatTable(sample.sockets));
        warnAbout(sample.warnings.unattributed, io);
      }
    });

  program
    .command('watch')
    .description('follow sockets live: "+" new, "-" closed, "~" changed')
    .addOption(new Option('--interval <ms>', `poll interval, ${MIN_INTERVAL_MS}-${MAX_INTERVAL_MS} ms`).default(1000).argParser(parseInterval))
    .addOption(new Option('--count <n>', 'stop after N polls').argParser(parseCount))
    .option('--ndjson', 'one JSON object per line: a snapshot, then deltas')
    .action(async (opts: { interval: number; count?: number; ndjson?: boolean }) => {
      await watch(io, source(), opts);
    });

  program
    .command('who')
    .description('who is on a port: every socket bound to it, and the clients connected to it')
    .argument('<port>', 'port number, 0-65535', parsePort)
    .option('--json', 'one JSON object: { port, holders: [...], clients: [...] }')
    .action(async (port: number, opts: { json?: boolean }) => {
      const sample = await source().sample();
      const who = whoIsOnPort(sample.sockets, port);
      if (opts.json) io.out(json(who) + '\n');
      if (who.holders.length === 0) {
        if (!opts.json) io.out(`Port ${port} is free: no TCP or UDP socket is bound to it.\n`);
        setExit(EXIT_NOT_FOUND);
        return;
      }
      if (!opts.json) io.out(formatWho(who.holders, who.clients, port));
    });

  program
    .command('serve')
    .description('show the UI in your browser, served on 127.0.0.1 at a secret URL')
    .addOption(new Option('--port <n>', 'port on 127.0.0.1; 0 picks a free one').default(DEFAULT_PORT).argParser(parsePort))
    .option('--no-open', 'print the URL but do not open a browser')
    .addOption(new Option('--interval <ms>', `poll interval, ${MIN_INTERVAL_MS}-${MAX_INTERVAL_MS} ms`).default(1000).argParser(parseInterval))
    .action(async (opts: { port: number; open: boolean; interval: number }) => {
      setExit(await serve(io, source(), opts));
    });

  return program;
}

/** The package's own folder, found from this file: src/cli when run from source, dist/node/cli when built. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'portwatch') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the portwatch package folder');
    dir = parent;
  }
}

async function serve(io: CliIO, source: SocketSource, opts: { port: number; open: boolean; interval: number }): Promise<number> {
  const rendererDir = io.rendererDir ?? join(packageRoot(), 'out', 'renderer');
  if (!existsSync(join(rendererDir, 'index.html'))) {
    io.err(`portwatch: the UI is not built (${join(rendererDir, 'index.html')} is missing); run npm run build\n`);
    return EXIT_NOT_FOUND;
  }
  const monitor = new Monitor({ source, intervalMs: opts.interval });
  let server: RunningServer;
  try {
    // The port first: if it is taken, say so before any polling starts.
    server = await startServer({ service: new ApiService(monitor), port: opts.port, rendererDir });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') io.err(`portwatch: port ${opts.port} on 127.0.0.1 is already in use; choose another with --port N, or --port 0 for any free port\n`);
    else if (code === 'EACCES') io.err(`portwatch: not allowed to listen on port ${opts.port}; choose one above 1023, or --port 0\n`);
    else io.err(`portwatch: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_NOT_FOUND;
  }
  let failing = false;
  monitor.subscribe((e) => {
    if (e.type !== 'status') return;
    // Say it once when polls start failing and once when they recover, not on every retry.
    if (e.status.error !== null && !failing) io.err(`portwatch: poll failed: ${e.status.error}; retrying\n`);
    else if (e.status.error === null && failing) io.err('portwatch: polling works again\n');
    failing = e.status.error !== null;
  });
  await monitor.start();
  io.out(`Portwatch is serving on ${server.url}\n`);
  io.out('Open that URL (it carries the access token). Ctrl+C stops.\n');
  if (opts.open) (io.openUrl ?? openInBrowser)(server.url);
  await (io.interrupted ?? new Promise<void>(() => {}));
  monitor.stop();
  await server.close();
  return EXIT_OK;
}

/** Best effort: with no opener (or no desktop) the printed URL is all the user needs. */
function openInBrowser(url: string): void {
  let command: string;
  let args: string[];
  if (process.platform === 'darwin') [command, args] = ['open', [url]];
  else if (process.platform === 'win32') [command, args] = ['cmd', ['/c', 'start', '', url]];
  else {
    // Without a display xdg-open may start a text browser on our terminal: leave it to the user.
    if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
    [command, args] = ['xdg-open', [url]];
  }
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore', windowsHide: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no opener: the URL is printed
  }
}

function warnAbout(unattributed: number, io: CliIO): void {
  if (unattributed > 0 && typeof process.getuid === 'function' && process.getuid() !== 0) {
    io.err(`portwatch: ${unattributed} sockets belong to processes of other users; run as root to see their owners\n`);
  }
}

function formatWho(holders: Socket[], clients: Socket[], port: number): string {
  const lines: string[] = [];
  const listeners = holders.filter((s) => s.listening);
  lines.push(
    listeners.length > 0
      ? `Port ${port} is taken by ${[...new Set(listeners.map(owner))].join(', ')}.`
      : `Port ${port} has no listener, but sockets are bound to it.`,
  );
  lines.push('');
  lines.push(formatTable(holders).trimEnd());
  for (const s of listeners) {
    if (s.process) lines.push(`  ${formatEndpoint(s.localAddress, s.localPort)} ${s.protocol}: ${s.process.cmdline}`);
  }
  if (clients.length > 0) {
    lines.push('', `Clients on this machine connected to port ${port}:`);
    for (const c of clients) lines.push(`  ${describeSocket(c)}`);
  }
  return lines.join('\n') + '\n';
}

function owner(s: Socket): string {
  return s.pid === null ? 'an unknown process' : `${s.process?.name ?? 'pid'} (pid ${s.pid})`;
}

async function watch(io: CliIO, source: SocketSource, opts: { interval: number; count?: number; ndjson?: boolean }): Promise<void> {
  const monitor = new Monitor({ source, intervalMs: opts.interval });
  const closed = new Map<string, Socket>();
  let polls = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  let latest = new Map<string, Socket>();
  monitor.subscribe((e) => {
    if (e.type === 'status') {
      if (e.status.error !== null) io.err(`portwatch: poll failed: ${e.status.error}; retrying\n`);
      return;
    }
    polls++;
    const { delta } = e;
    if (polls === 1) {
      const { snapshot } = monitor.getState();
      latest = new Map(snapshot.sockets.map((s) => [s.id, s]));
      if (opts.ndjson) io.out(json({ type: 'snapshot', seq: delta.seq, takenAt: snapshot.takenAt, sockets: snapshot.sockets }) + '\n');
      else io.out(`Watching ${snapshot.sockets.length} sockets every ${opts.interval} ms ("+" new, "-" closed, "~" changed). Ctrl+C stops.\n`);
    } else {
      for (const id of delta.removed) {
        const s = latest.get(id);
        if (s) closed.set(id, s);
      }
      if (opts.ndjson) io.out(json({ type: 'delta', ...delta }) + '\n');
      else for (const line of formatDeltaLines(delta, closed)) io.out(line + '\n');
      for (const id of delta.removed) latest.delete(id);
      for (const s of delta.added) latest.set(s.id, s);
      for (const s of delta.changed) latest.set(s.id, s);
      closed.clear();
    }
    if (opts.count !== undefined && polls >= opts.count) done();
  });
  void io.interrupted?.then(done);
  await monitor.start();
  await finished;
  monitor.stop();
}

/** Runs the CLI and returns its exit status; never throws, never prints a stack trace. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  let exit = EXIT_OK;
  const program = buildProgram(io, (code) => (exit = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return EXIT_OK;
      // Help printed because the command line was incomplete (no command given): a usage error.
      if (e.code === 'commander.help') return EXIT_USAGE;
      const message = e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
      const command = argv.find((a) => !a.startsWith('-'));
      const known = program.commands.some((c) => c.name() === command);
      io.err(`portwatch: ${message} (see 'portwatch ${known ? `${command} ` : ''}--help')\n`);
      return EXIT_USAGE;
    }
    io.err(`portwatch: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_NOT_FOUND;
  }
}
