// Closing one TCP connection without ending its process (TCPView's "Close Connection"): the kernel
// aborts the socket (SOCK_DESTROY), both ends see a reset, and the programs go on running. Linux only,
// and it needs CAP_NET_ADMIN (root, or the capability given to Portwatch).

import type { Socket } from './model.js';
import { formatEndpoint } from './model.js';

/** A connection's end as the user names it: "127.0.0.1:5000", "[::1]:5000". */
export interface Endpoint {
  address: string;
  port: number;
}

/** The connection that was closed, as the kernel had it. */
export interface ClosedConnectionInfo {
  family: 4 | 6;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Its TCP state just before, e.g. ESTABLISHED. */
  state: string;
}

/**
 * closed: the kernel aborted it; not-found: no TCP connection has that local and remote end (or it
 * ended meanwhile); not-permitted: Portwatch lacks CAP_NET_ADMIN; unsupported: not Linux, the
 * sock_diag addon is not built, or the kernel lacks CONFIG_INET_DIAG_DESTROY; invalid: an end that is
 * not an address and a port, or the two ends of a listener. message is one plain line for the user.
 */
export type CloseConnectionResult =
  | { outcome: 'closed'; connection: ClosedConnectionInfo; message: string }
  | { outcome: 'not-found' | 'not-permitted' | 'unsupported' | 'invalid'; message: string };

/** Parses "ADDRESS:PORT" (IPv6 in brackets: "[::1]:443"); null when it is not one. */
export function parseEndpoint(text: string): Endpoint | null {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  if (m === null) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { address: m[1]!, port };
}

/** The request to close one connection: its local and remote ends as "ADDRESS:PORT". */
export interface CloseConnectionRequest {
  local: string;
  remote: string;
}

/** The request for this socket's connection. */
export function closeRequestFor(s: Pick<Socket, 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'>): CloseConnectionRequest {
  return { local: formatEndpoint(s.localAddress, s.localPort), remote: formatEndpoint(s.remoteAddress, s.remotePort) };
}

/** States in which there is a live connection to abort (TIME_WAIT and later are already closed). */
const CLOSABLE_STATES = new Set(['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING']);

/**
 * Why this socket's connection may not be closed, in one line; null when it may. The same rule in the
 * UI (the menu item), the API and the CLI: a TCP connection with a peer, still open, and not one of
 * Portwatch's own (closing its own WebSocket would cut the view that asked).
 */
export function whyNotClosable(s: Socket, selfPid: number | null): string | null {
  if (s.protocol !== 'tcp') return 'only TCP connections can be closed (UDP has no connection to abort)';
  if (s.listening || s.remoteAddress === null || s.remotePort === null || s.remotePort === 0) return 'a listener is not a connection: end its process to free the port';
  if (!CLOSABLE_STATES.has(s.state)) return `the connection is already closed (${s.state})`;
  if (selfPid !== null && (s.pid === selfPid || s.otherHolders.some((p) => p.pid === selfPid))) return "this is one of Portwatch's own connections";
  return null;
}
