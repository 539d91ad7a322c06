// `portwatch watch`: the engine live on the terminal — a snapshot, then "+ / - / ~" per change, and
// "!" for alerts and for the watched ports (the user's saved list, from the same watcher the app
// and `serve` use), or the same as NDJSON.
import type { Command} from 'commander';
import { Option } from 'commander';
import type { Engine } from '../../core/engine.js';
import { printable } from '../../shared/printable.js';
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../../shared/status.js';
import { dataDirOf, json, writeJsonLine, type CliIO, type CommandContext } from '../context.js';
import { clock, formatAlertLine, formatDeltaLines, formatWatchedPortLine } from '../format.js';
import { openCliEngine, type AlertFlags } from '../open-engine.js';
import { parseCount, parseInterval, parseLearn } from '../parse.js';
import type { SocketSource } from '../../core/sources/source.js';

interface WatchOptions extends AlertFlags {
  interval: number;
  count?: number;
  ndjson?: boolean;
}

export function registerWatch(program: Command, { io, source }: CommandContext): void {
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
        'message"; --ndjson prints {"type":"alert","alert":{...}} and {"type":"warning","message":"..."}.\n' +
        'Watched ports are the list saved in the app (default 3000, 5173, 8000, 8080, 5432, 6379; with --no-alerts,\n' +
        'the default list).',
    )
    .action(async (opts: WatchOptions, command: Command) => {
      await watch(io, source(), { ...opts, dataDir: dataDirOf(command) });
    });
}

async function watch(io: CliIO, source: SocketSource, opts: WatchOptions): Promise<void> {
  const warn = (message: string) => (opts.ndjson ? io.out(json({ type: 'warning', message }) + '\n') : io.err(`portwatch: ${message}\n`));
  const engine: Engine = await openCliEngine(source, opts, warn, 'watch');
  const { monitor } = engine;
  // The alert engine and the watcher follow the monitor ahead of us: what they say during a poll
  // waits here and prints after that poll's own lines.
  const pending: string[] = [];
  const flush = () => {
    for (const line of pending.splice(0)) io.out(line + '\n');
  };
  engine.alerts?.subscribe((e) => {
    if (e.type === 'alert') pending.push(opts.ndjson ? json({ type: 'alert', alert: e.alert }) : formatAlertLine(e.alert));
  });
  // NDJSON carries the deltas themselves; a reader derives port changes from them.
  if (!opts.ndjson) engine.watchedPorts?.subscribe((e) => pending.push(formatWatchedPortLine(e.event, monitor.getState().snapshot.takenAt)));

  let polls = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  monitor.subscribe((e) => {
    if (e.type === 'status') {
      if (e.status.error !== null) io.err(`portwatch: poll failed: ${printable(e.status.error)}; retrying\n`);
      flush();
      return;
    }
    polls++;
    const { delta, previous } = e;
    if (polls === 1) {
      const { snapshot } = monitor.getState();
      if (opts.ndjson) writeJsonLine(io.out, { type: 'snapshot', seq: delta.seq, takenAt: snapshot.takenAt }, 'sockets', snapshot.sockets);
      else {
        io.out(`Watching ${snapshot.sockets.length} sockets every ${opts.interval} ms ("+" new, "-" closed, "~" changed). Ctrl+C stops.\n`);
        const learningUntil = engine.alerts?.status().learningUntil ?? null;
        if (learningUntil !== null) io.out(`Learning what is normal until ${clock(learningUntil)}: alerts start after that (--learn 0 starts them now).\n`);
      }
    } else if (opts.ndjson) io.out(json({ type: 'delta', ...delta }) + '\n');
    // `previous` is the monitor's table before this delta: what closed sockets were.
    else for (const line of formatDeltaLines(delta, previous)) io.out(line + '\n');
    flush();
    if (opts.count !== undefined && polls >= opts.count) done();
  });
  void io.interrupted?.then(done);
  await engine.start();
  await finished;
  await engine.close();
}
