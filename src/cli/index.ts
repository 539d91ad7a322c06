// Process entry of the `portwatch` command (bin/portwatch.js loads this).
import { main } from './main.js';

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});

// A reader that went away (`portwatch watch | head`) ends us quietly, as it does `ss`.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});

const code = await main(process.argv.slice(2), {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  interrupted,
});
process.exitCode = code;
// Stop now, without waiting for pending timers (a watch may still have one queued).
process.stdout.write('', () => process.exit(code));
