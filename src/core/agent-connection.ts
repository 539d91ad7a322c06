// A running agent as an EngineClient sees an engine process: its Unix socket carries the same
// messages (engine-protocol.ts, one JSON a line), 'exit' is the connection closing, kill() hangs up.
// An EngineClient built on connectAgent attaches to the agent's engine; a lost agent is reconnected
// to as a crashed engine is restarted.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { EngineProcess } from './engine-client.js';
import type { HostMessage } from './engine-protocol.js';
import { ndjsonChannel } from './ndjson-channel.js';

/** The agent's answers can be large (getState of a busy machine): a bound, but a generous one. */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

class AgentConnection extends EventEmitter implements EngineProcess {
  readonly pid = undefined;
  private readonly socket: Socket;
  private readonly channel;
  private reason: string | null = null;

  constructor(path: string) {
    super();
    this.socket = connect(path);
    this.channel = ndjsonChannel(this.socket, { maxLineBytes: MAX_ANSWER_BYTES });
    this.channel.onMessage((m) => this.emit('message', restoreUndefined(m)));
    this.channel.onProblem((reason) => (this.reason = `the agent sent ${reason}`));
    // Before connect, an error (no agent there, not allowed) arrives as a 'failed' open: the client says it.
    this.socket.once('error', (e: NodeJS.ErrnoException) => {
      this.reason = connectProblem(path, e);
    });
    this.socket.once('close', () => {
      if (this.reason !== null) this.emit('message', { type: 'failed', message: this.reason });
      this.emit('exit', this.reason === null ? 0 : 1);
    });
  }

  postMessage(message: HostMessage): void {
    if (this.socket.connecting) this.socket.once('connect', () => this.channel.send(message));
    else this.channel.send(message);
  }

  kill(): boolean {
    this.socket.destroy();
    return true;
  }
}

/** JSON drops a result's undefined value (pause, setInterval); the protocol's result carries it. */
function restoreUndefined(message: unknown): unknown {
  if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'result' && !('value' in message)) return { ...message, value: undefined };
  return message;
}

export function connectAgent(path: string): EngineProcess {
  return new AgentConnection(path);
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
