// `portwatch kill`: end the process listening on a port, or a pid — SIGTERM, then SIGKILL after a
// grace period, each pid checked against the start time Portwatch saw.
import type { Command} from 'commander';
import { Option } from 'commander';
import { checkEndable, DEFAULT_GRACE_MS, describeProcess, endProcess, MAX_GRACE_MS, planKill, type KillTarget } from '../../core/process-control.js';
import type { SocketSource } from '../../core/sources/source.js';
import { formatEndpoint } from '../../shared/model.js';
import type { EndProcessResult } from '../../shared/ports.js';
import { EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, type CliIO, type CommandContext } from '../context.js';
import { printable } from '../../shared/printable.js';
import { askOnTerminal } from '../ask.js';
import { parseGrace, parsePid, parsePort } from '../parse.js';

interface KillOptions {
  port?: number;
  pid?: number;
  clients?: boolean;
  yes?: boolean;
  grace: number;
}

export function registerKill(program: Command, { io, source, setExit }: CommandContext): void {
  program
    .command('kill')
    .description('end the process listening on a port, or a pid: SIGTERM, then SIGKILL after a grace period')
    .addOption(new Option('--port <n>', 'end the processes listening on this port (0-65535)').argParser(parsePort).conflicts('pid'))
    .addOption(new Option('--pid <n>', 'end this process').argParser(parsePid))
    .addOption(new Option('--clients', "also end this machine's processes connected to the port").conflicts('pid'))
    .option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .addOption(new Option('--grace <ms>', `wait this long after SIGTERM before SIGKILL, 0-${MAX_GRACE_MS}`).default(DEFAULT_GRACE_MS).argParser(parseGrace))
    .addHelpText(
      'after',
      '\nOnly listening processes are ended unless --clients is given. Each pid is checked against the start time\n' +
        'Portwatch saw right before each signal, so a reused pid is never signalled; pid 1, Portwatch and its\n' +
        'parents are refused.\n\nExit status: 0 when every process ended; 1 when there was nothing to end, the answer was no,\n' +
        'or a process was refused or may not be signalled; 2 for a usage error, or no --yes without a terminal.',
    )
    .action(async (opts: KillOptions, command: Command) => {
      if (opts.port === undefined && opts.pid === undefined) {
        command.error('say what to end: --port N or --pid N', { exitCode: EXIT_USAGE, code: 'portwatch.usage' });
      }
      setExit(await kill(io, source, opts));
    });
}

function describeTarget(t: KillTarget): string[] {
  const on = [...new Set(t.sockets.map((s) => (t.role === 'listener' ? `${s.protocol} ${formatEndpoint(s.localAddress, s.localPort)}` : `${s.protocol} to ${formatEndpoint(s.remoteAddress, s.remotePort)}`)))];
  return [`  ${printable(t.name)} (pid ${t.pid}${t.user ? `, user ${printable(t.user)}` : ''})  ${t.role === 'listener' ? 'listening on' : 'client,'} ${on.join(', ')}`, `    ${printable(t.cmdline)}`];
}

function describeResult(r: EndProcessResult, graceMs: number): string {
  const who = `${printable(r.name ?? 'process')} (pid ${r.pid})`;
  switch (r.outcome) {
    case 'already-gone':
      return `${who} had already exited.`;
    case 'terminated':
      return `Ended ${who}: it exited after SIGTERM (${(r.elapsedMs / 1000).toFixed(1)} s).`;
    case 'killed':
      return r.exited
        ? `Killed ${who} with SIGKILL: it was still running ${graceMs} ms after SIGTERM.`
        : `Sent SIGKILL to ${who}, but it is still running (stuck in the kernel?).`;
  }
}

async function kill(io: CliIO, source: () => SocketSource, opts: KillOptions): Promise<number> {
  let targets: KillTarget[];
  if (opts.pid !== undefined) {
    try {
      checkEndable(opts.pid);
    } catch (e) {
      io.err(`portwatch: ${printable((e as Error).message)}\n`);
      return EXIT_NOT_FOUND;
    }
    const info = describeProcess(opts.pid);
    if (info === null || info.startedAt === null) {
      io.err(`portwatch: no process with pid ${opts.pid}\n`);
      return EXIT_NOT_FOUND;
    }
    targets = [{ pid: info.pid, startedAt: info.startedAt, name: info.name, cmdline: info.cmdline, user: info.user, role: 'listener', sockets: [] }];
  } else {
    const port = opts.port!;
    const { sockets } = await source().sample();
    targets = planKill(sockets, { port, clients: opts.clients === true });
    if (targets.length === 0) {
      const unseen = sockets.some((s) => s.localPort === port && s.listening && s.pid === null);
      io.err(
        unseen
          ? `portwatch: port ${port} is held by a process Portwatch cannot see (another user's); run as root to end it\n`
          : `portwatch: nothing listens on port ${port}${opts.clients ? ' and no local client is connected to it' : ''}; nothing to end\n`,
      );
      return EXIT_NOT_FOUND;
    }
  }

  if (!opts.yes) {
    const header = opts.pid !== undefined ? 'Would end:' : `Would end ${targets.length === 1 ? 'this process' : `these ${targets.length} processes`} on port ${opts.port}:`;
    const lines = targets.flatMap((t) =>
      opts.pid !== undefined ? [`  ${printable(t.name)} (pid ${t.pid}${t.user ? `, user ${printable(t.user)}` : ''})`, `    ${printable(t.cmdline)}`] : describeTarget(t),
    );
    io.out([header, ...lines].join('\n') + '\n');
    const interactive = io.interactive ?? process.stdin.isTTY === true;
    if (!interactive) {
      io.err('portwatch: not ending anything without confirmation, and stdin is not a terminal to ask on; add --yes\n');
      return EXIT_USAGE;
    }
    const yes = await (io.confirm ?? askOnTerminal)(`End ${targets.length === 1 ? 'this process' : 'these processes'}? [y/N] `);
    if (!yes) {
      io.out('Nothing ended.\n');
      return EXIT_NOT_FOUND;
    }
  }

  const results = await Promise.allSettled(
    targets.map((t) => {
      if (t.startedAt === null) return Promise.reject(new Error(`cannot check the identity of pid ${t.pid} (${t.name}); not ending it`));
      return endProcess({ pid: t.pid, startedAt: t.startedAt, graceMs: opts.grace });
    }),
  );
  let failed = false;
  for (const r of results) {
    if (r.status === 'fulfilled') io.out(describeResult(r.value, opts.grace) + '\n');
    else {
      failed = true;
      const e: unknown = r.reason;
      io.err(`portwatch: ${printable(e instanceof Error ? e.message : String(e))}\n`);
    }
  }
  return failed ? EXIT_NOT_FOUND : EXIT_OK;
}
