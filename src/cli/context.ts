// What every command is handed: where to write, which socket source to read, how to set the exit
// status, and the options every command shares (--data-dir).
import type { Command } from 'commander';
import type { SocketSource } from '../core/sources/source.js';
import { jsonText } from '../shared/printable.js';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Injected so tests and other hosts can run the CLI against the source they choose. */
  source?: () => SocketSource;
  /** Resolves when the user asks to stop (Ctrl+C). */
  interrupted?: Promise<void>;
  /** The built UI that `serve` hands out; by default out/renderer of this package. */
  rendererDir?: string;
  /**
   * Opens a local page in the user's browser (the private page that sends it on to the URL with the
   * token: never the URL itself, which would sit on a command line); by default the platform's opener.
   */
  openPage?: (path: string) => void;
  /** Whether a person is there to answer a question; by default whether stdin is a terminal. */
  interactive?: boolean;
  /** The terminal's size when stdout is one (views that refresh in place); null or absent otherwise. */
  screen?: () => { columns: number; rows: number } | null;
  /** Asks a yes/no question; by default on the terminal, answering no unless "y" or "yes". */
  confirm?: (question: string) => Promise<boolean>;
}

export const EXIT_OK = 0;
export const EXIT_NOT_FOUND = 1;
export const EXIT_USAGE = 2;

export interface CommandContext {
  io: CliIO;
  source: () => SocketSource;
  setExit: (code: number) => void;
}

/** --data-dir, given before or after the command name. */
export function dataDirOf(command: Command): string | undefined {
  return (command.optsWithGlobals() as { dataDir?: string }).dataDir;
}

/** JSON for stdout: what JSON leaves raw (C1 controls, bidi marks) escaped too (shared/printable.ts). */
export function json(value: unknown): string {
  return jsonText(value);
}

/**
 * One JSON line, `head` with `name` set to `items` as its last key, handed to `out` in pieces of `per`
 * items: the same bytes as json({ ...head, [name]: items }) + newline, without one string of the whole
 * list (a 100,000-socket snapshot is 50 MB of text, and as many bytes again on its way out).
 */
export function writeJsonLine(out: (text: string) => void, head: Record<string, unknown>, name: string, items: readonly unknown[], per = 1000): void {
  const open = jsonText(head);
  out(`${open.length > 2 ? `${open.slice(0, -1)},` : '{'}${jsonText(name)}:[`);
  for (let i = 0; i < items.length; i += per) {
    const part = jsonText(items.slice(i, i + per));
    out((i > 0 ? ',' : '') + part.slice(1, -1));
  }
  out(']}\n');
}

/** Says that sockets have no owner when that is because we lack the rights to see it. */
export function warnAbout(unattributed: number, io: CliIO): void {
  if (unattributed > 0 && typeof process.getuid === 'function' && process.getuid() !== 0) {
    io.err(`portwatch: ${unattributed} sockets belong to processes of other users; run as root to see their owners\n`);
  }
}
