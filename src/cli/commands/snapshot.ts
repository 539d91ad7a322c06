// `portwatch snapshot`: every socket once, as a table or JSON, with the names of its ports and peer.
import type { Command } from 'commander';
import type { AddressNames } from '../../shared/names.js';
import { hasRemote, namesKey, socketNames } from '../../shared/names.js';
import { json, warnAbout, type CommandContext } from '../context.js';
import { formatTable } from '../format.js';
import { addNameOptions, lookupNames, type NameOptions } from '../names.js';

export function registerSnapshot(program: Command, { io, source }: CommandContext): void {
  addNameOptions(
    program
      .command('snapshot')
      .description('list every TCP and UDP socket once, with its process and the names of its ports and peer')
      .option('--json', 'one JSON object: { takenAt, sockets: [...] }; each socket carries raw addresses and ports and their names')
      .option('-n, --numeric', 'print addresses and port numbers, not names (no DNS queries), as netstat -n does'),
  ).action(async (opts: NameOptions & { json?: boolean; numeric?: boolean }) => {
    const sample = await source().sample();
    const keys = new Set(sample.sockets.filter(hasRemote).map((s) => namesKey(s.remoteAddress!)));
    const { names, problems } = await lookupNames(keys, opts);
    const lookup = (key: string): AddressNames | undefined => names.get(key);
    for (const problem of problems) io.err(`portwatch: ${problem}\n`);
    if (opts.json) {
      const sockets = sample.sockets.map((s) => ({ ...s, ...socketNames(s, lookup) }));
      io.out(json({ takenAt: sample.takenAt, sockets }) + '\n');
    } else {
      io.out(formatTable(sample.sockets, opts.numeric ? {} : { names: (s) => socketNames(s, lookup) }));
      warnAbout(sample.warnings.unattributed, io);
    }
  });
}
