// `portwatch conflicts`: ports split or shared between processes, and ports still busy.
import type { Command } from 'commander';
import { ephemeralPortRange, findConflicts, localhostOrder } from '../../core/analysis/find-conflicts.js';
import { json, type CommandContext } from '../context.js';
import { formatConflicts } from '../format.js';

export function registerConflicts(program: Command, { io, source }: CommandContext): void {
  program
    .command('conflicts')
    .description('ports split or shared between processes, and ports still busy after their server went (exits 0 either way)')
    .option('--json', 'one JSON object: { conflicts: [{ port, protocol, kind, severity, sockets, pids, explanation, ... }] }')
    .addHelpText(
      'after',
      '\nKinds: localhost-split, dual-stack-split, shared-port, wildcard-specific, still-busy.\n' +
        'Exit status: 0 whether or not conflicts are found (this is a report, not a check); 2 for a usage error.',
    )
    .action(async (opts: { json?: boolean }) => {
      const sample = await source().sample();
      const conflicts = findConflicts(sample.sockets, {
        localhostOrder: await localhostOrder(),
        now: sample.takenAt,
        ephemeralPorts: ephemeralPortRange(),
      });
      // A report, not a check: finding conflicts is a successful run, so the exit status stays 0.
      io.out(opts.json ? json({ conflicts }) + '\n' : formatConflicts(conflicts));
    });
}
