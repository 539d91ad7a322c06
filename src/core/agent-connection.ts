// A running agent as an EngineClient sees an engine process: its Unix socket carries the same
// messages (engine-protocol.ts, one JSON a line), 'exit' is the connection closing, kill() hangs up.
// An EngineClient built on connectAgent attaches to the agent's engine; a lost agent is reconnected
// to as a crashed engine is restarted. Every connection (a reconnect too) is checked first: the path
// and its folder before connecting, who listens once connected (agent-trust.ts); nothing is sent to,
// or taken from, an agent that fails either.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { agentOwners, agentPeerProblem, agentSocketProblem, type AgentOwners } from './agent-trust.js';
import type { EngineProcess } from './engine-client.js';
import type { HostMessage } from './engine-protocol.js';
import { ndjsonChannel } from './ndjson-channel.js';
import { peerCredentials, peerCredentialsUnavailable } from './peer-credentials.js';

/** The agent's answers can be large (getState of a busy machine): a bound, but a generous one. */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

class AgentConnection extends EventEmitter implements EngineProcess {
  readonly pid = undefined;
  private readonly socket: Socket | null;
  private reason: string | null = null;
  /** Messages posted before the agent was found trustworthy. */
  private readonly held: HostMessage[] = [];
  private send: ((message: HostMessage) => void) | null = null;

  constructor(path: string, owners: AgentOwners) {
    super();
    // Windows named pipes have no owner or peer uid to check.
    const checks = process.platform !== 'win32';
    const refused = checks ? agentSocketProblem(path, owners) : null;
    if (refused !== null) {
      this.socket = null;
      setImmediate(() => {
        this.emit('message', { type: 'failed', message: refused });
        this.emit('exit', 1);
      });
      return;
    }
    const socket = (this.socket = connect(path));
    const channel = ndjsonChannel(socket, { maxLineBytes: MAX_ANSWER_BYTES });
    channel.onMessage((m) => this.emit('message', restoreUndefined(m)));
    channel.onProblem((reason) => (this.reason = `the agent sent ${reason}`));
    // Before connect, an error (no agent there, not allowed) arrives as a 'failed' open: the client says it.
    socket.once('error', (e: NodeJS.ErrnoException) => {
      this.reason = connectProblem(path, e);
    });
    socket.once('connect', () => {
      // Checked before any byte is read from or written to it.
      const problem = checks ? agentPeerProblem(path, peerCredentials(socket), peerCredentialsUnavailable(), owners) : null;
      if (problem !== null) {
        this.reason = problem;
        socket.destroy();
        return;
      }
      this.send = (m) => channel.send(m);
      for (const m of this.held.splice(0)) this.send(m);
    });
    socket.once('close', () => {
      if (this.reason !== null) this.emit('message', { type: 'failed', message: this.reason });
      this.emit('exit', this.reason === null ? 0 : 1);
    });
  }

  postMessage(message: HostMessage): void {
    if (this.send !== null) this.send(message);
    else this.held.push(message);
  }

  kill(): boolean {
    this.socket?.destroy();
    return true;
  }
}

/** JSON drops a result's undefined value (pause, setInterval); the protocol's result carries it. */
function restoreUndefined(message: unknown): unknown {
  if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'result' && !('value' in message)) return { ...message, value: undefined };
  return message;
}

/** The agent at path as an engine process; refused (a 'failed' open) when another user could be answering there. */
export function connectAgent(path: string, owners: AgentOwners = agentOwners()): EngineProcess {
  return new AgentConnection(path, owners);
}

/** Why the agent at path cannot be reached, in the user's words. */
export function connectProblem(path: string, e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
      return `no Portwatch agent is running at ${path}`;
    case 'EACCES':
    case 'EPERM':
      return `not allowed to use the Portwatch agent at ${path} (ask its owner to add you to its group)`;
    default:
      return `cannot reach the Portwatch agent at ${path}: ${e.message}`;
  }
}

/** The first of paths where an agent accepts a connection now; null when none does. */
export async function findRunningAgent(paths: readonly string[]): Promise<string | null> {
  for (const path of paths) {
    const alive = await new Promise<boolean>((resolve) => {
      const probe = connect(path);
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (alive) return path;
  }
  return null;
}
