// `portwatch snapshot`: every socket once, as a table or JSON.
import type { Command } from 'commander';
import { json, warnAbout, type CommandContext } from '../context.js';
import { formatTable } from '../format.js';

export function registerSnapshot(program: Command, { io, source }: CommandContext): void {
  program
    .command('snapshot')
    .description('list every TCP and UDP socket once, with its process')
    .option('--json', 'one JSON object: { takenAt, sockets: [...] }')
    .action(async (opts: { json?: boolean }) => {
      const sample = await source().sample();
      if (opts.json) io.out(json({ takenAt: sample.takenAt, sockets: sample.sockets }) + '\n');
      else {
        io.out(formatTable(sample.sockets));
        warnAbout(sample.warnings.unattributed, io);
      }
    });
}
