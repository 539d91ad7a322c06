// The columns of the socket tables: what each shows, how wide it starts, and how it sorts. A table
// (Connections, Listening, the port lookup's lists) is a list of these ids; the user may reorder,
// resize and hide them (column-layout.ts keeps that). A new column — traffic, a service name, a host
// name — is one entry here with its cell and sort key, and its id in the tables that offer it.
//
// TanStack Table owns the header model and the sorting, sizing, ordering and visibility state (see
// column-header.tsx); the rows are ordered here. Its own row pipeline rebuilds a Row object per socket
// whenever the data changes, which at 10,000 sockets and a delta a second cost tens of milliseconds
// per delta (see e2e/bench-renderer.spec.ts), so the live rows are sorted by plain comparators over
// cached keys, and cells render straight from the store's rows: a memoised row re-renders only when
// its socket or highlight changes.
import type { ReactNode } from 'react';
import type { AddressScope } from '../../../shared/address.js';
import { addressScope, parseIPv4, parseIPv6 } from '../../../shared/address.js';
import type { Conflict } from '../../../shared/api.js';
import type { Socket } from '../../../shared/model.js';
import type { AddressNames } from '../../../shared/names.js';
import { peerNames } from '../../../shared/names.js';
import { formatHost, stateLabel } from '../../../shared/model.js';
import { serviceName } from '../../../shared/services.js';
import type { ColumnBasics, SortEntry } from '../column-layout.js';
import { protoLabel } from '../format.js';
import { SocketAge } from './age.js';
import { ConflictMark, ExposureBadge } from './badges.js';
import { describePort, LocalEndpoint, RemoteEndpoint, RemoteOwner } from './names.js';
import type { SocketTraffic } from '../../../shared/traffic.js';
import { TrafficCell, trafficValue, type TrafficField } from './traffic-cells.js';

/** What a cell may need beyond its socket. */
export interface CellContext {
  /** The port conflicts this socket is part of (the Listening table marks them by the port). */
  conflicts?: readonly Conflict[];
}

/**
 * What a sort may read beyond the socket: the looked-up names, whether they are shown, and the
 * latest traffic counters by socket id.
 */
export interface SortNames {
  get: (key: string) => AddressNames | undefined;
  resolve: boolean;
  counters?: (id: string) => SocketTraffic | undefined;
}

/** No names known (a table with no names store, a sort that reads none). */
export const NO_NAMES: SortNames = { get: () => undefined, resolve: false };

export interface SortKey {
  /** The value compared first; null sorts last whichever the direction. */
  get: (s: Socket, names: SortNames) => string | number | null;
  /** Ties broken by this number, in the same direction. */
  tie?: (s: Socket) => number;
  /** The key reads looked-up names: a names update (or the Resolve switch) may reorder the rows. */
  names?: boolean;
  /** The key reads traffic counters: a traffic update may reorder the rows. */
  traffic?: boolean;
}

export interface ColumnSpec extends ColumnBasics {
  header: string;
  /** The header's tooltip: what the column means. */
  help?: string;
  /** Numbers line up on the right. */
  numeric?: boolean;
  /** Extra class of every cell (mono, …). */
  cellClass?: string;
  /** Absent: the column does not sort. */
  sort?: SortKey;
  cell: (s: Socket, ctx: CellContext) => ReactNode;
  /** The cell's tooltip (the whole value where it may be cut off). */
  title?: (s: Socket) => string | undefined;
}

// Addresses sort as numbers (10.0.0.9 before 10.0.0.10), IPv4 before IPv6. The key of each address
// text is kept: a table has few distinct addresses and many rows.
const addressKeys = new Map<string, string>();
function addressKey(address: string): string {
  let key = addressKeys.get(address);
  if (key === undefined) {
    const v4 = parseIPv4(address);
    const v6 = v4 ? null : parseIPv6(address);
    const hex = (bytes: ArrayLike<number>) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    key = v4 ? `4${hex(v4)}` : v6 ? `6${hex(v6)}` : `9${address}`;
    if (addressKeys.size > 100_000) addressKeys.clear();
    addressKeys.set(address, key);
  }
  return key;
}

/** The owner a peer sorts by: its network's name (AS number where there is none), case folded. */
function ownerKey(s: Socket, names: SortNames): string | null {
  const n = peerNames(s, names.get);
  if (n === undefined) return null;
  if (n.org !== null) return n.org.toLowerCase();
  return n.asn === null ? null : `as${n.asn}`;
}

const scopes = new Map<string, AddressScope>();
/** The exposure of a bind address, kept per address text. */
export function scopeOf(address: string): AddressScope {
  let scope = scopes.get(address);
  if (scope === undefined) {
    scope = addressScope(address);
    if (scopes.size > 100_000) scopes.clear();
    scopes.set(address, scope);
  }
  return scope;
}

/** Open-to-everything first. */
export const SCOPE_RANK: Record<AddressScope, number> = { all: 0, public: 1, private: 2, 'link-local': 3, loopback: 4 };

// Sockets are immutable (a change is a new object), so a lower-cased name can be kept per socket.
const lowerNames = new WeakMap<Socket, string | null>();
function nameKey(s: Socket): string | null {
  let key = lowerNames.get(s);
  if (key === undefined) {
    key = s.process?.name.toLowerCase() ?? null;
    lowerNames.set(s, key);
  }
  return key;
}

export function Endpoint({ address, port }: { address: string | null; port: number | null }): ReactNode {
  if (address === null) return <span className="dim">*</span>;
  return (
    <>
      <span className="addr">{formatHost(address)}</span>
      <span className="port">:{port ?? '*'}</span>
    </>
  );
}

export function stateClass(s: Socket): string {
  if (s.listening) return 'st-listen';
  switch (s.state) {
    case 'ESTABLISHED':
      return 'st-est';
    case 'TIME_WAIT':
    case 'CLOSE':
      return 'st-wait';
    case 'SYN_SENT':
    case 'SYN_RECV':
      return 'st-syn';
    case 'CLOSE_WAIT':
    case 'FIN_WAIT1':
    case 'FIN_WAIT2':
    case 'LAST_ACK':
    case 'CLOSING':
      return 'st-closing';
    default:
      return '';
  }
}

const dash = <span className="dim">—</span>;

/** A traffic column: bytes or a rate from the traffic store, sorted by it (n/a last). */
function trafficColumn(id: string, field: TrafficField, header: string, help: string, width: number, defaultHidden = false): ColumnSpec {
  return {
    id,
    header,
    help,
    width,
    numeric: true,
    ...(defaultHidden ? { defaultHidden } : {}),
    sort: { get: (s, names) => trafficValue(s, field, names.counters?.(s.id)), traffic: true },
    cell: (s) => <TrafficCell socket={s} field={field} />,
  };
}

function processCell(s: Socket): ReactNode {
  return s.process ? s.process.name : <span className="dim">{s.pid === null ? '—' : `pid ${s.pid}`}</span>;
}

/** Every column a socket table can show. */
export const SOCKET_COLUMNS = {
  proto: {
    id: 'proto',
    header: 'Proto',
    width: 68,
    cellClass: 'mono',
    sort: { get: (s) => (s.protocol === 'tcp' ? 0 : 10) + s.family },
    cell: (s) => protoLabel(s),
  },
  local: {
    id: 'local',
    header: 'Local address',
    width: 200,
    minWidth: 80,
    cellClass: 'c-endpoint',
    sort: { get: (s) => addressKey(s.localAddress), tie: (s) => s.localPort },
    // The endpoints' cells carry their own tooltips (raw address, scope, the port's service and class).
    cell: (s) => <LocalEndpoint s={s} />,
  },
  remote: {
    id: 'remote',
    header: 'Remote address',
    width: 220,
    minWidth: 80,
    cellClass: 'c-endpoint',
    // As shown (TCPView): with names on, host names sort by name after the peers that have none
    // (which sort by address, as their digits read); with names off, by address.
    sort: {
      get: (s, names) => {
        if (s.remoteAddress === null) return null;
        const host = names.resolve ? (peerNames(s, names.get)?.host ?? null) : null;
        return host === null ? `0${addressKey(s.remoteAddress)}` : `1${host.toLowerCase()}`;
      },
      tie: (s) => s.remotePort ?? 0,
      names: true,
    },
    cell: (s) => <RemoteEndpoint s={s} />,
  },
  owner: {
    id: 'owner',
    header: 'Country · owner',
    width: 170,
    minWidth: 60,
    help: 'A public peer’s country and the network that holds its address (offline databases)',
    // By the owner's name (peers with none last); sorted again as owners are looked up.
    sort: { get: ownerKey, tie: (s) => s.remotePort ?? 0, names: true },
    cell: (s) => <RemoteOwner s={s} />,
  },
  state: {
    id: 'state',
    header: 'State',
    width: 108,
    help: 'The kernel’s state of the socket; BOUND is a UDP socket with no peer (ss says UNCONN)',
    sort: { get: (s) => stateLabel(s) },
    cell: (s) => <span className={stateClass(s)}>{stateLabel(s)}</span>,
  },
  process: {
    id: 'process',
    header: 'Process',
    width: 150,
    minWidth: 60,
    required: true,
    sort: { get: nameKey, tie: (s) => s.pid ?? 0 },
    cell: processCell,
    title: (s) => s.process?.cmdline || s.process?.exe || undefined,
  },
  pid: {
    id: 'pid',
    header: 'PID',
    width: 68,
    numeric: true,
    sort: { get: (s) => s.pid },
    cell: (s) => s.pid ?? dash,
  },
  user: {
    id: 'user',
    header: 'User',
    width: 90,
    sort: { get: (s) => s.process?.user ?? null },
    cell: (s) => s.process?.user ?? dash,
  },
  age: {
    id: 'age',
    header: 'Age',
    width: 64,
    numeric: true,
    help: 'How long the socket has been open; “≥” where it was already open when Portwatch started',
    // Ascending age is youngest first: the newest connection at the top, as "sort by age" means. Among
    // sockets open before Portwatch started, the one whose process started later is younger.
    sort: { get: (s) => -s.firstSeen, tie: (s) => -(s.process?.startedAt ?? 0) },
    cell: (s) => <SocketAge socket={s} />,
  },
  command: {
    id: 'command',
    header: 'Command line',
    width: 360,
    minWidth: 80,
    // TCPView's default set; one right-click on the header shows it.
    defaultHidden: true,
    cellClass: 'mono',
    sort: { get: (s) => s.process?.cmdline ?? null },
    cell: (s) => s.process?.cmdline || dash,
    title: (s) => s.process?.cmdline || undefined,
  },
  exposure: {
    id: 'exposure',
    header: 'Exposure',
    width: 210,
    minWidth: 90,
    help: 'Who can reach the port: every interface, one address of a network, or this machine only',
    sort: { get: (s) => SCOPE_RANK[scopeOf(s.localAddress)], tie: (s) => s.localPort },
    cell: (s) => <ExposureBadge address={s.localAddress} scope={scopeOf(s.localAddress)} />,
  },
  bind: {
    id: 'bind',
    header: 'Bind address',
    width: 170,
    minWidth: 70,
    cellClass: 'mono',
    sort: { get: (s) => addressKey(s.localAddress), tie: (s) => s.localPort },
    cell: (s) => formatHost(s.localAddress),
  },
  port: {
    id: 'port',
    header: 'Port',
    width: 70,
    numeric: true,
    required: true,
    cellClass: 'mono port-cell',
    sort: { get: (s) => s.localPort, tie: (s) => (s.protocol === 'tcp' ? 0 : 10) + s.family },
    cell: (s, ctx) => (
      <>
        {ctx.conflicts && ctx.conflicts.length > 0 && <ConflictMark conflicts={ctx.conflicts} />}
        {s.localPort}
      </>
    ),
  },
  sendRate: trafficColumn('sendRate', 'sendRate', '↑ Rate', 'Bytes sent per second over the last poll (TCP; n/a where the system gives no counters)', 84),
  receiveRate: trafficColumn('receiveRate', 'receiveRate', '↓ Rate', 'Bytes received per second over the last poll (TCP; n/a where the system gives no counters)', 84),
  sent: trafficColumn('sent', 'sent', 'Sent', 'Bytes sent over the connection’s life (TCPView’s Sent Bytes)', 76),
  received: trafficColumn('received', 'received', 'Received', 'Bytes received over the connection’s life (TCPView’s Rcvd Bytes)', 80),
  rtt: trafficColumn('rtt', 'rtt', 'RTT', 'The kernel’s smoothed round-trip time of the connection', 64, true),
  service: {
    id: 'service',
    header: 'Service',
    width: 120,
    minWidth: 50,
    help: 'The port’s IANA service name (what the port is registered for, not what the process is)',
    sort: { get: (s) => serviceName(s.localPort, s.protocol), tie: (s) => s.localPort },
    cell: (s) => {
      const name = serviceName(s.localPort, s.protocol);
      return name === null ? dash : <span title={describePort(s.localPort, s.protocol)}>{name}</span>;
    },
  },
} satisfies Record<string, ColumnSpec>;

export type SocketColumnId = keyof typeof SOCKET_COLUMNS;

/** A table's columns, in their default order, and its default sort. */
export interface TableColumns {
  /** The key its layout is saved under. */
  id: string;
  columns: readonly ColumnSpec[];
  defaultSort: readonly SortEntry[];
}

const pick = (ids: readonly SocketColumnId[]): ColumnSpec[] => ids.map((id) => SOCKET_COLUMNS[id]);

export const CONNECTION_TABLE: TableColumns = {
  id: 'connections',
  columns: pick(['proto', 'local', 'remote', 'owner', 'state', 'process', 'pid', 'user', 'age', 'sendRate', 'receiveRate', 'sent', 'received', 'rtt', 'command']),
  defaultSort: [{ id: 'process', desc: false }],
};

export const LISTENING_TABLE: TableColumns = {
  id: 'listening',
  columns: pick(['exposure', 'proto', 'bind', 'port', 'service', 'process', 'pid', 'user', 'age', 'command']),
  defaultSort: [{ id: 'exposure', desc: false }],
};

/** The port lookup's lists of sockets (bound to the port, and its clients); unsorted, they keep the engine's order (listeners first). */
export const LOOKUP_TABLE: TableColumns = {
  id: 'port-lookup',
  columns: pick(['proto', 'local', 'remote', 'owner', 'state', 'process', 'pid', 'user', 'age', 'sendRate', 'receiveRate', 'sent', 'received', 'rtt', 'command']),
  defaultSort: [],
};

/** Anything with a socket: a store row, or a socket itself. */
export type HasSocket = { socket: Socket } | Socket;
const socketOf = (item: HasSocket): Socket => ('socket' in item ? item.socket : item);

/** Whether the order of `sorting` depends on looked-up names (so it is redone as names arrive). */
export function sortUsesNames(sorting: readonly SortEntry[], columns: readonly ColumnSpec[]): boolean {
  return sorting.some((e) => columns.find((c) => c.id === e.id)?.sort?.names === true);
}

/** Whether the order of `sorting` depends on traffic counters (so it is redone as updates arrive). */
export function sortUsesTraffic(sorting: readonly SortEntry[], columns: readonly ColumnSpec[]): boolean {
  return sorting.some((e) => columns.find((c) => c.id === e.id)?.sort?.traffic === true);
}

/** Compares two sockets by `sorting`: negative when a comes first. Nulls last whichever the direction. */
export function socketComparator(sorting: readonly SortEntry[], columns: readonly ColumnSpec[], names: SortNames = NO_NAMES): ((a: Socket, b: Socket) => number) | null {
  const byId = new Map(columns.map((c) => [c.id, c]));
  const keys = sorting.flatMap((s) => {
    const key = byId.get(s.id)?.sort;
    return key ? [{ key, dir: s.desc ? -1 : 1 }] : [];
  });
  if (keys.length === 0) return null;
  return (x, y) => {
    for (const { key, dir } of keys) {
      const a = key.get(x, names);
      const b = key.get(y, names);
      if (a !== b) {
        if (a === null) return 1;
        if (b === null) return -1;
        return (a < b ? -1 : 1) * dir;
      }
      if (key.tie) {
        const ta = key.tie(x);
        const tb = key.tie(y);
        if (ta !== tb) return (ta - tb) * dir;
      }
    }
    return 0;
  };
}

/**
 * `items` in the order of `sorting`. Equal items keep their order (the store's, oldest first), so rows
 * do not jump about between deltas. Each item's keys are read once, then the sort compares plain
 * arrays: 12,000 rows sort in a few milliseconds.
 */
export function sortRows<T extends HasSocket>(items: T[], sorting: readonly SortEntry[], columns: readonly ColumnSpec[], names: SortNames = NO_NAMES): T[] {
  const byId = new Map(columns.map((c) => [c.id, c]));
  const keys = sorting.flatMap((s) => {
    const key = byId.get(s.id)?.sort;
    return key ? [{ key, dir: s.desc ? -1 : 1 }] : [];
  });
  const n = items.length;
  if (keys.length === 0 || n < 2) return items;
  const sockets = items.map(socketOf);
  const primary = keys.map(({ key }) => sockets.map((s) => key.get(s, names)));
  const ties = keys.map(({ key }) => (key.tie ? sockets.map(key.tie) : null));
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((i, j) => {
    for (let k = 0; k < keys.length; k++) {
      const p = primary[k]!;
      const a = p[i]!;
      const b = p[j]!;
      const dir = keys[k]!.dir;
      if (a !== b) {
        if (a === null) return 1;
        if (b === null) return -1;
        return (a < b ? -1 : 1) * dir;
      }
      const t = ties[k];
      if (t !== null && t !== undefined && t[i] !== t[j]) return (t[i]! - t[j]!) * dir;
    }
    return i - j;
  });
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = items[order[i]!]!;
  return out;
}

/**
 * A sorted list brought up to date after a delta: `kept` (still sorted, what did not move) merged with
 * `moved` (new and changed rows, sorted here). In proportion to the list and the change, not a sort of
 * everything: a 100-change delta on 12,000 rows costs a merge, not a sort. Rows that compare equal keep
 * the kept ones first, so nothing already on screen jumps.
 */
export function mergeSorted<T extends HasSocket>(kept: readonly T[], moved: T[], compare: (a: Socket, b: Socket) => number): T[] {
  moved.sort((a, b) => compare(socketOf(a), socketOf(b)));
  const out = new Array<T>(kept.length + moved.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < kept.length && j < moved.length) {
    if (compare(socketOf(moved[j]!), socketOf(kept[i]!)) < 0) out[k++] = moved[j++]!;
    else out[k++] = kept[i++]!;
  }
  while (i < kept.length) out[k++] = kept[i++]!;
  while (j < moved.length) out[k++] = moved[j++]!;
  return out;
}
