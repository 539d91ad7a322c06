// `portwatch serve`: the UI in the user's browser, served on 127.0.0.1 at a secret URL, with the
// engine in this process, or attached to a running agent (--agent PATH, or one found at the
// well-known socket paths) whose engine it shows instead.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command} from 'commander';
import { Option } from 'commander';
import type { SocketSource } from '../../core/sources/source.js';
import { connectAgent, findRunningAgent } from '../../core/agent-connection.js';
import { agentSocketCandidates } from '../../core/agent-path.js';
import { EngineClient } from '../../core/engine-client.js';
import type { EngineSummary } from '../../core/engine-protocol.js';
import { resolveDataDir } from '../../core/store/data-dir.js';
import type { ContractHost } from '../../server/api-socket.js';
import { DEFAULT_PORT } from '../../server/default-port.js';
import type { RunningServer } from '../../server/server.js';
import { printable } from '../../shared/printable.js';
import { describeEngine, MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../../shared/status.js';
import { openInBrowser, writeRedirectPage, type RedirectPage } from '../browser-page.js';
import { dataDirOf, EXIT_NOT_FOUND, EXIT_OK, type CliIO, type CommandContext } from '../context.js';
import { metricsOption, startCliMetrics, type CliMetrics } from '../metrics-option.js';
import { openCliEngine, type AlertFlags } from '../open-engine.js';
import { packageRoot } from '../package-root.js';
import { parseInterval, parseLearn, parsePort, type ListenAddress } from '../parse.js';

interface ServeOptions extends AlertFlags {
  port: number;
  open: boolean;
  interval: number;
  metrics?: ListenAddress;
  /** A socket path, false for --no-agent, undefined to look at the well-known paths. */
  agent?: string | false;
}

export function registerServe(program: Command, { io, source, setExit }: CommandContext): void {
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
    .addOption(metricsOption())
    .option('--agent <path>', "show the engine of the Portwatch agent at this Unix socket (default: a running agent at /run/portwatch/agent.sock or the user's own is used when there is one)")
    .option('--no-agent', 'run an engine in this process even when an agent is running')
    .action(async (opts: ServeOptions, command: Command) => {
      setExit(await serve(io, source(), { ...opts, dataDir: dataDirOf(command) }));
    });
}

async function serve(io: CliIO, source: SocketSource, opts: ServeOptions): Promise<number> {
  const rendererDir = io.rendererDir ?? join(packageRoot(), 'out', 'renderer');
  if (!existsSync(join(rendererDir, 'index.html'))) {
    io.err(`portwatch: the UI is not built (${join(rendererDir, 'index.html')} is missing); run npm run build\n`);
    return EXIT_NOT_FOUND;
  }
  const agentPath = opts.agent === false ? null : (opts.agent ?? (await findRunningAgent(agentSocketCandidates(resolveDataDir(opts.dataDir)))));
  if (agentPath !== null) {
    if (opts.metrics !== undefined) {
      io.err(`portwatch: --metrics serves this process's own engine; with an agent, scrape the agent's --metrics (or add --no-agent)\n`);
      return EXIT_NOT_FOUND;
    }
    return serveAttached(io, opts, agentPath, rendererDir);
  }
  const engine = await openCliEngine(source, opts, (message) => io.err(`portwatch: ${message}\n`), 'serve');
  // The port first: if it is taken, say so before any polling starts.
  const server = await listenOrSay(io, engine.service, opts.port, rendererDir);
  if (server === null) {
    await engine.close();
    return EXIT_NOT_FOUND;
  }
  let metrics: CliMetrics | null = null;
  if (opts.metrics !== undefined) {
    try {
      metrics = await startCliMetrics(engine, opts.metrics, (line) => io.err(`portwatch: ${line}\n`));
    } catch (e) {
      await server.close();
      await engine.close();
      io.err(`portwatch: ${(e as Error).message}\n`);
      return EXIT_NOT_FOUND;
    }
  }
  let failing = false;
  engine.monitor.subscribe((e) => {
    if (e.type !== 'status') return;
    // Say it once when polls start failing and once when they recover, not on every retry.
    if (e.status.error !== null && !failing) io.err(`portwatch: poll failed: ${printable(e.status.error)}; retrying\n`);
    else if (e.status.error === null && failing) io.err('portwatch: polling works again\n');
    failing = e.status.error !== null;
  });
  await engine.start();
  io.out(`Portwatch is serving on ${server.url}\n`);
  io.out('Open that URL (it carries the access token). Ctrl+C stops.\n');
  if (metrics !== null) io.out(`Prometheus metrics at ${metrics.url}\n`);
  const page = opts.open ? await openPage(io, server.url) : null;
  await (io.interrupted ?? new Promise<void>(() => {}));
  engine.monitor.stop();
  await metrics?.close();
  await page?.remove();
  await server.close();
  await engine.close();
  return EXIT_OK;
}

/** Opens the browser on a private redirect page (the token on no command line); null when it cannot. */
async function openPage(io: CliIO, url: string): Promise<RedirectPage | null> {
  try {
    const page = await writeRedirectPage(url);
    (io.openPage ?? openInBrowser)(page.path);
    return page;
  } catch (e) {
    io.err(`portwatch: could not open a browser (${printable(e instanceof Error ? e.message : String(e))}); open the URL above yourself\n`);
    return null;
  }
}

/** The browser-mode server, or null after saying in one line why it cannot listen. */
async function listenOrSay(io: CliIO, service: ContractHost, port: number, rendererDir: string): Promise<RunningServer | null> {
  try {
    // Loaded here, not at start: the server and its WebSocket library cost every other command ~110 ms.
    const { startServer } = await import('../../server/server.js');
    return await startServer({ service, port, rendererDir });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') io.err(`portwatch: port ${port} on 127.0.0.1 is already in use; choose another with --port N, or --port 0 for any free port\n`);
    else if (code === 'EACCES') io.err(`portwatch: not allowed to listen on port ${port}; choose one above 1023, or --port 0\n`);
    else io.err(`portwatch: ${printable(e instanceof Error ? e.message : String(e))}\n`);
    return null;
  }
}

/** serve with the agent's engine: the pages talk to it through an EngineClient, as the desktop app would. */
async function serveAttached(io: CliIO, opts: ServeOptions, agentPath: string, rendererDir: string): Promise<number> {
  const client = new EngineClient({
    fork: () => connectAgent(agentPath),
    // What an engine of our own would open with; an agent keeps its own settings and says so.
    config: { dataDir: null, intervalMs: opts.interval, alerts: false, watchedPorts: true },
    log: (line) => io.err(`${printable(line)}\n`),
  });
  try {
    await client.start();
  } catch (e) {
    await client.close();
    io.err(`portwatch: ${printable(e instanceof Error ? e.message : String(e))}\n`);
    return EXIT_NOT_FOUND;
  }
  const server = await listenOrSay(io, client, opts.port, rendererDir);
  if (server === null) {
    await client.close();
    return EXIT_NOT_FOUND;
  }
  const engine = (client.summary() ?? (await firstSummary(client)))?.status.engine;
  io.out(`Portwatch is serving on ${server.url}\n`);
  io.out(`Attached to the Portwatch agent at ${printable(agentPath)}${engine ? ` (${printable(describeEngine(engine))})` : ''}. Ctrl+C stops.\n`);
  const page = opts.open ? await openPage(io, server.url) : null;
  await (io.interrupted ?? new Promise<void>(() => {}));
  await page?.remove();
  await server.close();
  await client.close();
  return EXIT_OK;
}

/** The agent sends its summary right after 'ready'; null if it has not within a few seconds. */
function firstSummary(client: EngineClient): Promise<EngineSummary | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(null);
    }, 5_000);
    const off = client.onSummary((summary) => {
      clearTimeout(timer);
      off();
      resolve(summary);
    });
  });
}
