// The `portwatch` command: the engine for scripts and servers. One file per command under
// commands/; this one assembles them and turns every failure into one line and an exit status.
import { Command, CommanderError, Option } from 'commander';
import { createSource } from '../core/sources/index.js';
import { registerAgent } from './commands/agent.js';
import { printable } from '../shared/printable.js';
import { registerAlerts } from './commands/alerts.js';
import { registerClose } from './commands/close.js';
import { registerConflicts } from './commands/conflicts.js';
import { registerExport } from './commands/export.js';
import { registerHistory } from './commands/history.js';
import { registerIp } from './commands/ip.js';
import { registerKill } from './commands/kill.js';
import { registerRetention } from './commands/retention.js';
import { registerServe } from './commands/serve.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerTop } from './commands/top.js';
import { registerTrust } from './commands/trust.js';
import { registerWatch } from './commands/watch.js';
import { registerWho } from './commands/who.js';
import { parseDataDir } from './parse.js';
import { EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, type CliIO, type CommandContext } from './context.js';

export { EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, type CliIO } from './context.js';

export function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const program = new Command('portwatch')
    .description('What on this machine is talking to the network: sockets, their processes, live.')
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => {} })
    .exitOverride()
    .addOption(
      new Option(
        '--data-dir <dir>',
        'where trust rules and the alert log are kept, shared with the app (default: $PORTWATCH_DATA_DIR, else the per-user folder)',
      ).argParser(parseDataDir),
    );
  const context: CommandContext = { io, source: io.source ?? (() => createSource()), setExit };
  for (const register of [registerSnapshot, registerWatch, registerTop, registerWho, registerConflicts, registerKill, registerServe, registerAlerts, registerTrust, registerIp, registerAgent, registerClose, registerHistory, registerRetention, registerExport]) {
    register(program, context);
  }
  return program;
}

/** Runs the CLI and returns its exit status; never throws, never prints a stack trace. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  let exit = EXIT_OK;
  const program = buildProgram(io, (code) => (exit = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return EXIT_OK;
      // Help printed because the command line was incomplete (no command given): a usage error.
      if (e.code === 'commander.help') return EXIT_USAGE;
      const message = e.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
      const command = argv.find((a) => !a.startsWith('-'));
      const known = program.commands.some((c) => c.name() === command);
      io.err(`portwatch: ${printable(message)} (see 'portwatch ${known ? `${command} ` : ''}--help')\n`);
      return EXIT_USAGE;
    }
    io.err(`portwatch: ${printable(e instanceof Error ? e.message : String(e))}\n`);
    return EXIT_NOT_FOUND;
  }
}
