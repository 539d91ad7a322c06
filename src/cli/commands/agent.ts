// `portwatch agent`: the engine as a service. It runs until stopped (SIGTERM, Ctrl+C), keeps its
// alerts and settings in its data folder, and serves what it sees: the contract to local UIs on a
// Unix socket (owner, plus --group, read-only unless --group-access full), Prometheus metrics
// (--metrics) and alerts as NDJSON (--alerts-ndjson). Its own messages go to stderr (a service manager's log);
// stdout carries only the alert lines when asked for them there.
import type { Command } from 'commander';
import { Option } from 'commander';
import { Writable } from 'node:stream';
import type { Engine } from '../../core/engine.js';
import { defaultAgentSocket } from '../../core/agent-path.js';
import type { SocketSource } from '../../core/sources/source.js';
import { resolveDataDir } from '../../core/store/data-dir.js';
import { groupId } from '../../server/agent-access.js';
import { startAgentSocket } from '../../server/agent-socket.js';
import { ACCESS_LEVELS, type Access } from '../../shared/access.js';
import { openAlertFile, streamAlerts, type AlertStream } from '../../server/alert-stream.js';
import { describeEngine, MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../../shared/status.js';
import { dataDirOf, EXIT_NOT_FOUND, EXIT_OK, type CliIO, type CommandContext } from '../context.js';
import { metricsOption, startCliMetrics, type CliMetrics } from '../metrics-option.js';
import { openCliEngine, type AlertFlags } from '../open-engine.js';
import { parseInterval, parseLearn, type ListenAddress } from '../parse.js';

interface AgentOptions extends AlertFlags {
  interval: number;
  /** A path, or false for --no-socket. */
  socket: string | boolean;
  group?: string;
  groupAccess: Access;
  metrics?: ListenAddress;
  alertsNdjson?: string;
}

export function registerAgent(program: Command, { io, source, setExit }: CommandContext): void {
  program
    .command('agent')
    .description('run the engine as a service: metrics for Prometheus, alerts as NDJSON, until stopped')
    .option('--socket <path>', 'serve UIs on this Unix socket (default: /run/portwatch/agent.sock as root, else $XDG_RUNTIME_DIR/portwatch/agent.sock)')
    .option('--no-socket', 'serve no UI socket (metrics and alert lines only)')
    .option('--group <name>', "let this group's members use the socket too (read-only unless --group-access full)")
    .addOption(new Option('--group-access <access>', "what the group's members may do").choices(ACCESS_LEVELS).default('read-only'))
    .addOption(metricsOption())
    .option('--alerts-ndjson <file>', "append each alert as one JSON line to FILE ('-' for stdout)")
    .addOption(new Option('--interval <ms>', `poll interval, ${MIN_INTERVAL_MS}-${MAX_INTERVAL_MS} ms`).default(1000).argParser(parseInterval))
    .addOption(
      new Option('--learn <seconds>', 'learn what is normal for this long before alerting (0: alert from the first poll)').argParser(parseLearn).conflicts('alerts'),
    )
    .option('--no-alerts', 'raise no alerts, and read or write nothing in the data folder')
    .addHelpText(
      'after',
      '\nMetrics (portwatch_*): sockets by protocol and state, listening ports with port, protocol, process and exposure,\n' +
        'connections and traffic bytes by process, conflicts by kind, alerts raised by kind and severity, poll duration,\n' +
        'and the process defaults. No pid, address or command line is ever a label. See docs/deploy/ for a scrape\n' +
        'config, alerting rules and a Grafana dashboard.',
    )
    .action(async (opts: AgentOptions, command: Command) => {
      setExit(await agent(io, source(), { ...opts, dataDir: dataDirOf(command) }));
    });
}

async function agent(io: CliIO, source: SocketSource, opts: AgentOptions): Promise<number> {
  const say = (line: string) => io.err(`portwatch agent: ${line}\n`);
  if (opts.alertsNdjson !== undefined && !opts.alerts) {
    io.err('portwatch: --alerts-ndjson needs alerts; it cannot go with --no-alerts\n');
    return EXIT_NOT_FOUND;
  }
  // The alert file first: a path that cannot be written is said before anything starts.
  let alertOut: Writable | null = null;
  if (opts.alertsNdjson !== undefined && opts.alertsNdjson !== '-') {
    try {
      alertOut = openAlertFile(opts.alertsNdjson);
    } catch (e) {
      io.err(`portwatch: ${(e as Error).message}\n`);
      return EXIT_NOT_FOUND;
    }
  }
  const engine: Engine = await openCliEngine(source, opts, say, 'agent');
  const closers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await engine.close();
  };

  let group: { name: string; gid: number; access: Access } | null = null;
  if (opts.group !== undefined) {
    const gid = groupId(opts.group);
    if (gid === null) {
      io.err(`portwatch: there is no group '${opts.group}' (see /etc/group; groupadd ${opts.group} makes one)\n`);
      return EXIT_NOT_FOUND;
    }
    group = { name: opts.group, gid, access: opts.groupAccess };
  }
  let metrics: CliMetrics | null = null;
  if (opts.metrics !== undefined) {
    try {
      metrics = await startCliMetrics(engine, opts.metrics, say);
    } catch (e) {
      alertOut?.end();
      await stop();
      io.err(`portwatch: ${(e as Error).message}\n`);
      return EXIT_NOT_FOUND;
    }
    closers.push(() => metrics!.close());
  }

  if (opts.alertsNdjson !== undefined) {
    if (engine.alerts === null) say('no alerts can be kept here (see above), so none are streamed');
    else {
      const toFile = alertOut !== null;
      const out = alertOut ?? new Writable({ write: (chunk: Buffer, _enc, done) => (io.out(chunk.toString()), done()) });
      const stream: AlertStream = streamAlerts(engine.alerts, out, { closeOut: toFile, warn: say });
      closers.push(() => stream.close());
    }
  } else alertOut?.end();

  let failing = false;
  engine.monitor.subscribe((e) => {
    if (e.type !== 'status') return;
    if (e.status.error !== null && !failing) say(`poll failed: ${e.status.error}; retrying`);
    else if (e.status.error === null && failing) say('polling works again');
    failing = e.status.error !== null;
  });
  await engine.start();
  if (opts.socket !== false) {
    const path = typeof opts.socket === 'string' ? opts.socket : defaultAgentSocket(resolveDataDir(opts.dataDir));
    const ownerUid = typeof process.geteuid === 'function' ? process.geteuid() : 0;
    try {
      const socket = await startAgentSocket({ engine, path, policy: { ownerUid, group }, log: say });
      closers.push(() => socket.close());
      say(`serving UIs on ${path}${group ? ` (group ${group.name}: ${group.access})` : ''}`);
    } catch (e) {
      await stop();
      io.err(`portwatch: ${(e as Error).message}\n`);
      return EXIT_NOT_FOUND;
    }
  }
  const identity = engine.monitor.getStatus().engine;
  say(`running (pid ${process.pid})${identity ? `: ${describeEngine(identity)}` : ''}`);
  if (metrics !== null) say(`metrics at ${metrics.url}`);
  await (io.interrupted ?? new Promise<void>(() => {}));
  await stop();
  say('stopped');
  return EXIT_OK;
}
