// Where an agent's Unix socket is, when nobody says (--agent PATH, --socket PATH): the system agent
// (a service run by root) at a fixed path, else the user's own in their runtime folder. Hosts that
// attach look in that order.
import { join } from 'node:path';

/** The system agent's socket: what the systemd unit and launchd plist run. */
export const SYSTEM_AGENT_SOCKET = process.platform === 'darwin' ? '/var/run/portwatch/agent.sock' : '/run/portwatch/agent.sock';

/** A user's own agent: $XDG_RUNTIME_DIR/portwatch/agent.sock, or beside the data folder. */
export function userAgentSocket(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime && runtime.startsWith('/') ? join(runtime, 'portwatch', 'agent.sock') : join(dataDir, 'agent.sock');
}

/** Where `portwatch agent` listens by default: the system path as root, the user's own otherwise. */
export function defaultAgentSocket(dataDir: string, uid: number | null = typeof process.geteuid === 'function' ? process.geteuid() : null): string {
  return uid === 0 ? SYSTEM_AGENT_SOCKET : userAgentSocket(dataDir);
}

/** Where a host looks for a running agent, in order. */
export function agentSocketCandidates(dataDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const user = userAgentSocket(dataDir, env);
  return user === SYSTEM_AGENT_SOCKET ? [user] : [SYSTEM_AGENT_SOCKET, user];
}
