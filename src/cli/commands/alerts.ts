// `portwatch alerts`: the alerts raised so far in the data folder, newest first.
import type { Command} from 'commander';
import { Option } from 'commander';
import { AlertEngine } from '../../core/alert-engine.js';
import { describeFolderError } from '../../core/engine.js';
import { resolveDataDir } from '../../core/store/data-dir.js';
import { MAX_ALERT_LIMIT } from '../../shared/alerts.js';
import { printable } from '../../shared/printable.js';
import { dataDirOf, EXIT_NOT_FOUND, EXIT_OK, json, type CliIO, type CommandContext } from '../context.js';
import { clock, formatAlertList } from '../format.js';
import { parseLimit } from '../parse.js';

interface AlertsOptions {
  all?: boolean;
  limit: number;
  json?: boolean;
}

export function registerAlerts(program: Command, { io, setExit }: CommandContext): void {
  program
    .command('alerts')
    .description('list the alerts raised so far, newest first (the ones not yet acknowledged, unless --all)')
    .option('--all', 'acknowledged alerts too')
    .addOption(new Option('--limit <n>', `at most N alerts (1-${MAX_ALERT_LIMIT})`).default(100).argParser(parseLimit))
    .option('--json', 'one JSON object: { alerts: [...], status: { learning, counts, unacknowledged, warnings, ... } }')
    .action(async (opts: AlertsOptions, command: Command) => {
      setExit(await listAlerts(io, dataDirOf(command), opts));
    });
}

async function listAlerts(io: CliIO, dataDir: string | undefined, opts: AlertsOptions): Promise<number> {
  const dir = resolveDataDir(dataDir);
  let engine: AlertEngine;
  try {
    engine = await AlertEngine.open(null, { dataDir: dir });
  } catch (e) {
    io.err(`portwatch: ${printable(`cannot read alerts in ${dir}: ${describeFolderError(e)}`)}\n`);
    return EXIT_NOT_FOUND;
  }
  try {
    const alerts = engine.list({ limit: opts.limit, ...(opts.all ? {} : { unacknowledged: true }) });
    const status = engine.status();
    if (opts.json) {
      io.out(json({ alerts, status }) + '\n');
      return EXIT_OK;
    }
    for (const w of status.warnings) io.err(`portwatch: ${printable(w)}\n`);
    if (alerts.length === 0) io.out(opts.all ? 'No alerts yet.\n' : 'No new alerts (--all shows acknowledged ones too).\n');
    else io.out(formatAlertList(alerts, Date.now()));
    if (status.learning && status.learningUntil !== null) io.out(`Learning what is normal until ${clock(status.learningUntil)}: no alerts until then.\n`);
    return EXIT_OK;
  } finally {
    await engine.close();
  }
}
