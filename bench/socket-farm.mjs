// A child process that holds N loopback sockets for the bench: N/2 TCP connections to its own
// listeners, both ends held here (one listener per 20,000 connections: a client port can repeat
// across listeners, so the ephemeral range does not cap the farm). Prints "ready N" once every socket
// is open, then obeys stdin lines:
//   churn K        closes K connections and opens K new ones (4K sockets change: the closed ones'
//                  client ends stay in TIME_WAIT); answers "ok"
//   move K BYTES   from now on the first K clients each write BYTES every 100 ms; answers "ok"
//   still          stops all writing; answers "ok"
//   exit
import net from 'node:net';
import readline from 'node:readline';

const target = Number(process.argv[2] ?? 1000);
const pairs = Math.max(1, Math.floor(target / 2));
const PER_LISTENER = 20_000;
const accepted = new Set();
const ports = [];
for (let i = 0; i < Math.ceil(pairs / PER_LISTENER); i++) {
  const server = net.createServer((c) => {
    accepted.add(c);
    c.on('close', () => accepted.delete(c));
    c.on('error', () => {});
    c.resume(); // read and drop what moving clients send
  });
  await new Promise((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
  ports.push(server.address().port);
}
const clients = [];
let next = 0;

async function open(n) {
  const batch = [];
  for (let i = 0; i < n; i++) {
    const port = ports[next++ % ports.length];
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
  await settled();
}

/** Until the accept side matches the clients: every server end of a closed client has closed. */
async function settled() {
  while (accepted.size !== clients.length) await new Promise((r) => setTimeout(r, 5));
}

await open(pairs);
process.stdout.write(`ready ${clients.length * 2 + ports.length}\n`);

let mover = null;
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const [cmd, arg, arg2] = line.split(' ');
  if (cmd === 'churn') {
    const k = Number(arg);
    // The newest go (never the moving ones, which are the first): their server ends close after them.
    for (let i = 0; i < k; i++) clients.pop()?.destroy();
    await settled();
    await open(k);
    process.stdout.write('ok\n');
  } else if (cmd === 'move') {
    const k = Number(arg);
    const chunk = Buffer.alloc(Number(arg2), 0x6d);
    clearInterval(mover);
    mover = setInterval(() => {
      for (let i = 0; i < k && i < clients.length; i++) clients[i].write(chunk);
    }, 100);
    process.stdout.write('ok\n');
  } else if (cmd === 'still') {
    clearInterval(mover);
    mover = null;
    process.stdout.write('ok\n');
  } else if (cmd === 'exit') process.exit(0);
});
rl.on('close', () => process.exit(0));
