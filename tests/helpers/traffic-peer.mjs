// A real process that moves real bytes over loopback TCP for the traffic tests. argv[2] is JSON:
//   { "mode": "sink", "host" }                    listens on host:0, reads and drops every byte
//   { "mode": "send", "host", "port", "bytes" }   connects, writes exactly `bytes`, keeps the connection
//   { "mode": "stream", "host", "port", "rate" }  connects, and every 100 ms writes what brings the total
//                                                 to rate × the time since it started (a late timer
//                                                 catches up: the rate holds on a busy machine)
//   { "mode": "burst", "host", "port", "bytes" }  on each stdin line "burst": connects, writes `bytes`,
//                                                 closes, and answers { localPort } once both ends are closed
// Prints one JSON line { pid, port?, localPort? } when ready; "sink" answers stdin "count" with the
// bytes it has read so far. Exits when stdin closes.
import net from 'node:net';
import readline from 'node:readline';

const spec = JSON.parse(process.argv[2] ?? '{}');
const say = (v) => process.stdout.write((typeof v === 'string' ? v : JSON.stringify(v)) + '\n');
const connect = () =>
  new Promise((resolve, reject) => {
    const s = net.connect({ host: spec.host, port: spec.port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });

let received = 0;
const rl = readline.createInterface({ input: process.stdin });
rl.on('close', () => process.exit(0));

if (spec.mode === 'sink') {
  const server = net.createServer((c) => {
    c.on('data', (d) => (received += d.length));
    c.on('error', () => {});
  });
  server.listen(0, spec.host, () => say({ pid: process.pid, port: server.address().port }));
  rl.on('line', (line) => {
    if (line === 'count') say(String(received));
  });
} else if (spec.mode === 'send') {
  const s = await connect();
  s.on('error', () => {});
  s.write(Buffer.alloc(spec.bytes, 0x61), () => say({ pid: process.pid, localPort: s.localPort }));
} else if (spec.mode === 'stream') {
  const s = await connect();
  s.on('error', () => {});
  const start = performance.now();
  let written = 0;
  setInterval(() => {
    const due = Math.round((spec.rate * (performance.now() - start)) / 1000) - written;
    if (due <= 0) return;
    s.write(Buffer.alloc(due, 0x62));
    written += due;
  }, 100);
  say({ pid: process.pid, localPort: s.localPort });
} else if (spec.mode === 'burst') {
  say({ pid: process.pid });
  rl.on('line', async (line) => {
    if (line !== 'burst') return;
    const s = await connect();
    s.on('error', () => {});
    const closed = new Promise((r) => s.once('close', r));
    const localPort = s.localPort;
    s.end(Buffer.alloc(spec.bytes, 0x63));
    // The sink closes its end when it sees ours (no half-open sockets in Node by default).
    await closed;
    say({ localPort });
  });
}
