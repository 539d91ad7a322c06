// Process entry of the `portwatch` command (bin/portwatch.js loads this).
import { EXIT_NOT_FOUND, main } from './main.js';

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});

// Writes to a pipe block while the reader catches up, as they do for other Unix tools. Node leaves a
// pipe non-blocking and queues what the reader has not taken yet, without bound: a 100,000-socket
// snapshot (50 MB) piped to a slower reader held another 110 MB here. (setBlocking is the stream
// handle's own method; a file or a terminal has none or is written synchronously already.)
(process.stdout as unknown as { _handle?: { setBlocking?: (on: boolean) => number } })._handle?.setBlocking?.(true);

// A reader that went away (`portwatch watch | head`) ends us quietly, as it does `ss`. Any other
// failure to write (a full disk: `snapshot > /dev/full`) is a failed run, said on stderr.
let failed = false;
function outputFailed(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') process.exit(0);
  if (failed) return;
  failed = true;
  process.stderr.write(`portwatch: cannot write the output: ${e.message}\n`, () => process.exit(EXIT_NOT_FOUND));
}
process.stdout.on('error', outputFailed);

const code = await main(process.argv.slice(2), {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  interrupted,
  screen: () => (process.stdout.isTTY ? { columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 } : null),
});
process.exitCode = code;
// Stop now, without waiting for pending timers (a watch may still have one queued).
process.stdout.write('', (e) => {
  // A write that failed earlier fails this one too: the first error is the one to tell.
  if (e) outputFailed((process.stdout.errored ?? e) as NodeJS.ErrnoException);
  else process.exit(code);
});
