// The one rule for ports in tests (tests/ and e2e/). A server a test starts and keeps listens on port
// 0 and reads back what the kernel gave it. A port the test must name before anything listens on it,
// or that must be free again afterwards (a watched port, "nothing holds it", a listener that comes
// back), is reserved here: never a port the kernel picked and the test closed again, which is free
// only for an instant (the next connect() or bind(0) anywhere on the machine may take it). A reserved port is
// never handed out by the kernel (it is below the ephemeral range), and a small keeper process holds
// it bound without listening on every address (see port-keeper.py), so it shows in no socket table:
// the port looks free to Portwatch, a test's own server can still listen on it (and stop), and
// nobody else can take it meanwhile. Reservations last until the test process ends.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const KEEPER = fileURLToPath(new URL('./port-keeper.py', import.meta.url));

interface Keeper {
  child: ChildProcess;
  ask(line: string): Promise<string>;
}

let keeper: Keeper | null = null;
let queue: Promise<unknown> = Promise.resolve();

function startKeeper(): Keeper {
  const child = spawn('python3', [KEEPER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`port keeper exited (${code})`))));
  exited.catch(() => {});
  // The keeper lives as long as this process; it must not keep it alive.
  const hold = (on: boolean) => {
    for (const h of [child, child.stdin, child.stdout] as Array<{ ref(): void; unref(): void } | null>) h?.[on ? 'ref' : 'unref']();
  };
  hold(false);
  return {
    child,
    async ask(line) {
      hold(true);
      try {
        child.stdin!.write(`${line}\n`);
        const next = await Promise.race([lines.next(), exited]);
        return String(next.value);
      } finally {
        hold(false);
      }
    },
  };
}

function ask(line: string): Promise<string> {
  const run = queue.then(() => (keeper ??= startKeeper()).ask(line));
  queue = run.catch(() => {});
  return run;
}

/** A TCP port that looks free and stays free for this test process: nothing else can take it. */
export async function reservePort(): Promise<number> {
  const port = Number(await ask('reserve'));
  if (!Number.isInteger(port) || port <= 0) throw new Error('no port in 10000-19999 could be reserved');
  return port;
}

/** Gives a reserved port back (optional: reservations end with the process). */
export async function releasePort(port: number): Promise<void> {
  await ask(`release ${port}`);
}
