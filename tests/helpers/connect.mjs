// Connects to many ports at once, like a connect scan: argv[2] is JSON { host, ports, from? } (from: the
// local address to connect from). Holds every
// connection that was accepted, counts the refused ones, prints one JSON line
// { pid, connected: [ports], refused: n } when done, and exits when stdin closes.
import net from 'node:net';

const { host, ports, from } = JSON.parse(process.argv[2] ?? '{}');
const held = [];
const connected = [];
let refused = 0;

function attempt(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port, ...(from ? { localAddress: from } : {}) });
    sock.setTimeout(3000, () => {
      sock.destroy();
      resolve();
    });
    sock.once('connect', () => {
      sock.setTimeout(0);
      sock.on('error', () => {});
      held.push(sock);
      connected.push(port);
      resolve();
    });
    sock.once('error', () => {
      refused++;
      resolve();
    });
  });
}

// In batches, so a big scan does not run out of file descriptors.
for (let i = 0; i < ports.length; i += 64) await Promise.all(ports.slice(i, i + 64).map(attempt));
process.stdout.write(JSON.stringify({ pid: process.pid, connected: connected.sort((a, b) => a - b), refused }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
