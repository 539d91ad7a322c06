// `portwatch export`: the live socket table or the history as CSV, JSON or NDJSON, to stdout or to a
// file written atomically (a reader never sees half of it, and an existing file is replaced whole).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Argument, Option } from 'commander';
import { writeFileAtomic } from '../../core/store/atomic-file.js';
import { EXPORT_FORMATS, exportHistory, exportSockets, type ExportFormat } from '../../shared/export.js';
import { matchSocket, parseFilter } from '../../shared/filter.js';
import { hasRemote, namesKey, type AddressNames } from '../../shared/names.js';
import { EXIT_NOT_FOUND, EXIT_OK, dataDirOf, type CliIO, type CommandContext } from '../context.js';
import { addHistoryQueryOptions, historyQuery, readHistory, type HistoryOptions } from './history.js';
import { lookupNames } from '../names.js';

interface ExportOptions extends HistoryOptions {
  format: ExportFormat;
  output?: string;
}

export function registerExport(program: Command, { io, source, setExit }: CommandContext): void {
  addHistoryQueryOptions(
    program
      .command('export')
      .description('write the live socket table, or the history, as CSV, JSON or NDJSON')
      .addArgument(new Argument('[what]', 'live: the sockets now; history: what closed').choices(['live', 'history']).default('live')),
  )
    .addOption(new Option('--format <format>', 'csv, json or ndjson').choices(EXPORT_FORMATS).default('csv'))
    .option('-o, --output <file>', 'write to this file (replaced atomically, private to you) instead of stdout')
    .addHelpText(
      'after',
      '\n--since, --until, --limit and --kind apply to history; --filter to both. CSV cells that a spreadsheet\n' +
        "would run as a formula (=, +, -, @ first) start with an apostrophe. Exit status: 0 when written; 1 when\n" +
        'the history or the file cannot be read or written; 2 for a usage error.',
    )
    .action(async (what: 'live' | 'history', opts: ExportOptions, command: Command) => {
      let text: string;
      if (what === 'history') {
        const result = await readHistory(io, dataDirOf(command), historyQuery(opts));
        if (result === null) return setExit(EXIT_NOT_FOUND);
        text = exportHistory(result.entries, opts.format);
      } else {
        const sample = await source().sample();
        let sockets = sample.sockets;
        if (opts.filter !== undefined) {
          const filter = parseFilter(opts.filter);
          // Offline names only (country, owner): an export never asks DNS.
          const { names } = await lookupNames(new Set(sockets.filter(hasRemote).map((s) => namesKey(s.remoteAddress!))), { dns: false });
          const lookup = (key: string): AddressNames | undefined => names.get(key);
          sockets = sockets.filter((s) => matchSocket(filter, s, lookup));
        }
        text = exportSockets(sockets, opts.format, sample.takenAt);
      }
      setExit(await write(io, text, opts.output));
    });
}

async function write(io: CliIO, text: string, output: string | undefined): Promise<number> {
  if (output === undefined || output === '-') {
    io.out(text);
    return EXIT_OK;
  }
  const path = resolve(output);
  try {
    await writeFileAtomic(path, text);
  } catch (e) {
    io.err(`portwatch: cannot write ${path}: ${(e as Error).message}\n`);
    return EXIT_NOT_FOUND;
  }
  io.err(`portwatch: wrote ${path}\n`);
  return EXIT_OK;
}
