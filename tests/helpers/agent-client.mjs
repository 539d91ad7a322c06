// A bare client of an agent's Unix socket, run as any user (setpriv): stdin lines go to the socket
// as they are, socket lines come out on stdout. It says {"type":"_connected"} once connected, and
// {"type":"_error","code"} or {"type":"_closed"} before it exits.
import net from 'node:net';
import readline from 'node:readline';

const socket = net.connect(process.argv[2]);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
socket.once('connect', () => say({ type: '_connected', uid: process.getuid(), groups: process.getgroups() }));
socket.on('error', (e) => {
  say({ type: '_error', code: e.code ?? e.message });
  process.exit(0);
});
socket.on('close', () => {
  say({ type: '_closed' });
  process.exit(0);
});
readline.createInterface({ input: socket }).on('line', (line) => process.stdout.write(line + '\n'));
readline.createInterface({ input: process.stdin }).on('line', (line) => socket.write(line + '\n'));
