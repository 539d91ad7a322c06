// Inbound connections from another machine, for real, where the machine allows it: a network namespace
// joined to this one by a veth pair stands in for the other machine. Everything stays on this host
// (198.18.0.0/15 is the benchmarking range, routed only over the veth); the namespace and the link are
// removed afterwards. Names and the /29 are picked at random, so runs of this file side by side (other
// checkouts on this machine) each get their own. Where namespaces cannot be made (not root, no
// CAP_NET_ADMIN) the test is skipped, and the inbound analysis is still covered by
// tests/unit/core/analysis/alert-candidates.test.ts.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertEngine } from '../../src/core/alert-engine.js';
import { Monitor } from '../../src/core/monitor.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';
import { startHolder, stopAll } from '../helpers/children.js';
import { removeDataDirs, tempDataDir } from '../helpers/data-dirs.js';

const ID = randomBytes(3).toString('hex');
const NS = `pw-${ID}`;
const HOST_IF = `pwh${ID}`;
const NS_IF = `pwn${ID}`;
const SUBNET = `198.${18 + randomInt(2)}.${randomInt(256)}.${8 * randomInt(32)}`;
const at = (n: number) => SUBNET.replace(/\d+$/, (last) => String(Number(last) + n));
const HOST_IP = at(1);
const PEER_IP = at(2);
const OTHER_PEER_IP = at(3);
const CONNECT = fileURLToPath(new URL('../helpers/connect.mjs', import.meta.url));

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function cleanUp(): void {
  try {
    ip('netns', 'del', NS); // takes its end of the veth, and so the pair, with it
  } catch {
    // not made, or already gone
  }
  try {
    ip('link', 'del', HOST_IF);
  } catch {
    // gone with the namespace
  }
}

/** Makes the namespace and the link; false (and nothing left behind) where that is not allowed. */
function makeNamespace(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // Never shadow a route this machine really uses (the /29s of other runs of this test are fine).
    const routes = execFileSync('ip', ['-4', 'route'], { encoding: 'utf8' }).split('\n');
    if (routes.some((r) => /^198\.1[89]\./.test(r) && (!/ dev pwh[0-9a-f]{6}\b/.test(r) || r.startsWith(`${SUBNET}/`)))) return false;
    ip('netns', 'add', NS);
    ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', NS_IF);
    ip('link', 'set', NS_IF, 'netns', NS);
    ip('addr', 'add', `${HOST_IP}/29`, 'dev', HOST_IF);
    ip('link', 'set', HOST_IF, 'up');
    ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${PEER_IP}/29`, 'dev', NS_IF);
    ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${OTHER_PEER_IP}/29`, 'dev', NS_IF);
    ip('netns', 'exec', NS, 'ip', 'link', 'set', NS_IF, 'up');
    ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
    return true;
  } catch {
    cleanUp();
    return false;
  }
}

const available = makeNamespace();
const peers: ChildProcess[] = [];

/** A process in the namespace connecting to the host's listener from `from`; resolves with the ports it reached. */
async function connectFromPeer(from: string, port: number): Promise<number[]> {
  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, CONNECT, JSON.stringify({ host: HOST_IP, ports: [port], from })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  peers.push(child);
  const first = await readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
  return (JSON.parse(String(first.value)) as { connected: number[] }).connected;
}

afterAll(async () => {
  for (const p of peers) p.kill('SIGKILL');
  await stopAll();
  cleanUp();
  removeDataDirs();
});

describe.skipIf(!available)('inbound, from a network namespace over a veth pair', () => {
  it('a connection from a non-loopback peer to a listener is a high alert naming the peer; trusting the listener quiets the next peer', async () => {
    const monitor = new Monitor({ source: new LinuxProcSource(), intervalMs: 250 });
    const engine = await AlertEngine.open(monitor, { dataDir: tempDataDir('netns'), learnSeconds: 3600 });
    try {
      await monitor.pollOnce();
      await engine.stopLearning();
      const server = await startHolder([{ name: 'l', kind: 'tcp-listen', host: '0.0.0.0' }], 'pw-inbound-srv');
      const port = server.endpoints.l!.port;
      await monitor.pollOnce();

      expect(await connectFromPeer(PEER_IP, port)).toEqual([port]);

      const inbound = () => engine.list({ kinds: ['inbound'] }).filter((a) => a.pid === server.pid);
      for (let i = 0; i < 2 && inbound().length === 0; i++) await monitor.pollOnce();
      const [alert] = inbound();
      expect(alert).toBeDefined();
      expect(alert!.severity).toBe('high');
      expect(alert!.message).toMatch(new RegExp(`^Inbound connection from ${PEER_IP.replace(/\./g, '\\.')} \\(port \\d+\\) to pw-inbound-srv \\(`));
      expect(alert!.message).toContain(`which listens on port ${port} (TCP): another machine connected to this one`);
      expect(alert!.sockets[0]).toMatchObject({ localAddress: HOST_IP, localPort: port, remoteAddress: PEER_IP });

      // Once per peer: the same peer again is quiet.
      expect(await connectFromPeer(PEER_IP, port)).toEqual([port]);
      await monitor.pollOnce();
      expect(inbound()).toHaveLength(1);

      // Another peer alerts on its own, unless the listener is trusted (connections to it are expected).
      const { acknowledged } = await engine.trust({ kind: 'listener', exe: process.execPath, port, protocol: 'tcp' });
      expect(acknowledged).toContain(alert!.id);
      expect(await connectFromPeer(OTHER_PEER_IP, port)).toEqual([port]);
      await monitor.pollOnce();
      await monitor.pollOnce();
      const seen = monitor.getState().snapshot.sockets.filter((s) => s.remoteAddress === OTHER_PEER_IP && s.localPort === port);
      expect(seen.length).toBeGreaterThan(0); // the engine saw it, and stayed quiet
      expect(inbound()).toHaveLength(1);
      expect(engine.list({ kinds: ['inbound'] }).filter((a) => a.message.includes(OTHER_PEER_IP))).toEqual([]);
      await server.exit();
    } finally {
      await engine.close();
    }
  });
});
