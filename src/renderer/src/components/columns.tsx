// The connections table's columns: what each shows, and how it sorts. TanStack Table owns the
// columns, the header model and the sorting state (which column, which way, Shift+click for more);
// the rows are ordered here. Its own row pipeline rebuilds a Row object per socket whenever the data
// changes, which at 10,000 sockets and a delta a second cost tens of milliseconds per delta (see
// e2e/bench-renderer.spec.ts), so the table runs with manualSorting and an empty data array, and the
// live rows are sorted by plain comparators over cached keys. Cells render straight from the store's
// rows, so a memoised row re-renders only when its socket or highlight changes.
import type { ReactNode } from 'react';
import { createColumnHelper, rowSortingFeature, tableFeatures, type SortingState } from '@tanstack/react-table';
import { parseIPv4, parseIPv6 } from '../../../shared/address.js';
import type { Socket } from '../../../shared/model.js';
import { formatHost } from '../../../shared/model.js';
import type { Row } from '../store.js';
import { protoLabel } from '../format.js';
import { Age } from './age.js';
import { LocalEndpoint, RemoteEndpoint, RemoteOwner } from './names.js';

export const features = tableFeatures({ rowSortingFeature });

type Features = typeof features;

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

interface SortKey {
  /** The value compared first; null sorts last whichever the direction. */
  get: (s: Socket) => string | number | null;
  /** Ties broken by this number, in the same direction. */
  tie?: (s: Socket) => number;
}

const SORT_KEYS: Record<ColumnId, SortKey> = {
  proto: { get: (s) => (s.protocol === 'tcp' ? 0 : 10) + s.family },
  local: { get: (s) => addressKey(s.localAddress), tie: (s) => s.localPort },
  remote: { get: (s) => (s.remoteAddress === null ? null : addressKey(s.remoteAddress)), tie: (s) => s.remotePort ?? 0 },
  state: { get: (s) => s.state },
  process: { get: nameKey, tie: (s) => s.pid ?? 0 },
  pid: { get: (s) => s.pid },
  user: { get: (s) => s.process?.user ?? null },
  // Ascending age is youngest first: the newest connection at the top, as "sort by age" means.
  age: { get: (s) => -s.firstSeen },
  // Owners are looked up per address after the fact: peers of one network sort together by address.
  owner: { get: (s) => (s.remoteAddress === null ? null : addressKey(s.remoteAddress)), tie: (s) => s.remotePort ?? 0 },
};

/**
 * `rows` in the order of the table's sorting state. Equal rows keep their order (the store's, oldest
 * first), so rows do not jump about between deltas. Each row's keys are read once, then the sort
 * compares plain arrays: 10,000 rows sort in a couple of milliseconds.
 */
export function sortRows(rows: Row[], sorting: SortingState): Row[] {
  const keys = sorting.flatMap((s) => {
    const key = SORT_KEYS[s.id as ColumnId];
    return key ? [{ key, dir: s.desc ? -1 : 1 }] : [];
  });
  const n = rows.length;
  if (keys.length === 0 || n < 2) return rows;
  const primary = keys.map(({ key }) => rows.map((r) => key.get(r.socket)));
  const ties = keys.map(({ key }) => (key.tie ? rows.map((r) => key.tie!(r.socket)) : null));
  const order = Array.from({ length: n }, (_, i) => i);
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
  return order.map((i) => rows[i]!);
}

export function processName(s: Socket): string | null {
  return s.process?.name ?? null;
}

const helper = createColumnHelper<Features, Row>();

export const columns = helper.columns([
  helper.accessor((r) => protoLabel(r.socket), { id: 'proto', header: 'Proto' }),
  helper.accessor((r) => r.socket.localPort, { id: 'local', header: 'Local address' }),
  helper.accessor((r) => r.socket.remoteAddress ?? undefined, { id: 'remote', header: 'Remote address' }),
  helper.accessor((r) => r.socket.remoteAddress ?? undefined, { id: 'owner', header: 'Country · owner' }),
  helper.accessor((r) => r.socket.state, { id: 'state', header: 'State' }),
  helper.accessor((r) => processName(r.socket) ?? undefined, { id: 'process', header: 'Process' }),
  helper.accessor((r) => r.socket.pid ?? undefined, { id: 'pid', header: 'PID' }),
  helper.accessor((r) => r.socket.process?.user ?? undefined, { id: 'user', header: 'User' }),
  helper.accessor((r) => r.socket.firstSeen, { id: 'age', header: 'Age' }),
]);

export type ColumnId = 'proto' | 'local' | 'remote' | 'owner' | 'state' | 'process' | 'pid' | 'user' | 'age';

/** Columns whose numbers line up on the right. */
export const NUMERIC_COLUMNS = new Set<string>(['pid', 'age']);

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

export function renderCell(id: ColumnId, s: Socket): ReactNode {
  switch (id) {
    case 'proto':
      return protoLabel(s);
    case 'local':
      return <LocalEndpoint s={s} />;
    case 'remote':
      return <RemoteEndpoint s={s} />;
    case 'owner':
      return <RemoteOwner s={s} />;
    case 'state':
      return <span className={stateClass(s)}>{s.state}</span>;
    case 'process':
      return s.process ? s.process.name : <span className="dim">{s.pid === null ? '—' : `pid ${s.pid}`}</span>;
    case 'pid':
      return s.pid ?? <span className="dim">—</span>;
    case 'user':
      return s.process?.user ?? <span className="dim">—</span>;
    case 'age':
      return <Age since={s.firstSeen} />;
  }
}
