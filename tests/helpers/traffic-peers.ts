// Real processes that move real bytes over loopback TCP (traffic-peer.mjs), for the traffic tests:
// each prints one ready line and then answers on stdin; all are killed by stopPeers().
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const PEER = fileURLToPath(new URL('./traffic-peer.mjs', import.meta.url));
const peers = new Set<ChildProcess>();

export interface Peer {
  pid: number;
  port?: number;
  localPort?: number;
  send(line: string): void;
  line(): Promise<string>;
}

/** Starts traffic-peer.mjs with spec (see its header), by node or a copy of it, and waits for its ready line. */
export async function peer(spec: Record<string, unknown>, node = process.execPath): Promise<Peer> {
  const child = spawn(node, [PEER, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'inherit'] });
  peers.add(child);
  child.once('exit', () => peers.delete(child));
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const line = async () => {
    const next = await lines.next();
    if (next.done) throw new Error(`traffic peer ${String(spec['mode'])} exited`);
    return String(next.value);
  };
  const ready = JSON.parse(await line()) as { pid: number; port?: number; localPort?: number };
  return { ...ready, send: (l) => child.stdin!.write(`${l}\n`), line };
}

/** Waits until a sink peer has read at least n bytes. */
export async function sinkHasRead(sink: Peer, n: number): Promise<void> {
  for (let got = 0; got < n; ) {
    sink.send('count');
    got = Number(await sink.line());
  }
}

export function stopPeers(): void {
  for (const p of peers) p.kill('SIGKILL');
  peers.clear();
}

/** The middle value (for rates measured over several polls on a busy machine). */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}
