// What a socket's ports and peer are called: the shapes the engine, the CLI and the views share.
//
// Static names (a port's IANA service, its class, an address's scope) are pure functions of the
// socket's own fields: every side computes them from shared rules (services.ts, port-class.ts,
// address.ts), so they cost no transport and can never disagree. Looked-up names (reverse DNS, the
// offline country and owner database) live in the engine, keyed by address — many sockets share a
// peer — and reach views as a compact 'names' event: only the addresses whose names changed, never
// the sockets. A view starts from the full NamesState and applies updates with a higher version.
import type { AddressRange } from './address.js';
import { addressRange, normaliseHost } from './address.js';
import type { Socket } from './model.js';
import type { PortClass } from './port-class.js';
import { portClass } from './port-class.js';
import { serviceName } from './services.js';

/** What the engine knows about one remote address. */
export interface AddressNames {
  /** Reverse-DNS name, forward-confirmed; null while unknown, when there is none (or it is not confirmed), or when lookups are off. */
  host: string | null;
  /** ISO 3166-1 alpha-2, public addresses only. */
  country: string | null;
  asn: number | null;
  org: string | null;
}

/** A 'names' event: the addresses whose names changed since version - 1, and those forgotten. */
export interface NamesUpdate {
  version: number;
  /** Whether reverse-DNS lookups are on now. */
  reverseDns: boolean;
  /** Address (as normaliseHost gives it) → its names now. */
  set: Record<string, AddressNames>;
  /** Addresses no socket uses any more; a view drops them. */
  forgotten: string[];
}

/** Everything the engine knows, for a view that starts; updates with version > this one apply on top. */
export interface NamesState {
  version: number;
  /** Whether reverse-DNS lookups are on (privacy: the resolver learns whom this machine talks to). */
  reverseDns: boolean;
  addresses: Record<string, AddressNames>;
}

/** What `portwatch ip` prints: one address explained. */
export interface AddressExplanation extends AddressNames {
  address: string;
  scope: AddressRange;
  /** A PTR name whose own addresses do not include this one: said here, never shown as the host. */
  unconfirmedHost: string | null;
}

/** The name fields every socket carries in `snapshot --json` (and that views show). */
export interface SocketNames {
  localService: string | null;
  remoteService: string | null;
  localPortClass: PortClass;
  remotePortClass: PortClass | null;
  /** null without a remote. */
  remoteScope: AddressRange | null;
  remoteHost: string | null;
  remoteCountry: string | null;
  remoteAsn: number | null;
  remoteOrg: string | null;
}

export const NO_ADDRESS_NAMES: AddressNames = Object.freeze({ host: null, country: null, asn: null, org: null });

/** The key looked-up names are kept under: one text per address (IPv4-mapped IPv6 as IPv4). */
export function namesKey(address: string): string {
  return normaliseHost(address);
}

/** Whether a socket has a peer worth naming (not a listener's or unconnected socket's wildcard). */
export function hasRemote(s: Pick<Socket, 'remoteAddress' | 'remotePort'>): s is { remoteAddress: string; remotePort: number } {
  return s.remoteAddress !== null && s.remotePort !== null && s.remotePort !== 0;
}

// The key a peer's names are kept under, per address text: a table has few distinct peers and many
// rows, and sorting or filtering 12,000 rows would otherwise parse each address again.
const peerKeys = new Map<string, string>();

/** The names key of a socket's peer (namesKey of its remote address), or null when it has none. */
export function peerNamesKey(s: Pick<Socket, 'remoteAddress' | 'remotePort'>): string | null {
  if (!hasRemote(s)) return null;
  let key = peerKeys.get(s.remoteAddress);
  if (key === undefined) {
    key = namesKey(s.remoteAddress);
    if (peerKeys.size > 100_000) peerKeys.clear();
    peerKeys.set(s.remoteAddress, key);
  }
  return key;
}

/** A socket's peer's names from `get`, if any are known. */
export function peerNames(s: Pick<Socket, 'remoteAddress' | 'remotePort'>, get: ((key: string) => AddressNames | undefined) | undefined): AddressNames | undefined {
  if (get === undefined) return undefined;
  const key = peerNamesKey(s);
  return key === null ? undefined : get(key);
}

/** A socket's names: the static ones computed here, the looked-up ones from `lookup` (keyed by namesKey). */
export function socketNames(s: Socket, lookup: (key: string) => AddressNames | undefined): SocketNames {
  const remote = hasRemote(s);
  const found = remote ? (lookup(namesKey(s.remoteAddress!)) ?? NO_ADDRESS_NAMES) : NO_ADDRESS_NAMES;
  return {
    localService: serviceName(s.localPort, s.protocol),
    remoteService: remote ? serviceName(s.remotePort, s.protocol) : null,
    localPortClass: portClass(s.localPort),
    remotePortClass: remote ? portClass(s.remotePort!) : null,
    remoteScope: remote ? addressRange(s.remoteAddress!) : null,
    remoteHost: found.host,
    remoteCountry: found.country,
    remoteAsn: found.asn,
    remoteOrg: found.org,
  };
}

/** Which scopes a public-address database can answer for. */
export function isPublicRange(range: AddressRange): boolean {
  return range === 'public';
}

const UNOWNED_RANGE: Record<Exclude<AddressRange, 'public'>, string> = {
  loopback: 'this machine (loopback)',
  private: 'private network',
  'link-local': 'link-local (this network link)',
  shared: 'carrier-grade NAT (shared)',
  multicast: 'multicast group',
  unspecified: 'unspecified address',
  documentation: 'documentation range',
};

/**
 * What stands where a public peer's country and owner would: the kind of address it is, for one
 * no public database answers for (a peer on loopback, the LAN, the link); null for a public one.
 */
export function unownedRangeText(range: AddressRange): string | null {
  return range === 'public' ? null : UNOWNED_RANGE[range];
}

/** An address's owner in words: "AS15169 Google LLC", the organisation or the AS number alone, or null. */
export function addressOwnerText(names: { asn: number | null; org: string | null }): string | null {
  if (names.asn === null) return names.org;
  return `AS${names.asn}${names.org === null ? '' : ` ${names.org}`}`;
}
