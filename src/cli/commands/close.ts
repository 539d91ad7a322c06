// `portwatch close LOCAL REMOTE`: closes one TCP connection without ending either process (TCPView's
// "Close Connection"): the kernel aborts it (SOCK_DESTROY, which needs CAP_NET_ADMIN) and both ends
// see a reset. Asks first, as kill does, and refuses what the UI refuses (shared/close-connection.ts).
import type { Command } from 'commander';
import { closeConnection } from '../../core/close-connection.js';
import { parseEndpoint, whyNotClosable, type Endpoint } from '../../shared/close-connection.js';
import type { Socket } from '../../shared/model.js';
import { formatEndpoint } from '../../shared/model.js';
import { EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, type CliIO, type CommandContext } from '../context.js';
import { printable } from '../../shared/printable.js';
import { askOnTerminal } from '../ask.js';

interface CloseOptions {
  yes?: boolean;
}

export function registerClose(program: Command, { io, source, setExit }: CommandContext): void {
  program
    .command('close')
    .description('close one TCP connection without ending its process (both ends see a reset)')
    .argument('<local>', 'the local end, ADDRESS:PORT (IPv6 in brackets: [::1]:5000)')
    .argument('<remote>', 'the remote end, ADDRESS:PORT')
    .option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .addHelpText(
      'after',
      '\nExample: portwatch close 127.0.0.1:5000 127.0.0.1:41234\n\nNeeds CAP_NET_ADMIN (root, or the capability given to Portwatch) and Linux. Listeners, UDP,\n' +
        "connections already closing (TIME_WAIT) and Portwatch's own are refused.\n\nExit status: 0 when closed; 1 when not (not found, refused, not permitted); 2 for a usage error,\n" +
        'or no --yes without a terminal.',
    )
    .action(async (local: string, remote: string, opts: CloseOptions, command: Command) => {
      const l = parseEndpoint(local);
      const r = parseEndpoint(remote);
      if (l === null || r === null) {
        command.error(`'${l === null ? local : remote}' is not ADDRESS:PORT (IPv6 in brackets: [::1]:443)`, { exitCode: EXIT_USAGE, code: 'portwatch.usage' });
      }
      setExit(await close(io, await source().sample().then((s) => s.sockets), l!, r!, opts));
    });
}

function sameAddress(a: string | null, b: string): boolean {
  if (a === null) return false;
  const strip = (x: string) => x.toLowerCase().replace(/^::ffff:(?=\d+\.)/, '');
  return strip(a) === strip(b);
}

/** The socket with these ends; the end named local may be either side of a connection between two local programs. */
function find(sockets: readonly Socket[], l: Endpoint, r: Endpoint): Socket | undefined {
  return sockets.find(
    (s) => s.protocol === 'tcp' && s.localPort === l.port && s.remotePort === r.port && sameAddress(s.localAddress, l.address) && sameAddress(s.remoteAddress, r.address),
  );
}

async function close(io: CliIO, sockets: readonly Socket[], l: Endpoint, r: Endpoint, opts: CloseOptions): Promise<number> {
  const what = `${formatEndpoint(l.address, l.port)} → ${formatEndpoint(r.address, r.port)}`;
  const socket = find(sockets, l, r);
  if (socket === undefined) {
    io.err(`portwatch: no TCP connection from ${what.replace(' → ', ' to ')}\n`);
    return EXIT_NOT_FOUND;
  }
  const why = whyNotClosable(socket, process.pid);
  if (why !== null) {
    io.err(`portwatch: not closing ${what}: ${why}\n`);
    return EXIT_NOT_FOUND;
  }
  if (!opts.yes) {
    const owner = socket.process === null ? 'owner unknown (another user’s process?)' : `${printable(socket.process.name)} (pid ${socket.pid}${socket.process.user ? `, user ${printable(socket.process.user)}` : ''})`;
    io.out(`Would close TCP ${what} (${socket.state}), held by ${owner}.\nThe process keeps running; both ends see the connection reset.\n`);
    const interactive = io.interactive ?? process.stdin.isTTY === true;
    if (!interactive) {
      io.err('portwatch: not closing anything without confirmation, and stdin is not a terminal to ask on; add --yes\n');
      return EXIT_USAGE;
    }
    if (!(await (io.confirm ?? askOnTerminal)('Close this connection? [y/N] '))) {
      io.out('Nothing closed.\n');
      return EXIT_NOT_FOUND;
    }
  }
  const result = await closeConnection(l, r);
  if (result.outcome === 'closed') {
    io.out(`${result.message}\n`);
    return EXIT_OK;
  }
  io.err(`portwatch: ${printable(result.message)}\n`);
  return EXIT_NOT_FOUND;
}
