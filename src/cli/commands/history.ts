// `portwatch history`: what closed while an engine ran (the app, serve, watch or agent), read from the
// data folder's history without starting an engine; newest first.
import type { Command } from 'commander';
import { Option } from 'commander';
import { describeFolderError } from '../../core/engine.js';
import { resolveDataDir } from '../../core/store/data-dir.js';
import { HistoryLog } from '../../core/store/history-log.js';
import { EXPORT_FORMATS, exportHistory, type ExportFormat } from '../../shared/export.js';
import type { HistoryKind, HistoryQuery, HistoryResult } from '../../shared/history.js';
import { DEFAULT_HISTORY_LIMIT, HISTORY_KINDS, MAX_HISTORY_LIMIT } from '../../shared/history.js';
import { dataDirOf, EXIT_NOT_FOUND, EXIT_OK, type CliIO, type CommandContext } from '../context.js';
import { printable } from '../../shared/printable.js';
import { formatHistoryTable } from '../history-table.js';
import { parseListLimit, parseWhen } from '../parse.js';

export interface HistoryOptions {
  since?: number;
  until?: number;
  filter?: string;
  limit: number;
  kind?: HistoryKind;
  format?: ExportFormat | 'table';
  json?: boolean;
  csv?: boolean;
}

/** --since, --until, --filter, --limit, --kind: shared by history and export. */
export function addHistoryQueryOptions(command: Command): Command {
  return command
    .option('--since <when>', 'closed at or after: a duration back from now (30s, 15m, 2h, 7d) or a date (2026-12-01T08:00)', (v) => parseWhen(v))
    .option('--until <when>', 'closed at or before: a duration back from now or a date', (v) => parseWhen(v))
    .option('--filter <expr>', "the UI's filter language, e.g. 'port:5432 proc:postgres -state:listen'")
    .addOption(new Option('--limit <n>', `at most N entries, newest first (1-${MAX_HISTORY_LIMIT})`).default(DEFAULT_HISTORY_LIMIT).argParser(parseListLimit(MAX_HISTORY_LIMIT)))
    .addOption(new Option('--kind <kind>', 'only connections or only listeners').choices(HISTORY_KINDS));
}

export function historyQuery(opts: HistoryOptions): HistoryQuery {
  return {
    ...(opts.since !== undefined ? { since: opts.since } : {}),
    ...(opts.until !== undefined ? { until: opts.until } : {}),
    ...(opts.filter !== undefined ? { filter: opts.filter } : {}),
    limit: opts.limit,
    ...(opts.kind !== undefined ? { kinds: [opts.kind] } : {}),
  };
}

/** Reads the history of the data folder; null (and one line said) when it cannot be read. */
export async function readHistory(io: CliIO, dataDir: string | undefined, query: HistoryQuery): Promise<HistoryResult | null> {
  const dir = resolveDataDir(dataDir);
  try {
    const result = await HistoryLog.reader(dir).query(query);
    for (const w of result.warnings) io.err(`portwatch: ${printable(w)}\n`);
    return result;
  } catch (e) {
    io.err(`portwatch: cannot read the history in ${dir}: ${describeFolderError(e)}\n`);
    return null;
  }
}

export function registerHistory(program: Command, { io, setExit }: CommandContext): void {
  addHistoryQueryOptions(
    program
      .command('history')
      .description('connections that closed and listeners that went while Portwatch ran, newest first, with their process and bytes'),
  )
    .addOption(new Option('--format <format>', 'table, csv, json ({ connections: [...], listeners: [...] }) or ndjson').choices(['table', ...EXPORT_FORMATS]))
    .addOption(new Option('--json', 'the same as --format json').conflicts(['csv', 'format']))
    .addOption(new Option('--csv', 'the same as --format csv').conflicts('format'))
    .addHelpText(
      'after',
      '\nHistory is recorded while an engine runs (the app, portwatch serve, watch or agent) in the data folder\n' +
        '(--data-dir), kept 30 days and at most 200 MB unless set otherwise (portwatch retention, or the History\n' +
        'view). Exit status: 0, also when nothing matched; 1 when the history cannot be read; 2 for a usage error.',
    )
    .action(async (opts: HistoryOptions, command: Command) => {
      const format = opts.json ? 'json' : opts.csv ? 'csv' : (opts.format ?? 'table');
      const result = await readHistory(io, dataDirOf(command), historyQuery(opts));
      if (result === null) return setExit(EXIT_NOT_FOUND);
      if (format !== 'table') io.out(exportHistory(result.entries, format));
      else if (result.matched === 0) io.out(result.oldest === null ? 'No history yet: it is recorded while Portwatch runs (the app, serve, watch or agent).\n' : 'Nothing in the history matches.\n');
      else io.out(formatHistoryTable(result));
      setExit(EXIT_OK);
    });
}
