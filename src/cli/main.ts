// The `portwatch` command: the engine for scripts and servers.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AlertEngine } from '../core/alert-engine.js';
import { Monitor } from '../core/monitor.js';
import { ApiService } from '../core/service.js';
import { WatchedPortsWatcher } from '../core/watched-ports-watcher.js';
import { DEFAULT_PORT, startServer, type RunningServer } from '../server/server.js';
import { createSource } from '../core/sources/index.js';
import type { SocketSource } from '../core/sources/source.js';
import { ephemeralPortRange, findConflicts, localhostOrder } from '../core/analysis/find-conflicts.js';
import { lookupPort } from '../core/analysis/ports.js';
import { DEFAULT_WATCHED_PORTS, describeWatchedPortEvent, watchedPortEvents } from '../core/analysis/watched-ports.js';
import {
  checkEndable,
  DEFAULT_GRACE_MS,
  describeProcess,
  endProcess,
  MAX_GRACE_MS,
  planKill,
  readCwd,
  type KillTarget,
} from '../core/process-control.js';
import { resolveDataDir } from '../core/store/data-dir.js';
import type { Alert, AlertEvent, TrustRule } from '../shared/alerts.js';
import { ALERT_KINDS } from '../shared/alerts.js';
import type { Socket } from '../shared/model.js';
import { formatEndpoint } from '../shared/model.js';
import type { EndProcessResult, PortLookup } from '../shared/ports.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../shared/status.js';
import { describeSocket, formatConflicts, formatDeltaLines, formatPortProcesses, formatTable, formatVerdicts, printable } from './format.js';

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
  /** Whether a person is there to answer a question; by default whether stdin is a terminal. */
  interactive?: boolean;
  /** Asks a yes/no question; by default on the terminal, answering no unless "y" or "yes". */
  confirm?: (question: string) => Promise<boolean>;
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

function parsePid(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 2 ** 31 - 1) {
    throw new InvalidArgumentError(`'${value}' is not a process id`);
  }
  return Number(value);
}

function parseGrace(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > MAX_GRACE_MS) {
    throw new InvalidArgumentError(`'${value}' is not a grace period (0-${MAX_GRACE_MS} ms)`);
  }
  return Number(value);
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError(`'${value}' is not a positive whole number`);
  }
  return Number(value);
}

/** The longest --learn: a week, as the engine allows. */
const MAX_LEARN_SECONDS = 7 * 24 * 3600;

function parseLearn(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > MAX_LEARN_SECONDS) {
    throw new InvalidArgumentError(`'${value}' is not a number of seconds (0-${MAX_LEARN_SECONDS}; 0 alerts from the first poll)`);
  }
  return n;
}

/** An executable as the engine knows it: a full path, or name:COMM where the path was hidden. */
function parseExe(value: string): string {
  if (!isAbsolute(value) && !/^name:./.test(value)) {
    throw new InvalidArgumentError(`'${value}' is not a full path; executables are trusted by path (e.g. /usr/bin/python3), or name:COMM where the path is hidden`);
  }
  return value;
}

/** PATH:PORT, PATH:PORT/tcp or PATH:PORT/udp (the path may itself hold colons: the last one counts). */
function parseListenerRule(value: string): { exe: string; port: number; protocol: 'tcp' | 'udp' } {
  const m = /^(.+):(\d{1,5})(?:\/(tcp|udp))?$/.exec(value);
  if (m === null || Number(m[2]) > 65535) throw new InvalidArgumentError(`'${value}' is not PATH:PORT/tcp or PATH:PORT/udp`);
  return { exe: parseExe(m[1]!), port: Number(m[2]), protocol: (m[3] ?? 'tcp') as 'tcp' | 'udp' };
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
    .exitOverride()
    .option(
      '--data-dir <dir>',
      'where trust rules and the alert log are kept, shared with the app (default: $PORTWATCH_DATA_DIR, else the per-user folder)',
    );

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
    .description('follow sockets live: "+" new, "-" closed, "~" changed, "!" a watched port taken or freed or an alert')
    .addOption(new Option('--interval <ms>', `poll interval, ${MIN_INTERVAL_MS}-${MAX_INTERVAL_MS} ms`).default(1000).argParser(parseInterval))
    .addOption(new Option('--count <n>', 'stop after N polls').argParser(parseCount))
    .option('--ndjson', 'one JSON object per line: a snapshot, then deltas, alerts and warnings')
    .addOption(
      new Option('--learn <seconds>', 'learn what is normal for this long before alerting (0: alert from the first poll)').argParser(parseLearn).conflicts('alerts'),
    )
    .option('--no-alerts', 'raise no alerts, and read or write nothing in the data folder')
    .addHelpText(
      'after',
      '\nAlerts: programs, listeners and inbound peers never seen before, executables run from temporary or deleted\n' +
        'files, port scans. A fresh data folder first learns for 60 s (everything seen then is normal); rules trusted\n' +
        'in the app or with "portwatch trust" silence alerts here too. Text mode prints "HH:MM:SS ! ALERT severity kind:\n' +
        'message"; --ndjson prints {"type":"alert","alert":{...}} and {"type":"warning","message":"..."}.',
    )
    .action(async (opts: WatchOptions, command: Command) => {
      await watch(io, source(), { ...opts, dataDir: dataDirOf(command) });
    });

  program
    .command('who')
    .description('who is on a port: every socket bound to it, the clients connected to it, and which addresses are free')
    .argument('<port>', 'port number, 0-65535', parsePort)
    .option('--json', 'one JSON object: { port, holders, clients, verdicts, processes: [{ pid, name, cmdline, cwd, ... }] }')
    .action(async (port: number, opts: { json?: boolean }) => {
      const sample = await source().sample();
      const who = lookupPort(sample.sockets, port, (pid) => readCwd(pid));
      if (opts.json) io.out(json(who) + '\n');
      if (who.holders.length === 0) {
        if (!opts.json) io.out(`Port ${port} is free: no TCP or UDP socket is bound to it.\n`);
        setExit(EXIT_NOT_FOUND);
        return;
      }
      if (!opts.json) io.out(formatWho(who));
    });

  program
    .command('conflicts')
    .description('ports split or shared between processes, and ports still busy after their server went (exits 0 either way)')
    .option('--json', 'one JSON object: { conflicts: [{ port, protocol, kind, severity, sockets, pids, explanation, ... }] }')
    .addHelpText(
      'after',
      '\nKinds: localhost-split, dual-stack-split, shared-port, wildcard-specific, still-busy.\n' +
        'Exit status: 0 whether or not conflicts are found (this is a report, not a check); 2 for a usage error.',
    )
    .action(async (opts: { json?: boolean }) => {
      const sample = await source().sample();
      const conflicts = findConflicts(sample.sockets, {
        localhostOrder: await localhostOrder(),
        now: sample.takenAt,
        ephemeralPorts: ephemeralPortRange(),
      });
      // A report, not a check: finding conflicts is a successful run, so the exit status stays 0.
      io.out(opts.json ? json({ conflicts }) + '\n' : formatConflicts(conflicts));
    });

  program
    .command('kill')
    .description('end the process listening on a port, or a pid: SIGTERM, then SIGKILL after a grace period')
    .addOption(new Option('--port <n>', 'end the processes listening on this port (0-65535)').argParser(parsePort).conflicts('pid'))
    .addOption(new Option('--pid <n>', 'end this process').argParser(parsePid))
    .addOption(new Option('--clients', "also end this machine's processes connected to the port").conflicts('pid'))
    .option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .addOption(new Option('--grace <ms>', `wait this long after SIGTERM before SIGKILL, 0-${MAX_GRACE_MS}`).default(DEFAULT_GRACE_MS).argParser(parseGrace))
    .addHelpText(
      'after',
      '\nOnly listening processes are ended unless --clients is given. Each pid is checked against the start time\n' +
        'Portwatch saw right before each signal, so a reused pid is never signalled; pid 1, Portwatch and its\n' +
        'parents are refused.\n\nExit status: 0 when every process ended; 1 when there was nothing to end, the answer was no,\n' +
        'or a process was refused or may not be signalled; 2 for a usage error, or no --yes without a terminal.',
    )
    .action(async (opts: KillOptions, command: Command) => {
      if (opts.port === undefined && opts.pid === undefined) {
        command.error('say what to end: --port N or --pid N', { exitCode: EXIT_USAGE, code: 'portwatch.usage' });
      }
      setExit(await kill(io, source, opts));
    });

  program
    .command('serve')
    .description('show the UI in your browser, served on 127.0.0.1 at a secret URL')
    .addOption(new Option('--port <n>', 'port on 127.0.0.1; 0 picks a free one').default(DEFAULT_PORT).argParser(parsePort))
    .option('--no-open', 'print the URL but do not open a browser')
    .addOption(new Option('--interval <ms>', `poll interval, ${MIN_INTERVAL_MS}-${MAX_INTERVAL_MS} ms`).default(1000).argParser(parseInterval))
    .addOption(
      new Option('--learn <seconds>', 'learn what is normal for this long before alerting (0: alert from the first poll)').argParser(parseLearn).conflicts('alerts'),
    )
    .option('--no-alerts', 'raise no alerts, and read or write nothing in the data folder')
    .action(async (opts: ServeOptions, command: Command) => {
      setExit(await serve(io, source(), { ...opts, dataDir: dataDirOf(command) }));
    });

  program
    .command('alerts')
    .description('list the alerts raised so far, newest first (the ones not yet acknowledged, unless --all)')
    .option('--all', 'acknowledged alerts too')
    .addOption(new Option('--limit <n>', 'at most N alerts').default(100).argParser(parseCount))
    .option('--json', 'one JSON object: { alerts: [...], status: { learning, counts, unacknowledged, warnings, ... } }')
    .action(async (opts: { all?: boolean; limit: number; json?: boolean }, command: Command) => {
      setExit(await listAlerts(io, dataDirOf(command), opts));
    });

  program
    .command('trust')
    .description('trust an executable, or one of its listeners, so it raises no alerts (here and in the app)')
    .addOption(new Option('--exe <path>', 'trust everything this executable does (by its full path)').argParser(parseExe).conflicts('listener'))
    .addOption(new Option('--listener <path:port/proto>', 'trust this executable listening on this port, e.g. /usr/bin/python3:8000/tcp').argParser(parseListenerRule))
    .option('--remove', 'take the rule back instead')
    .addHelpText('after', '\nTrusting acknowledges the alerts the rule covers. Executables are trusted by path, never by name.')
    .action(async (opts: { exe?: string; listener?: { exe: string; port: number; protocol: 'tcp' | 'udp' }; remove?: boolean }, command: Command) => {
      let rule: TrustRule;
      if (opts.exe !== undefined) rule = { kind: 'executable', exe: opts.exe };
      else if (opts.listener !== undefined) rule = { kind: 'listener', ...opts.listener };
      else command.error('say what to trust: --exe PATH or --listener PATH:PORT/tcp', { exitCode: EXIT_USAGE, code: 'portwatch.usage' });
      setExit(await trust(io, dataDirOf(command), rule, opts.remove === true));
    });

  return program;
}

/** --data-dir, given before or after the command name. */
function dataDirOf(command: Command): string | undefined {
  return (command.optsWithGlobals() as { dataDir?: string }).dataDir;
}

interface AlertFlags {
  /** --no-alerts makes this false. */
  alerts: boolean;
  learn?: number;
  dataDir?: string | undefined;
}

interface WatchOptions extends AlertFlags {
  interval: number;
  count?: number;
  ndjson?: boolean;
}

interface ServeOptions extends AlertFlags {
  port: number;
  open: boolean;
  interval: number;
}

/** What a failed open of the data folder means to the user. */
function describeDataDirError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return 'it, or a folder above it, is a file';
    case 'EACCES':
    case 'EPERM':
      return 'not allowed to write there';
    case 'EROFS':
      return 'it is on a read-only file system';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Opens the alert engine on the monitor, or says in one line why it cannot and returns null (the
 * caller goes on without alerts). Engine warnings (a store kept aside, a log line skipped) and any that
 * come later go to warn, each once.
 */
async function openAlerts(monitor: Monitor, flags: AlertFlags, warn: (message: string) => void): Promise<AlertEngine | null> {
  if (!flags.alerts) return null;
  const dataDir = resolveDataDir(flags.dataDir);
  let engine: AlertEngine;
  try {
    engine = await AlertEngine.open(monitor, { dataDir, ...(flags.learn !== undefined ? { learnSeconds: flags.learn } : {}) });
  } catch (e) {
    warn(`cannot keep alerts in ${dataDir}: ${describeDataDirError(e)}. Going on without alerts (--data-dir DIR picks another folder, --no-alerts turns them off).`);
    return null;
  }
  let told = 0;
  const tell = (warnings: string[]) => {
    // The engine only appends to its warnings: what is past `told` is new.
    for (const w of warnings.slice(told)) warn(w);
    told = Math.max(told, warnings.length);
  };
  tell(engine.status().warnings);
  engine.subscribe((e) => {
    if (e.type === 'status') tell(e.status.warnings);
  });
  return engine;
}

/** The watched-ports watcher on the monitor (settings.json in the data folder), or null with one line saying why not. */
async function openWatchedPorts(monitor: Monitor, dataDir: string | undefined, warn: (message: string) => void): Promise<WatchedPortsWatcher | null> {
  const dir = resolveDataDir(dataDir);
  try {
    const watcher = await WatchedPortsWatcher.open(monitor, { dataDir: dir });
    for (const w of watcher.warnings) warn(w);
    return watcher;
  } catch (e) {
    warn(`cannot keep settings in ${dir}: ${describeDataDirError(e)}. Going on without watched ports (--data-dir DIR picks another folder).`);
    return null;
  }
}

function clock(at: number): string {
  return new Date(at).toTimeString().slice(0, 8);
}

/** "12:04:31 ! ALERT high new-listener: nc (…) listens on 0.0.0.0:4444 …" */
export function formatAlertLine(alert: Alert): string {
  return `${clock(alert.at)} ! ALERT ${alert.severity} ${alert.kind}: ${printable(alert.message)}`;
}

async function listAlerts(io: CliIO, dataDir: string | undefined, opts: { all?: boolean; limit: number; json?: boolean }): Promise<number> {
  const dir = resolveDataDir(dataDir);
  let engine: AlertEngine;
  try {
    engine = await AlertEngine.open(null, { dataDir: dir });
  } catch (e) {
    io.err(`portwatch: cannot read alerts in ${dir}: ${describeDataDirError(e)}\n`);
    return EXIT_NOT_FOUND;
  }
  try {
    const alerts = engine.list({ limit: opts.limit, ...(opts.all ? {} : { unacknowledged: true }) });
    const status = engine.status();
    if (opts.json) {
      io.out(json({ alerts, status }) + '\n');
      return EXIT_OK;
    }
    for (const w of status.warnings) io.err(`portwatch: ${w}\n`);
    if (alerts.length === 0) {
      io.out(opts.all ? 'No alerts yet.\n' : 'No new alerts (--all shows acknowledged ones too).\n');
    } else {
      const lines = alerts.map((a) => {
        const day = new Date(a.at).toISOString().slice(0, 10);
        const state = a.acknowledgedAt !== null ? '  (acknowledged)' : a.snoozedUntil !== null && a.snoozedUntil > Date.now() ? '  (snoozed)' : '';
        return `${day} ${clock(a.at)}  ${a.severity.padEnd(6)}  ${a.kind.padEnd(Math.max(...ALERT_KINDS.map((k) => k.length)))}  ${printable(a.message)}${state}`;
      });
      io.out(lines.join('\n') + '\n');
    }
    if (status.learning && status.learningUntil !== null) io.out(`Learning what is normal until ${clock(status.learningUntil)}: no alerts until then.\n`);
    return EXIT_OK;
  } finally {
    await engine.close();
  }
}

async function trust(io: CliIO, dataDir: string | undefined, rule: TrustRule, remove: boolean): Promise<number> {
  const dir = resolveDataDir(dataDir);
  let engine: AlertEngine;
  try {
    engine = await AlertEngine.open(null, { dataDir: dir });
  } catch (e) {
    io.err(`portwatch: cannot keep trust rules in ${dir}: ${describeDataDirError(e)}\n`);
    return EXIT_NOT_FOUND;
  }
  const what = rule.kind === 'executable' ? rule.exe : rule.kind === 'listener' ? `${rule.exe} listening on ${rule.protocol} port ${rule.port}` : `${rule.exe} to ${rule.host}`;
  try {
    for (const w of engine.status().warnings) io.err(`portwatch: ${w}\n`);
    if (remove) {
      const removed = await engine.untrust(rule);
      io.out(removed ? `No longer trusted: ${printable(what)}.\n` : `Nothing to take back: ${printable(what)} was not trusted.\n`);
      return removed ? EXIT_OK : EXIT_NOT_FOUND;
    }
    const { added, acknowledged } = await engine.trust(rule);
    const acks = acknowledged.length === 0 ? '' : ` ${acknowledged.length === 1 ? '1 alert' : `${acknowledged.length} alerts`} acknowledged.`;
    io.out(`${added ? 'Trusted' : 'Already trusted'}: ${printable(what)}.${acks}\n`);
    return EXIT_OK;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    io.err(`portwatch: ${e.message}\n`);
    return EXIT_USAGE;
  } finally {
    await engine.close();
  }
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

async function serve(io: CliIO, source: SocketSource, opts: ServeOptions): Promise<number> {
  const rendererDir = io.rendererDir ?? join(packageRoot(), 'out', 'renderer');
  if (!existsSync(join(rendererDir, 'index.html'))) {
    io.err(`portwatch: the UI is not built (${join(rendererDir, 'index.html')} is missing); run npm run build\n`);
    return EXIT_NOT_FOUND;
  }
  const monitor = new Monitor({ source, intervalMs: opts.interval });
  const engine = await openAlerts(monitor, opts, (message) => io.err(`portwatch: ${message}\n`));
  const watchedPorts = await openWatchedPorts(monitor, opts.dataDir, (message) => io.err(`portwatch: ${message}\n`));
  let server: RunningServer;
  try {
    // The port first: if it is taken, say so before any polling starts.
    server = await startServer({ service: new ApiService(monitor, { alerts: engine, watchedPorts }), port: opts.port, rendererDir });
  } catch (e) {
    await engine?.close();
    await watchedPorts?.close();
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
  await engine?.close();
  await watchedPorts?.close();
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

function formatWho(who: PortLookup): string {
  const { holders, clients, port } = who;
  const lines: string[] = [];
  const listeners = holders.filter((s) => s.listening);
  lines.push(
    listeners.length > 0
      ? `Port ${port} is taken by ${[...new Set(listeners.map(owner))].join(', ')}.`
      : `Port ${port} has no listener, but sockets are bound to it.`,
  );
  lines.push('');
  lines.push(formatTable(holders).trimEnd());
  if (clients.length > 0) {
    lines.push('', `Clients on this machine connected to port ${port}:`);
    for (const c of clients) lines.push(`  ${describeSocket(c)}`);
  }
  lines.push('', 'Binding it now:');
  lines.push(...formatVerdicts(who.verdicts, port));
  if (who.processes.length > 0) {
    lines.push('', 'Processes:');
    lines.push(...formatPortProcesses(who.processes));
  }
  return lines.join('\n') + '\n';
}

function owner(s: Socket): string {
  return s.pid === null ? 'an unknown process' : `${s.process?.name ?? 'pid'} (pid ${s.pid})`;
}

async function watch(io: CliIO, source: SocketSource, opts: WatchOptions): Promise<void> {
  const monitor = new Monitor({ source, intervalMs: opts.interval });
  // Text mode also says when a listener takes or frees one of the usual dev ports.
  const watched = new Set(DEFAULT_WATCHED_PORTS);
  let polls = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  let engine: AlertEngine | null = null;
  monitor.subscribe((e) => {
    if (e.type === 'status') {
      if (e.status.error !== null) io.err(`portwatch: poll failed: ${e.status.error}; retrying\n`);
      return;
    }
    polls++;
    const { delta, previous } = e;
    if (polls === 1) {
      const { snapshot } = monitor.getState();
      if (opts.ndjson) io.out(json({ type: 'snapshot', seq: delta.seq, takenAt: snapshot.takenAt, sockets: snapshot.sockets }) + '\n');
      else {
        io.out(`Watching ${snapshot.sockets.length} sockets every ${opts.interval} ms ("+" new, "-" closed, "~" changed). Ctrl+C stops.\n`);
        const learningUntil = engine?.status().learningUntil ?? null;
        if (learningUntil !== null) io.out(`Learning what is normal until ${clock(learningUntil)}: alerts start after that (--learn 0 starts them now).\n`);
      }
    } else {
      // `previous` is the monitor's table before this delta: what closed sockets were.
      if (opts.ndjson) io.out(json({ type: 'delta', ...delta }) + '\n');
      else for (const line of formatDeltaLines(delta, previous)) io.out(line + '\n');
      const closed = delta.removed.map((id) => previous.get(id)).filter((s): s is Socket => s !== undefined);
      const touchesWatched = !opts.ndjson && [...delta.added, ...delta.changed, ...closed].some((s) => s.listening && watched.has(s.localPort));
      if (touchesWatched) {
        const at = new Date(delta.takenAt).toTimeString().slice(0, 8);
        const after = monitor.getState().snapshot.sockets;
        for (const event of watchedPortEvents([...previous.values()], after, watched)) io.out(`${at} ! ${describeWatchedPortEvent(event)}\n`);
      }
    }
    if (opts.count !== undefined && polls >= opts.count) done();
  });
  // After the listener above: a poll's alerts print after its delta.
  const warn = (message: string) => (opts.ndjson ? io.out(json({ type: 'warning', message }) + '\n') : io.err(`portwatch: ${message}\n`));
  engine = await openAlerts(monitor, opts, warn);
  engine?.subscribe((e: AlertEvent) => {
    if (e.type !== 'alert') return;
    io.out((opts.ndjson ? json({ type: 'alert', alert: e.alert }) : formatAlertLine(e.alert)) + '\n');
  });
  void io.interrupted?.then(done);
  await monitor.start();
  await finished;
  monitor.stop();
  await engine?.close();
}

interface KillOptions {
  port?: number;
  pid?: number;
  clients?: boolean;
  yes?: boolean;
  grace: number;
}

/** Asks on the terminal; Ctrl+C or end of input is a no. */
async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('SIGINT', () => resolve(''));
      rl.once('close', () => resolve(''));
      rl.question(question).then(resolve, () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

function describeTarget(t: KillTarget): string[] {
  const on = [...new Set(t.sockets.map((s) => (t.role === 'listener' ? `${s.protocol} ${formatEndpoint(s.localAddress, s.localPort)}` : `${s.protocol} to ${formatEndpoint(s.remoteAddress, s.remotePort)}`)))];
  return [`  ${printable(t.name)} (pid ${t.pid}${t.user ? `, user ${t.user}` : ''})  ${t.role === 'listener' ? 'listening on' : 'client,'} ${on.join(', ')}`, `    ${printable(t.cmdline)}`];
}

function describeResult(r: EndProcessResult, graceMs: number): string {
  const who = `${r.name ?? 'process'} (pid ${r.pid})`;
  switch (r.outcome) {
    case 'already-gone':
      return `${who} had already exited.`;
    case 'terminated':
      return `Ended ${who}: it exited after SIGTERM (${(r.elapsedMs / 1000).toFixed(1)} s).`;
    case 'killed':
      return r.exited
        ? `Killed ${who} with SIGKILL: it was still running ${graceMs} ms after SIGTERM.`
        : `Sent SIGKILL to ${who}, but it is still running (stuck in the kernel?).`;
  }
}

async function kill(io: CliIO, source: () => SocketSource, opts: KillOptions): Promise<number> {
  let targets: KillTarget[];
  if (opts.pid !== undefined) {
    try {
      checkEndable(opts.pid);
    } catch (e) {
      io.err(`portwatch: ${(e as Error).message}\n`);
      return EXIT_NOT_FOUND;
    }
    const info = describeProcess(opts.pid);
    if (info === null || info.startedAt === null) {
      io.err(`portwatch: no process with pid ${opts.pid}\n`);
      return EXIT_NOT_FOUND;
    }
    targets = [{ pid: info.pid, startedAt: info.startedAt, name: info.name, cmdline: info.cmdline, user: info.user, role: 'listener', sockets: [] }];
  } else {
    const port = opts.port!;
    const { sockets } = await source().sample();
    targets = planKill(sockets, { port, clients: opts.clients === true });
    if (targets.length === 0) {
      const unseen = sockets.some((s) => s.localPort === port && s.listening && s.pid === null);
      io.err(
        unseen
          ? `portwatch: port ${port} is held by a process Portwatch cannot see (another user's); run as root to end it\n`
          : `portwatch: nothing listens on port ${port}${opts.clients ? ' and no local client is connected to it' : ''}; nothing to end\n`,
      );
      return EXIT_NOT_FOUND;
    }
  }

  if (!opts.yes) {
    const header = opts.pid !== undefined ? 'Would end:' : `Would end ${targets.length === 1 ? 'this process' : `these ${targets.length} processes`} on port ${opts.port}:`;
    io.out([header, ...targets.flatMap((t) => (opts.pid !== undefined ? [`  ${printable(t.name)} (pid ${t.pid}${t.user ? `, user ${t.user}` : ''})`, `    ${printable(t.cmdline)}`] : describeTarget(t)))].join('\n') + '\n');
    const interactive = io.interactive ?? process.stdin.isTTY === true;
    if (!interactive) {
      io.err('portwatch: not ending anything without confirmation, and stdin is not a terminal to ask on; add --yes\n');
      return EXIT_USAGE;
    }
    const yes = await (io.confirm ?? askOnTerminal)(`End ${targets.length === 1 ? 'this process' : 'these processes'}? [y/N] `);
    if (!yes) {
      io.out('Nothing ended.\n');
      return EXIT_NOT_FOUND;
    }
  }

  const results = await Promise.allSettled(
    targets.map((t) => {
      if (t.startedAt === null) return Promise.reject(new Error(`cannot check the identity of pid ${t.pid} (${t.name}); not ending it`));
      return endProcess({ pid: t.pid, startedAt: t.startedAt, graceMs: opts.grace });
    }),
  );
  let failed = false;
  for (const r of results) {
    if (r.status === 'fulfilled') io.out(describeResult(r.value, opts.grace) + '\n');
    else {
      failed = true;
      const e: unknown = r.reason;
      io.err(`portwatch: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  return failed ? EXIT_NOT_FOUND : EXIT_OK;
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
