// Run inside a network namespace of its own (unshare --net) by tests/integration/names.test.ts: with
// lo up and public and documentation addresses on it, real connections have peers worth naming,
// and no packet can leave. It opens the engine with its names pointed at a DNS responder on this
// namespace's loopback, makes connections, and prints one JSON line of what it saw.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { openEngine } from '../../src/core/engine.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import type { EventPayloads } from '../../src/shared/api.js';
import type { Delta } from '../../src/shared/model.js';
import type { NamesState, NamesUpdate } from '../../src/shared/names.js';
import { reverseName, startDnsResponder } from './dns-responder.js';

execFileSync('ip', ['link', 'set', 'lo', 'up']);
for (const address of ['8.8.8.8', '192.0.2.10', '192.0.2.20', '192.0.2.30']) execFileSync('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);

// 192.0.2.10: NXDOMAIN. 192.0.2.30 lies: its PTR claims dns.google, whose own A records do not include it.
const responder = await startDnsResponder({ '8.8.8.8': { ptr: 'dns.google' }, '192.0.2.20': 'silent', '192.0.2.30': { ptr: 'dns.google' } }, { forward: { 'dns.google': ['8.8.8.8', '8.8.4.4'] } });
const engine = await openEngine({
  dataDir: null,
  source: new LinuxProcSource(),
  intervalMs: 250,
  alerts: false,
  watchedPorts: false,
  names: { reverseDns: true, batchMs: 50, dns: { servers: [responder.server], timeoutMs: 8000 } },
});
const updates: NamesUpdate[] = [];
const deltas: Delta[] = [];
engine.service.subscribe((event, payload) => {
  if (event === 'names') updates.push(payload as EventPayloads['names']);
  if (event === 'delta') deltas.push(payload as EventPayloads['delta']);
});
await engine.start();

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 120_000; // a hang, not a busy machine
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function connection(host: string, port: number): Promise<() => Promise<void>> {
  const server = net.createServer((s) => s.on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const client = net.connect(port, host);
  await new Promise((resolve) => client.once('connect', resolve));
  return async () => {
    // A reset, not a close: no TIME_WAIT socket keeps the address in use for a minute.
    client.resetAndDestroy();
    server.close();
    await new Promise((resolve) => server.once('close', resolve));
  };
}

const names = (): NamesState => engine.service.getNames();
const seq = () => engine.monitor.getStatus().seq;

const closeGoogle = await connection('8.8.8.8', 443);
// A loopback peer of our own (the resolver's socket to the responder comes and goes with its queries).
const closeLocal = await connection('127.0.0.1', 8081);
const closeNx = await connection('192.0.2.10', 80);
await until(() => names().addresses['8.8.8.8']?.host === 'dns.google', 'the PTR name of 8.8.8.8');
await until(() => '192.0.2.10' in names().addresses && responder.asked.includes(reverseName('192.0.2.10')), 'the NXDOMAIN for 192.0.2.10');

// The liar: its PTR and the forward lookup that refutes it are asked, and the lookup settles.
const closeLiar = await connection('192.0.2.30', 443);
await until(() => responder.asked.includes(reverseName('192.0.2.30')) && responder.asked.filter((n) => n === 'dns.google').length >= 2 && engine.names!.lookupsPending === 0, 'the lying PTR of 192.0.2.30 checked');
const liar = names().addresses['192.0.2.30'] ?? null;
await closeLiar();

// A silent DNS server: its query stays out for seconds, and polls go on meanwhile.
const closeSilent = await connection('192.0.2.20', 5432);
await responder.waitAsked(reverseName('192.0.2.20'));
const askedAtSeq = seq();
await until(() => seq() >= askedAtSeq + 4, 'four polls while the query is out');
const silentWhilePolling = names().addresses['192.0.2.20'] ?? null;

// Gone and back: the address is forgotten by views, then named again from the cache (no new query).
await closeNx();
await until(() => updates.some((u) => u.forgotten.includes('192.0.2.10')), '192.0.2.10 forgotten');
const closeNxAgain = await connection('192.0.2.10', 80);
await until(() => '192.0.2.10' in names().addresses, '192.0.2.10 back');
const pollsAfter = seq() + 2;
await until(() => seq() >= pollsAfter, 'two more polls');
await until(() => '127.0.0.1' in names().addresses, 'the loopback peer named');

const namedIds = new Set(
  engine.monitor
    .getState()
    .snapshot.sockets.filter((s) => s.remoteAddress === '8.8.8.8')
    .map((s) => s.id),
);
process.stdout.write(
  JSON.stringify({
    state: names(),
    updates,
    asked: responder.asked,
    silentWhilePolling,
    liar,
    pollsWhileAsked: seq() - askedAtSeq,
    // Sockets to 8.8.8.8 reported as changed in any delta (names must never make a socket change).
    changedNamed: deltas.flatMap((d) => d.changed).filter((s) => namedIds.has(s.id)).length,
    namedSockets: namedIds.size,
  }) + '\n',
);
await Promise.all([closeGoogle(), closeLocal(), closeSilent(), closeNxAgain()]);
await engine.close();
await responder.close();
