// The agent's Unix domain socket: the one contract (the engine protocol of core/engine-protocol.ts,
// one JSON message a line) for local UIs, each client its own session of the one engine
// (attachSession: the same request handling as the desktop app's engine process). Who may connect is
// said twice: by the socket file's mode (owner, plus a group when --group is given) and, whatever
// the mode let through, by the peer's credentials as the kernel recorded them (agent-access.ts).
import { chmodSync, chownSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Engine } from '../core/engine.js';
import { folderProblem } from '../core/agent-trust.js';
import { attachSession, type EngineSession } from '../core/engine-process.js';
import { hostMessageSchema, protocolProblem, type EngineMessage } from '../core/engine-protocol.js';
import { ndjsonChannel } from '../core/ndjson-channel.js';
import { peerCredentials, peerCredentialsUnavailable } from '../core/peer-credentials.js';
import type { Access } from '../shared/access.js';
import { accessFor, type AgentAccessPolicy } from './agent-access.js';
import { MAX_BUFFERED_BYTES, RequestBudget } from './request-budget.js';
import { cutFurthestBehind } from './send-budget.js';

/** Requests are small; the longest is a list of watched ports. */
const MAX_REQUEST_BYTES = 256 * 1024;
const MAX_CLIENTS = 64;

export interface AgentSocketOptions {
  engine: Engine;
  path: string;
  policy: AgentAccessPolicy;
  /** The agent's log (stderr). */
  log: (line: string) => void;
  maxClients?: number;
}

export interface RunningAgentSocket {
  path: string;
  readonly clients: number;
  close(): Promise<void>;
}

/** Why the socket cannot be made at path, in one line (thrown as an Error). */
export async function startAgentSocket(options: AgentSocketOptions): Promise<RunningAgentSocket> {
  const { path, policy, engine, log } = options;
  prepareFolder(dirname(path), policy);
  await clearStaleSocket(path);

  const live = new Set<Socket>();
  let warnedNoCredentials = false;
  const server: Server = createServer((socket) => {
    if (live.size >= (options.maxClients ?? MAX_CLIENTS)) {
      socket.end(JSON.stringify({ type: 'failed', message: 'this Portwatch agent serves as many clients as it can; try again later' }) + '\n');
      return;
    }
    let access: Access;
    const peer = peerCredentials(socket);
    if (peer === null) {
      // Without credentials the file's mode is the only lock: its group gets the group's access.
      if (!warnedNoCredentials) log(`cannot read peer credentials (${peerCredentialsUnavailable() ?? 'not a Unix socket'}); clients get ${policy.group ? 'read-only' : 'full'} access by the socket's file mode`);
      warnedNoCredentials = true;
      access = policy.group ? 'read-only' : 'full';
    } else {
      const decision = accessFor(peer, policy);
      if ('refused' in decision) {
        log(`refused a client: ${decision.refused}`);
        socket.on('error', () => {});
        socket.end(JSON.stringify({ type: 'failed', message: decision.refused }) + '\n');
        return;
      }
      access = decision.access;
    }
    live.add(socket);
    serveClient(socket, engine, access, log, () => cutFurthestBehind(live, (s) => s.writableLength, (s) => s.destroy()));
    socket.once('close', () => live.delete(socket));
  });
  server.on('error', (e) => log(`the agent socket failed: ${e.message}`));

  // The file is made with the umask's mode: keep everyone out until its mode and group are set.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  try {
    if (policy.group) chownSync(path, -1, policy.group.gid);
    chmodSync(path, policy.group ? 0o660 : 0o600);
  } catch (e) {
    server.close();
    throw new Error(`cannot give ${path} to the group ${policy.group?.name}: ${(e as Error).message}`, { cause: e });
  }

  return {
    path,
    get clients() {
      return live.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of live) socket.destroy();
        server.close(() => resolve());
        // Node unlinks the socket file on close; a file left by a crash is cleared at the next start.
      }),
  };
}

let nextClient = 0;

/** @param withinBudget cuts the clients furthest behind when all of them together hold too much */
function serveClient(socket: Socket, engine: Engine, access: Access, log: (line: string) => void, withinBudget: () => void): void {
  const client = `agent-client-${++nextClient}`;
  const channel = ndjsonChannel(socket, { maxLineBytes: MAX_REQUEST_BYTES, maxBufferedBytes: MAX_BUFFERED_BYTES });
  const budget = new RequestBudget('client');
  /** The last line sent: an answer is flushed once it, or anything written after it, is. */
  let flushed = Promise.resolve();
  const send = (m: EngineMessage) => {
    flushed = channel.send(m);
    withinBudget();
  };
  let session: EngineSession | null = null;
  channel.onProblem((reason) => log(`dropped a client that sent ${reason}`));
  channel.onClose(() => session?.detach());
  channel.onMessage((raw) => {
    const parsed = hostMessageSchema.safeParse(raw);
    if (!parsed.success) {
      log(`ignored a malformed message from a client (${protocolProblem(parsed.error)})`);
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'open':
        // The engine is open and polling already: an attaching host gets it as it is.
        if (session !== null) return;
        session = attachSession(engine, send, { access, client });
        session.ready();
        return;
      case 'request': {
        if (session === null) return send({ type: 'failure', id: message.id, message: "send 'open' first", code: 'bad-request' });
        // A client that asks without reading is answered 'busy', not buffered a state per request.
        const busy = budget.start(message.method);
        if (busy !== null) return send({ type: 'failure', id: message.id, message: busy, code: 'busy' });
        const { method } = message;
        void session.answer(message).finally(() => budget.done(method, flushed));
        return;
      }
      case 'close':
        // This client leaves; the agent's engine runs on.
        session?.detach();
        session = null;
        send({ type: 'closed' });
        channel.end();
        return;
    }
  });
}

/** The socket's folder: made if missing, and never one another user could swap the socket in. */
function prepareFolder(dir: string, policy: AgentAccessPolicy): void {
  try {
    mkdirSync(dir, { recursive: true, mode: policy.group ? 0o755 : 0o700 });
  } catch (e) {
    throw new Error(`cannot make the folder ${dir}: ${(e as Error).message}`, { cause: e });
  }
  // The rule UIs check before they connect (agent-trust.ts), so an agent never makes a socket they refuse.
  const problem = folderProblem(dir, lstatSync(dir), new Set([policy.ownerUid, 0]), (uid) => `uid ${uid}`);
  if (problem !== null) throw new Error(`${problem}: the agent's socket is not made there`);
}

/** A socket file left by an agent that died is removed; a live agent, or anything not a socket, is not. */
async function clearStaleSocket(path: string): Promise<void> {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket; remove it or choose another --socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another Portwatch agent is running on ${path}`);
  unlinkSync(path);
}
