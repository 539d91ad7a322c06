// `portwatch trust`: trust an executable, or one of its listeners, here and in the app.
import type { Command} from 'commander';
import { Option } from 'commander';
import { AlertEngine } from '../../core/alert-engine.js';
import { describeFolderError } from '../../core/engine.js';
import { resolveDataDir } from '../../core/store/data-dir.js';
import type { TrustRule } from '../../shared/alerts.js';
import { dataDirOf, EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, type CliIO, type CommandContext } from '../context.js';
import { printable } from '../../shared/printable.js';
import { parseExe, parseListenerRule, type ListenerRule } from '../parse.js';

export function registerTrust(program: Command, { io, setExit }: CommandContext): void {
  program
    .command('trust')
    .description('trust an executable, or one of its listeners, so it raises no alerts (here and in the app)')
    .addOption(new Option('--exe <path>', 'trust everything this executable does (by its full path)').argParser(parseExe).conflicts('listener'))
    .addOption(new Option('--listener <path:port/proto>', 'trust this executable listening on this port, e.g. /usr/bin/python3:8000/tcp').argParser(parseListenerRule))
    .option('--remove', 'take the rule back instead')
    .addHelpText('after', '\nTrusting acknowledges the alerts the rule covers. Executables are trusted by path, never by name.')
    .action(async (opts: { exe?: string; listener?: ListenerRule; remove?: boolean }, command: Command) => {
      let rule: TrustRule;
      if (opts.exe !== undefined) rule = { kind: 'executable', exe: opts.exe };
      else if (opts.listener !== undefined) rule = { kind: 'listener', ...opts.listener };
      else command.error('say what to trust: --exe PATH or --listener PATH:PORT/tcp', { exitCode: EXIT_USAGE, code: 'portwatch.usage' });
      setExit(await trust(io, dataDirOf(command), rule, opts.remove === true));
    });
}

async function trust(io: CliIO, dataDir: string | undefined, rule: TrustRule, remove: boolean): Promise<number> {
  const dir = resolveDataDir(dataDir);
  let engine: AlertEngine;
  try {
    engine = await AlertEngine.open(null, { dataDir: dir });
  } catch (e) {
    io.err(`portwatch: ${printable(`cannot keep trust rules in ${dir}: ${describeFolderError(e)}`)}\n`);
    return EXIT_NOT_FOUND;
  }
  const what = rule.kind === 'executable' ? rule.exe : rule.kind === 'listener' ? `${rule.exe} listening on ${rule.protocol} port ${rule.port}` : `${rule.exe} to ${rule.host}`;
  try {
    for (const w of engine.status().warnings) io.err(`portwatch: ${printable(w)}\n`);
    if (remove) {
      const removed = await engine.untrust(rule);
      io.out(removed ? `No longer trusted: ${printable(what)}.\n` : `Nothing to take back: ${printable(what)} was not trusted.\n`);
      return removed ? EXIT_OK : EXIT_NOT_FOUND;
    }
    const { added, acknowledged } = await engine.trust(rule);
    const acks = acknowledged.length === 0 ? '' : ` ${acknowledged.length === 1 ? '1 alert' : `${acknowledged.length} alerts`} acknowledged.`;
    io.out(`${added ? 'Trusted' : 'Already trusted'}: ${printable(what)}.${acks}\n`);
    return EXIT_OK;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    io.err(`portwatch: ${printable(e.message)}\n`);
    return EXIT_USAGE;
  } finally {
    await engine.close();
  }
}
