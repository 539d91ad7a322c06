// A child process that holds N loopback sockets for the bench: N/2 TCP connections to its own
// listener, both ends held here. stdin "churn K" closes K connections and opens K new ones
// (2K sockets change), then answers "ok". Prints "ready N" once every socket is open.
import net from 'node:net';
import readline from 'node:readline';

const target = Number(process.argv[2] ?? 1000);
const pairs = Math.max(1, Math.floor(target / 2));
const accepted = [];
const server = net.createServer((c) => accepted.push(c));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const { port } = server.address();
const clients = [];

async function open(n) {
  const batch = [];
  for (let i = 0; i < n; i++) {
    batch.push(
      new Promise((resolve, reject) => {
        const c = net.connect(port, '127.0.0.1', () => resolve(c));
        c.on('error', reject);
      }),
    );
    if (batch.length >= 200) clients.push(...(await Promise.all(batch.splice(0))));
  }
  clients.push(...(await Promise.all(batch)));
  // Wait for the accept side too, so the tables hold every socket when we say so.
  while (accepted.length < clients.length) await new Promise((r) => setTimeout(r, 5));
}

await open(pairs);
process.stdout.write(`ready ${clients.length * 2 + 1}\n`);

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const [cmd, arg] = line.split(' ');
  if (cmd === 'churn') {
    const k = Number(arg);
    for (let i = 0; i < k; i++) {
      clients.shift()?.destroy();
      accepted.shift()?.destroy();
    }
    await open(k);
    process.stdout.write('ok\n');
  } else if (cmd === 'exit') process.exit(0);
});
rl.on('close', () => process.exit(0));
