// `portwatch serve`: the UI in the user's browser, served on 127.0.0.1 at a secret URL, with the
// engine in this process.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command} from 'commander';
import { Option } from 'commander';
import type { SocketSource } from '../../core/sources/source.js';
import { DEFAULT_PORT, startServer, type RunningServer } from '../../server/server.js';
import { printable } from '../../shared/printable.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../../shared/status.js';
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
  const engine = await openCliEngine(source, opts, (message) => io.err(`portwatch: ${message}\n`), 'serve');
  let server: RunningServer;
  try {
    // The port first: if it is taken, say so before any polling starts.
    server = await startServer({ service: engine.service, port: opts.port, rendererDir });
  } catch (e) {
    await engine.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') io.err(`portwatch: port ${opts.port} on 127.0.0.1 is already in use; choose another with --port N, or --port 0 for any free port\n`);
    else if (code === 'EACCES') io.err(`portwatch: not allowed to listen on port ${opts.port}; choose one above 1023, or --port 0\n`);
    else io.err(`portwatch: ${printable(e instanceof Error ? e.message : String(e))}\n`);
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
  let page: RedirectPage | null = null;
  if (opts.open) {
    try {
      page = await writeRedirectPage(server.url);
      (io.openPage ?? openInBrowser)(page.path);
    } catch (e) {
      io.err(`portwatch: could not open a browser (${printable(e instanceof Error ? e.message : String(e))}); open the URL above yourself\n`);
    }
  }
  await (io.interrupted ?? new Promise<void>(() => {}));
  engine.monitor.stop();
  await metrics?.close();
  await page?.remove();
  await server.close();
  await engine.close();
  return EXIT_OK;
}
