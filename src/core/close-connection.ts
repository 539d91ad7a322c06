// Closes one TCP connection without ending its process: the exact socket is looked up through
// NETLINK_SOCK_DIAG, then destroyed by its cookie (SOCK_DESTROY), so a listener, or a newer connection
// that took the same ports meanwhile, is never hit instead.
import { formatIPv6, parseIPv4, parseIPv6 } from '../shared/address.js';
import { parseEndpoint, type CloseConnectionResult, type Endpoint } from '../shared/close-connection.js';
import { formatEndpoint } from '../shared/model.js';
import { loadSockDiagAddon, RecordDecoder, type SockDiagAddon } from './sources/netlink.js';

const EPERM = -1;
const ENOENT = -2;
const EACCES = -13;
const EOPNOTSUPP = -95;
const ESTALE = -116;
const TCP_LISTEN = 10;

export const NEEDS_CAP_NET_ADMIN = 'Closing a connection needs CAP_NET_ADMIN: run Portwatch as root, or give it that capability.';

export interface CloseConnectionOptions {
  /** The addon (tests may pass another build); by default the one loadSockDiagAddon finds. */
  addon?: SockDiagAddon | null;
}

/** An address as the kernel's 16 bytes, in each family it can be found in (IPv4 also as ::ffff:a.b.c.d). */
function forms(address: string): Array<{ family: 4 | 6; bytes: Buffer }> {
  const v4 = parseIPv4(address);
  if (v4 !== null) {
    const mapped = Buffer.alloc(16);
    mapped[10] = 0xff;
    mapped[11] = 0xff;
    mapped.set(v4, 12);
    const plain = Buffer.alloc(16);
    plain.set(v4, 0);
    return [
      { family: 4, bytes: plain },
      { family: 6, bytes: mapped },
    ];
  }
  const v6 = parseIPv6(address);
  if (v6 === null) return [];
  const mappedV4 = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  const out: Array<{ family: 4 | 6; bytes: Buffer }> = [{ family: 6, bytes: Buffer.from(v6) }];
  if (mappedV4) {
    const plain = Buffer.alloc(16);
    plain.set(v6.subarray(12), 0);
    out.push({ family: 4, bytes: plain });
  }
  return out;
}

function readEndpoint(e: Endpoint | string): Endpoint | null {
  if (typeof e === 'string') return parseEndpoint(e);
  return Number.isInteger(e.port) && e.port >= 1 && e.port <= 65535 ? e : null;
}

/**
 * Closes the TCP connection whose local end is `local` and remote end is `remote` (either end of a
 * connection between two local programs may be named as local). Both processes keep running; they
 * see the connection reset.
 */
export async function closeConnection(local: Endpoint | string, remote: Endpoint | string, options: CloseConnectionOptions = {}): Promise<CloseConnectionResult> {
  const l = readEndpoint(local);
  const r = readEndpoint(remote);
  if (l === null || r === null) {
    const bad = l === null ? local : remote;
    return { outcome: 'invalid', message: `${JSON.stringify(typeof bad === 'string' ? bad : formatEndpoint(bad.address, bad.port))} is not ADDRESS:PORT (IPv6 in brackets: [::1]:443)` };
  }
  const localForms = forms(l.address);
  const remoteForms = forms(r.address);
  if (localForms.length === 0 || remoteForms.length === 0) {
    return { outcome: 'invalid', message: `${JSON.stringify(localForms.length === 0 ? l.address : r.address)} is not an IP address` };
  }
  const what = `${formatEndpoint(l.address, l.port)} ↔ ${formatEndpoint(r.address, r.port)}`;
  let why = '';
  const addon = options.addon === undefined ? loadSockDiagAddon({ onError: (reason) => (why = reason) }) : options.addon;
  if (addon === null) return { outcome: 'unsupported', message: `Cannot close connections here: ${why || 'the sock_diag addon is not available'}.` };
  const decoder = new RecordDecoder();
  for (const lf of localForms) {
    const rf = remoteForms.find((f) => f.family === lf.family);
    if (rf === undefined) continue;
    const found = addon.query(lf.family, lf.bytes, l.port, rf.bytes, r.port);
    if (typeof found === 'number') {
      if (found === ENOENT) continue;
      return { outcome: 'unsupported', message: `Cannot look up ${what}: the kernel answered errno ${-found}.` };
    }
    const row = decoder.row(found, 0);
    // The kernel's lookup falls back to a listener on the local port: that is not this connection.
    if (row === null || found[2] === TCP_LISTEN || row.localPort !== l.port || row.remotePort !== r.port) continue;
    const result = addon.destroy(lf.family, lf.bytes, l.port, rf.bytes, r.port, found.subarray(48, 56));
    const connection = {
      family: row.family,
      localAddress: row.localAddress,
      localPort: row.localPort,
      remoteAddress: row.remoteAddress ?? (lf.family === 4 ? formatIPv4(rf.bytes) : formatIPv6(rf.bytes)),
      remotePort: r.port,
      state: row.state,
    };
    if (result === 0) return { outcome: 'closed', connection, message: `Closed ${what} (was ${row.state}).` };
    if (result === EPERM || result === EACCES) return { outcome: 'not-permitted', message: NEEDS_CAP_NET_ADMIN };
    if (result === ENOENT || result === ESTALE) return { outcome: 'not-found', message: `${what} ended before it could be closed.` };
    if (result === EOPNOTSUPP) return { outcome: 'unsupported', message: 'This kernel cannot close connections (built without CONFIG_INET_DIAG_DESTROY).' };
    return { outcome: 'unsupported', message: `The kernel would not close ${what} (errno ${-result}).` };
  }
  return { outcome: 'not-found', message: `No TCP connection from ${formatEndpoint(l.address, l.port)} to ${formatEndpoint(r.address, r.port)}.` };
}

function formatIPv4(bytes: Buffer): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}
