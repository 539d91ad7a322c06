// Runs the real `portwatch` command in a child process, from the TypeScript source.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function spawnCli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function runCli(args: string[]): Promise<CliResult> {
  const child = spawnCli(args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

export interface LiveCli {
  child: ChildProcess;
  /** Everything printed on stdout so far. */
  out(): string;
  /** Resolves once stdout matches: waits for what the command prints, never for a time. */
  until(pattern: RegExp): Promise<void>;
  /** Ctrl+C, and the exit status. */
  stop(): Promise<number | null>;
}

/** A long-running command (watch, serve) whose output a test reads as it comes. */
export function liveCli(args: string[]): LiveCli {
  const child = spawnCli(args);
  let out = '';
  let wake: () => void = () => {};
  child.stdout!.on('data', (d: Buffer) => {
    out += d;
    wake();
  });
  let ended = false;
  const closed = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      ended = true;
      wake();
      resolve(code);
    }),
  );
  return {
    child,
    out: () => out,
    async until(pattern) {
      while (!pattern.test(out)) {
        // A command that ended without printing it never will: say so now, not at the test's timeout.
        if (ended) throw new Error(`portwatch ${args.join(' ')} ended before printing ${pattern}:\n${out}`);
        await new Promise<void>((r) => (wake = r));
      }
    },
    stop() {
      child.kill('SIGINT');
      return closed;
    },
  };
}
