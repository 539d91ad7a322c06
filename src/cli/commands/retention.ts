// `portwatch retention`: how much history is kept (days, megabytes), shown or set. The setting is the
// one the History view sets (settings.json in the data folder, written atomically under its lock), and
// setting it removes at once what the history no longer keeps. An engine that is running applies it
// when it next prunes (within a minute).
import type { Command } from 'commander';
import { Option } from 'commander';
import { describeFolderError } from '../../core/engine.js';
import { resolveDataDir } from '../../core/store/data-dir.js';
import { HistoryLog } from '../../core/store/history-log.js';
import { SettingsStore } from '../../core/store/settings.js';
import type { HistoryRetention } from '../../shared/history.js';
import { historyRetentionSchema, MAX_HISTORY_DAYS, MAX_HISTORY_MEGABYTES, retentionLimits } from '../../shared/history.js';
import { printable } from '../../shared/printable.js';
import { formatBytes } from '../../shared/units.js';
import { dataDirOf, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, json, type CliIO, type CommandContext } from '../context.js';
import { parseWholeNumber } from '../parse.js';

/** "30 days, at most 200 MB". */
export function retentionText(r: HistoryRetention): string {
  return `${r.maxAgeDays} day${r.maxAgeDays === 1 ? '' : 's'}, at most ${r.maxMegabytes} MB`;
}

export function registerRetention(program: Command, { io, setExit }: CommandContext): void {
  program
    .command('retention')
    .description('show or set how much history is kept: days, and megabytes on disk (the oldest goes first)')
    .addOption(new Option('--days <n>', `keep history this many days (1-${MAX_HISTORY_DAYS})`).argParser(parseWholeNumber('a number of days')))
    .addOption(new Option('--size <mb>', `keep at most this many megabytes of history (1-${MAX_HISTORY_MEGABYTES})`).argParser(parseWholeNumber('a number of megabytes')))
    .option('--json', 'one JSON object: { maxAgeDays, maxMegabytes }')
    .addHelpText('after', '\nThe default is 30 days and 200 MB. A smaller setting removes what it no longer keeps at once.')
    .action(async (opts: { days?: number; size?: number; json?: boolean }, command: Command) => {
      setExit(await retention(io, dataDirOf(command), opts));
    });
}

async function retention(io: CliIO, dataDir: string | undefined, opts: { days?: number; size?: number; json?: boolean }): Promise<number> {
  const dir = resolveDataDir(dataDir);
  let store: SettingsStore;
  try {
    const opened = await SettingsStore.open(dir);
    store = opened.store;
    for (const w of opened.warnings) io.err(`portwatch: ${printable(w)}\n`);
  } catch (e) {
    io.err(`portwatch: ${printable(`cannot read the settings in ${dir}: ${describeFolderError(e)}`)}\n`);
    return EXIT_NOT_FOUND;
  }
  const say = (r: HistoryRetention, prefix: string) => io.out(opts.json ? json(r) + '\n' : `${prefix}${retentionText(r)}.\n`);
  if (opts.days === undefined && opts.size === undefined) {
    say(store.historyRetention, 'History is kept ');
    return EXIT_OK;
  }
  const wanted = { ...store.historyRetention, ...(opts.days !== undefined ? { maxAgeDays: opts.days } : {}), ...(opts.size !== undefined ? { maxMegabytes: opts.size } : {}) };
  const checked = historyRetentionSchema.safeParse(wanted);
  if (!checked.success) {
    io.err(`portwatch: ${checked.error.issues[0]?.message ?? 'bad retention'}\n`);
    return EXIT_USAGE;
  }
  let saved: HistoryRetention;
  try {
    saved = await store.setHistoryRetention(checked.data);
    // Opening the history applies it: what it no longer keeps goes now, under the folder's lock.
    const log = await HistoryLog.open(dir, retentionLimits(saved));
    say(saved, 'History is now kept ');
    if (!opts.json) io.out(`It holds ${formatBytes(await log.size())} now.\n`);
  } catch (e) {
    io.err(`portwatch: ${printable(`cannot keep the history's retention in ${dir}: ${describeFolderError(e)}`)}\n`);
    return EXIT_NOT_FOUND;
  }
  return EXIT_OK;
}
