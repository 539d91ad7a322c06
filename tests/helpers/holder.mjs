// A real process that holds real sockets for the tests. Spec (argv[2], JSON): a list of
// { name, kind: 'tcp-listen' | 'tcp-connect' | 'udp-bind' | 'udp-connect', host?, port?, to? }.
// Prints one JSON line { pid, endpoints: { name: { address, port } } } when ready (every connection
// to its own listeners accepted), then obeys stdin lines "close NAME" (answers "closed NAME"),
// "accepted NAME N" (answers "accepted NAME N" once listener NAME has accepted N connections in all),
// "ping" (answers "pong": proof the process is alive and has run since the question) and "exit".
import dgram from 'node:dgram';
import net from 'node:net';
import readline from 'node:readline';

const spec = JSON.parse(process.argv[2] ?? '[]');
const handles = new Map();
const endpoints = {};
/** Listener name → connections it accepted so far, and who waits for a count. */
const acceptedCount = new Map();
const countWaiters = [];

function whenAccepted(name, n) {
  return new Promise((resolve) => {
    const check = () => (acceptedCount.get(name) ?? 0) >= n && (resolve(), true);
    if (!check()) countWaiters.push(check);
  });
}

function once(emitter, event) {
  return new Promise((resolve, reject) => {
    emitter.once(event, resolve);
    emitter.once('error', reject);
  });
}

for (const item of spec) {
  if (item.kind === 'tcp-listen') {
    const server = net.createServer((conn) => {
      (handles.get(`${item.name}:accepted`) ?? handles.set(`${item.name}:accepted`, []).get(`${item.name}:accepted`)).push(conn);
      conn.on('error', () => {});
      acceptedCount.set(item.name, (acceptedCount.get(item.name) ?? 0) + 1);
      for (let i = countWaiters.length - 1; i >= 0; i--) if (countWaiters[i]()) countWaiters.splice(i, 1);
    });
    server.listen({ host: item.host ?? '127.0.0.1', port: item.port ?? 0, ipv6Only: item.ipv6Only ?? false });
    await once(server, 'listening');
    handles.set(item.name, server);
    endpoints[item.name] = server.address();
  } else if (item.kind === 'tcp-connect') {
    const target = endpoints[item.to];
    const sock = net.connect({ host: target.address, port: target.port });
    await once(sock, 'connect');
    sock.on('error', () => {});
    handles.set(item.name, sock);
    endpoints[item.name] = { address: sock.localAddress, port: sock.localPort };
  } else if (item.kind === 'udp-bind') {
    const type = (item.host ?? '127.0.0.1').includes(':') ? 'udp6' : 'udp4';
    const sock = dgram.createSocket(type);
    sock.bind(0, item.host ?? '127.0.0.1');
    await once(sock, 'listening');
    handles.set(item.name, sock);
    endpoints[item.name] = sock.address();
  } else if (item.kind === 'udp-connect') {
    const target = endpoints[item.to];
    const sock = dgram.createSocket(target.address.includes(':') ? 'udp6' : 'udp4');
    sock.connect(target.port, target.address);
    await once(sock, 'connect');
    handles.set(item.name, sock);
    endpoints[item.name] = sock.address();
  }
}
// Every connection to a listener of our own is accepted (held here) before we say ready.
const wanted = new Map();
for (const item of spec) if (item.kind === 'tcp-connect' && spec.some((l) => l.kind === 'tcp-listen' && l.name === item.to)) wanted.set(item.to, (wanted.get(item.to) ?? 0) + 1);
await Promise.all([...wanted].map(([name, n]) => whenAccepted(name, n)));
process.stdout.write(JSON.stringify({ pid: process.pid, endpoints }) + '\n');

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const [cmd, name, count] = line.trim().split(' ');
  if (cmd === 'exit') process.exit(0);
  if (cmd === 'ping') process.stdout.write('pong\n');
  if (cmd === 'accepted') void whenAccepted(name, Number(count)).then(() => process.stdout.write(`accepted ${name} ${count}\n`));
  if (cmd === 'close') {
    const closeOne = (h) => (h.destroy ? h.destroy() : h.close());
    const h = handles.get(name);
    if (h) closeOne(h);
    for (const c of handles.get(`${name}:accepted`) ?? []) closeOne(c);
    handles.delete(name);
    process.stdout.write(`closed ${name}\n`);
  }
});
rl.on('close', () => process.exit(0));
