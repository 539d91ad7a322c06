// `portwatch top`: which processes and connections move the most data, like nethogs or bandwhich
// but without root or packet capture (the kernel's per-socket counters; see core/traffic.ts).
// On a terminal it refreshes in place; piped, it prints each report in turn; --json prints the last
// report as one object and --ndjson one object per report, for scripts.
import type { Command } from 'commander';
import { Option } from 'commander';
import { openEngine } from '../../core/engine.js';
import type { SocketSource } from '../../core/sources/source.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../../shared/status.js';
import { json, type CliIO, type CommandContext } from '../context.js';
import { parseCount, parseInterval } from '../parse.js';
import { BATCH_LAYOUT, formatTop } from '../top-screen.js';
import { topReport, type TopReport } from '../top-report.js';

interface TopOptions {
  interval: number;
  count?: number;
  once?: boolean;
  json?: boolean;
  ndjson?: boolean;
}

// The alternate screen (as top and less use), the cursor hidden while it refreshes.
const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l';
const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';
const HOME_AND_CLEAR = '\x1b[H\x1b[2J';

export function registerTop(program: Command, { io, source }: CommandContext): void {
  program
    .command('top')
    .description('processes and connections by traffic rate, refreshing (like nethogs, without root)')
    .addOption(new Option('--interval <ms>', `poll interval, ${MIN_INTERVAL_MS}-${MAX_INTERVAL_MS} ms`).default(1000).argParser(parseInterval))
    .addOption(new Option('--count <n>', 'stop after N reports (each over one interval)').argParser(parseCount).conflicts('once'))
    .option('--once', 'one report over one interval, then stop (--count 1)')
    .addOption(new Option('--json', 'after the last report, print it as one JSON object').conflicts('ndjson'))
    .option('--ndjson', 'print each report as one JSON object per line')
    .addHelpText(
      'after',
      '\nRates are bytes per second over the last interval; SENT and RECEIVED count each connection over its life,\n' +
        'closed ones included. Linux counts every TCP connection of your user without root (tcp_info through\n' +
        'sock_diag); other users\' connections and ones shorter than a poll whose owner is gone are reported as\n' +
        'not credited. Elsewhere only the interface totals are measured. UDP has no per-socket counters.\n' +
        'JSON: {"takenAt","intervalMs","processes":[{"pid","name","exe","sendRate","receiveRate","bytesSent",\n' +
        '"bytesReceived","connections"}],"connections":[...],"interfaces":[{"name","sendRate","receiveRate",\n' +
        '"bytesSent","bytesReceived"}],"unattributed","total","availability"}, processes sorted by total rate.',
    )
    .action(async (opts: TopOptions) => {
      await top(io, source(), opts);
    });
}

async function top(io: CliIO, source: SocketSource, opts: TopOptions): Promise<void> {
  const reports = opts.once ? 1 : opts.count;
  const screen = !opts.json && !opts.ndjson ? (io.screen?.() ?? null) : null;
  // Nothing on disk, no alerts, no names: top reads counters and nothing else.
  const engine = await openEngine({ dataDir: null, source, intervalMs: opts.interval, alerts: false, watchedPorts: false, names: false });
  const { monitor } = engine;
  let last: TopReport | null = null;
  let made = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  let onScreen = false;

  monitor.subscribe((e) => {
    if (e.type === 'status' && e.status.error !== null) io.err(`portwatch: poll failed: ${e.status.error}; retrying\n`);
  });
  monitor.subscribeTraffic((update) => {
    // The first poll only starts the counters: there is no interval to measure a rate over yet.
    if (update.intervalMs === 0 || made === reports) return;
    const traffic = monitor.getTraffic();
    if (traffic === null) return;
    last = topReport(traffic, monitor.getState().snapshot.sockets);
    made++;
    if (opts.ndjson) io.out(json(last) + '\n');
    else if (!opts.json) {
      // The size is read again each time: the user may resize the terminal.
      const lines = formatTop(last, opts.interval, screen === null ? BATCH_LAYOUT : (io.screen?.() ?? screen));
      if (screen !== null) {
        if (!onScreen) io.out(ENTER_SCREEN);
        onScreen = true;
        io.out(HOME_AND_CLEAR + lines.join('\n'));
      } else io.out(lines.join('\n') + '\n\n');
    }
    if (reports !== undefined && made >= reports) done();
  });
  void io.interrupted?.then(done);
  try {
    await engine.start();
    await finished;
  } finally {
    await engine.close();
    // The terminal as it was; the last frame stays readable below the prompt.
    if (onScreen && last !== null) io.out(LEAVE_SCREEN + formatTop(last, opts.interval, { columns: (io.screen?.() ?? screen!).columns, rows: null }).join('\n') + '\n');
    else if (onScreen) io.out(LEAVE_SCREEN);
  }
  if (opts.json) {
    if (last === null) io.err('portwatch: stopped before one interval was measured; nothing to report\n');
    else io.out(json(last) + '\n');
  }
}
