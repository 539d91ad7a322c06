// `portwatch who PORT`: who is on a port, its local clients, and which addresses are free.
import type { Command } from 'commander';
import { lookupPort } from '../../core/analysis/ports.js';
import { readCwd } from '../../core/process-control.js';
import { EXIT_NOT_FOUND, json, type CommandContext } from '../context.js';
import { formatWho } from '../format.js';
import { parsePort } from '../parse.js';

export function registerWho(program: Command, { io, source, setExit }: CommandContext): void {
  program
    .command('who')
    .description('who is on a port: every socket bound to it, the clients connected to it, and which addresses are free')
    .argument('<port>', 'port number, 0-65535', parsePort)
    .option('--json', 'one JSON object: { port, holders, clients, verdicts, processes: [{ pid, name, cmdline, cwd, ... }] }')
    .action(async (port: number, opts: { json?: boolean }) => {
      const sample = await source().sample();
      const who = lookupPort(sample.sockets, port, (pid) => readCwd(pid));
      if (opts.json) io.out(json(who) + '\n');
      if (who.holders.length === 0) {
        if (!opts.json) io.out(`Port ${port} is free: no TCP or UDP socket is bound to it.\n`);
        setExit(EXIT_NOT_FOUND);
        return;
      }
      if (!opts.json) io.out(formatWho(who));
    });
}
