// Closing one TCP connection without ending its process (TCPView's "Close Connection"): the kernel
// aborts the socket (SOCK_DESTROY), both ends see a reset, and the programs go on running. Linux only,
// and it needs CAP_NET_ADMIN (root, or the capability given to Portwatch).

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
