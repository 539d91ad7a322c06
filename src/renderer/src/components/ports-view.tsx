// The Ports view: "who is on port N?" — a verdict per bind address, the processes with their command
// line and working directory, every socket on the port and its local clients — above the list of
// port conflicts the engine explains. Both refresh when the socket table changes (at most once a
// second, with the conflicts).
import { memo, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { BindVerdict, Conflict, PortLookup, PortProcess } from '../../../shared/api.js';
import type { Socket } from '../../../shared/model.js';
import { formatHost } from '../../../shared/model.js';
import { conflictSeverityRank } from '../../../shared/conflicts.js';
import { useConflicts } from '../conflicts-store.js';
import { errorText } from '../errors.js';
import { formatCount, formatDateTime } from '../format.js';
import { useStore } from '../hooks.js';
import { useViewCommitMark } from '../commit-marks.js';
import { addressMeaning, ROLE_HELP, ROLE_LABEL, verdictDetail, verdictHolders } from '../ports-text.js';
import { NUMERIC_COLUMNS, renderCell, type ColumnId } from './columns.js';
import { ConflictCard } from './conflict-card.js';
import type { EndTarget } from './end-process-dialog.js';
import { WatchedPortsSection } from './watched-ports.js';

/** A lookup the user asked for; nonce makes asking again for the same port a new request. */
export interface LookupRequest {
  port: number;
  nonce: number;
}

export interface PortsViewProps {
  request: LookupRequest | null;
  onLookup: (port: number) => void;
  onClearLookup: () => void;
  onEnd: (target: EndTarget) => void;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
}

interface LookupState {
  port: number;
  data: PortLookup | null;
  loading: boolean;
  error: string | null;
}

export function PortsView({ request, onLookup, onClearLookup, onEnd, selectedId, onSelect }: PortsViewProps) {
  const store = useStore();
  const { conflicts, loaded, error, refreshes } = useConflicts();
  const [lookup, setLookup] = useState<LookupState | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const asked = useRef(0);

  // A new request shows its spinner; a refresh after the table changed keeps the old answer on show.
  const lastNonce = useRef<number | null>(null);
  useEffect(() => {
    if (request === null) {
      setLookup(null);
      lastNonce.current = null;
      return;
    }
    const fresh = lastNonce.current !== request.nonce;
    lastNonce.current = request.nonce;
    const id = ++asked.current;
    if (fresh) {
      setLookup({ port: request.port, data: null, loading: true, error: null });
      scrollRef.current?.scrollTo({ top: 0 });
    }
    store.api.lookupPort(request.port).then(
      (data) => id === asked.current && setLookup({ port: request.port, data, loading: false, error: null }),
      (e: unknown) => id === asked.current && setLookup((prev) => ({ port: request.port, data: prev?.data ?? null, loading: false, error: errorText(e) })),
    );
  }, [store, request, refreshes]);

  const sorted = useMemo(() => [...conflicts].sort((a, b) => conflictSeverityRank(b.severity) - conflictSeverityRank(a.severity) || a.port - b.port), [conflicts]);
  useViewCommitMark(sorted, { view: 'ports', rows: sorted.length });

  return (
    <div className="ports" ref={scrollRef}>
      {lookup === null ? (
        <p className="lookup-hint">
          <span aria-hidden="true">⌕</span> Type a port in the box above and press <kbd>Enter</kbd> to see who holds it on every address and family, its clients on this machine, and whether a
          server could bind it now. Right-click any row for <em>Who is on port N?</em>
        </p>
      ) : (
        <LookupPanel lookup={lookup} onClose={onClearLookup} onEnd={onEnd} selectedId={selectedId} onSelect={onSelect} />
      )}
      <WatchedPortsSection />
      <section className="ports-section" aria-label="Port conflicts">
        <header className="section-head">
          <h2>Port conflicts</h2>
          {loaded && <span className={`count-pill${sorted.length > 0 ? ` sev-${sorted[0]!.severity}` : ''}`}>{formatCount(sorted.length)}</span>}
          <span className="section-sub">Ports split or shared between processes, and ports still busy after their server went</span>
        </header>
        {error !== null && (
          <p className="notice error inline" role="alert">
            {error}
          </p>
        )}
        {!loaded && error === null && (
          <p className="empty-line">
            <span className="spinner" aria-hidden="true" /> Looking for conflicts…
          </p>
        )}
        {loaded && sorted.length === 0 && (
          <p className="empty-line ok">
            <span className="ok-mark" aria-hidden="true">
              ✓
            </span>{' '}
            No port conflicts: every port has one owner per address, and “localhost” means one server on each port.
          </p>
        )}
        <ConflictList conflicts={sorted} onLookup={onLookup} onEnd={onEnd} />
      </section>
    </div>
  );
}

const ConflictList = memo(function ConflictList({ conflicts, onLookup, onEnd }: { conflicts: readonly Conflict[]; onLookup: (port: number) => void; onEnd: (t: EndTarget) => void }) {
  return (
    <div className="conflict-list">
      {conflicts.map((c) => (
        <ConflictCard key={c.id} conflict={c} onLookup={onLookup} onEnd={onEnd} />
      ))}
    </div>
  );
});

function LookupPanel({
  lookup,
  onClose,
  onEnd,
  selectedId,
  onSelect,
}: {
  lookup: LookupState;
  onClose: () => void;
  onEnd: (target: EndTarget) => void;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
}) {
  const { port, data, loading, error } = lookup;
  const listeners = data?.holders.filter((s) => s.listening).length ?? 0;
  let body: ReactNode;
  if (data === null) {
    body = loading ? (
      <p className="empty-line">
        <span className="spinner" aria-hidden="true" /> Looking up port {port}…
      </p>
    ) : null;
  } else {
    body = (
      <>
        <h3 className="panel-title first">Who holds it, per bind address</h3>
        <VerdictTable port={port} verdicts={data.verdicts} holders={data.holders} />
        <h3 className="panel-title">Processes</h3>
        {data.processes.length === 0 ? (
          <p className="empty-line">No process Portwatch can see holds port {port} or is connected to it.</p>
        ) : (
          <ProcessTable processes={data.processes} port={port} onEnd={onEnd} />
        )}
        <h3 className="panel-title">
          Sockets on port {port} <span className="title-count">{formatCount(data.holders.length)}</span>
        </h3>
        {data.holders.length === 0 ? (
          <p className="empty-line">No socket is bound to port {port}, by any protocol or address.</p>
        ) : (
          <SocketTable label={`Sockets on port ${port}`} sockets={data.holders} selectedId={selectedId} onSelect={onSelect} />
        )}
        <h3 className="panel-title">
          Clients of port {port} on this machine <span className="title-count">{formatCount(data.clients.length)}</span>
        </h3>
        {data.clients.length === 0 ? (
          <p className="empty-line">No program on this machine is connected to it.</p>
        ) : (
          <SocketTable label={`Clients of port ${port}`} sockets={data.clients} selectedId={selectedId} onSelect={onSelect} />
        )}
      </>
    );
  }
  return (
    <section className="ports-section lookup" aria-label={`Port ${port}`}>
      <header className="section-head">
        <h2>
          Port <span className="mono">{port}</span>
        </h2>
        {data !== null && (
          <span className="section-sub">
            {formatCount(listeners)} listening · {formatCount(data.holders.length - listeners)} other socket{data.holders.length - listeners === 1 ? '' : 's'} ·{' '}
            {formatCount(data.clients.length)} client{data.clients.length === 1 ? '' : 's'} · {formatCount(data.processes.length)} process{data.processes.length === 1 ? '' : 'es'}
          </span>
        )}
        <span className="spacer" />
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close the lookup" title="Close the lookup">
          ×
        </button>
      </header>
      {error !== null && (
        <p className="notice error inline" role="alert">
          {error}
        </p>
      )}
      {body}
    </section>
  );
}

function VerdictBadge({ v }: { v: BindVerdict }) {
  if (v.verdict === 'free') return <span className="verdict free">FREE</span>;
  return <span className={`verdict taken${verdictHolders(v) > 1 ? ' split' : ''}`}>TAKEN</span>;
}

/** One table for both protocols; a protocol with nothing on the port says so in one row. */
function VerdictTable({ port, verdicts, holders }: { port: number; verdicts: readonly BindVerdict[]; holders: readonly Socket[] }) {
  const rows: ReactNode[] = [];
  for (const protocol of ['tcp', 'udp'] as const) {
    const P = protocol.toUpperCase();
    if (!holders.some((s) => s.protocol === protocol)) {
      rows.push(
        <tr key={protocol} data-protocol={protocol} data-verdict="free" data-address="*">
          <td className="mono">{P}</td>
          <td>
            <span className="dim">every address</span>
          </td>
          <td className="verdict-cell">
            <span className="verdict free">FREE</span> <span className="dim">nothing is bound to {P} port {port}</span>
          </td>
        </tr>,
      );
      continue;
    }
    for (const v of verdicts) {
      if (v.protocol !== protocol) continue;
      const detail = verdictDetail(v);
      rows.push(
        <tr key={`${v.protocol} ${v.address}`} data-protocol={protocol} data-verdict={v.verdict} data-address={v.address}>
          <td className="mono">{P}</td>
          <td>
            <span className="mono">{formatHost(v.address)}</span> <span className="dim addr-meaning">{addressMeaning(v.address)}</span>
          </td>
          <td className="verdict-cell">
            <VerdictBadge v={v} /> {detail && <span className={v.verdict === 'free' ? 'dim' : undefined}>{detail}</span>}
          </td>
        </tr>,
      );
    }
  }
  return (
    <table className="mini-table verdict-table" aria-label="Bind verdicts">
      <thead>
        <tr>
          <th>Proto</th>
          <th>Bind address</th>
          <th>Verdict: could a server bind it now (without SO_REUSEPORT)?</th>
        </tr>
      </thead>
      <tbody>{rows}</tbody>
    </table>
  );
}

function ProcessTable({ processes, port, onEnd }: { processes: readonly PortProcess[]; port: number; onEnd: (target: EndTarget) => void }) {
  return (
    <table className="mini-table process-table" aria-label={`Processes on port ${port}`}>
      <thead>
        <tr>
          <th>Process</th>
          <th className="num">PID</th>
          <th>User</th>
          <th>Role</th>
          <th>Started</th>
          <th>Command line · working directory</th>
          <th>
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {processes.map((p) => (
          <tr key={p.pid} data-pid={p.pid}>
            <td>
              <strong>{p.name}</strong>
            </td>
            <td className="num mono">{p.pid}</td>
            <td>{p.user ?? <span className="dim">—</span>}</td>
            <td>
              <span className={`chip role-${p.role}`} title={ROLE_HELP[p.role]}>
                {ROLE_LABEL[p.role]}
              </span>
            </td>
            <td className="nowrap">{p.startedAt === null ? <span className="dim">—</span> : formatDateTime(p.startedAt)}</td>
            <td className="cmd-cell">
              <code className="cmd">{p.cmdline || <span className="dim">not readable</span>}</code>
              <span className="cwd">
                <span className="dim">in</span> {p.cwd === null ? <span className="dim">(working directory not readable)</span> : <code>{p.cwd}</code>}
              </span>
            </td>
            <td className="action-cell">
              <button
                type="button"
                className="button small danger-outline"
                aria-label={`End ${p.name} (pid ${p.pid})…`}
                onClick={() => onEnd({ pid: p.pid, name: p.name, user: p.user, cmdline: p.cmdline, startedAt: p.startedAt, port, cwd: p.cwd })}
              >
                End process…
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const SOCKET_COLUMNS: { id: ColumnId; header: string }[] = [
  { id: 'proto', header: 'Proto' },
  { id: 'local', header: 'Local address' },
  { id: 'remote', header: 'Remote address' },
  { id: 'state', header: 'State' },
  { id: 'process', header: 'Process' },
  { id: 'pid', header: 'PID' },
  { id: 'user', header: 'User' },
  { id: 'age', header: 'Age' },
];

/** The connections table's look for a handful of rows: no virtualising, no sorting. */
function SocketTable({ label, sockets, selectedId, onSelect }: { label: string; sockets: readonly Socket[]; selectedId: string | null; onSelect: (id: string | null) => void }) {
  return (
    <div className="grid conn-grid static-grid" role="grid" aria-label={label} aria-rowcount={sockets.length + 1}>
      <div className="grid-head" role="rowgroup">
        <div className="grid-row head" role="row" aria-rowindex={1}>
          {SOCKET_COLUMNS.map((c) => (
            <div key={c.id} role="columnheader" className={`c c-${c.id}${NUMERIC_COLUMNS.has(c.id) ? ' num' : ''}`}>
              <span className="head-label">{c.header}</span>
            </div>
          ))}
        </div>
      </div>
      <div className="static-body" role="rowgroup">
        {sockets.map((s, i) => (
          <div
            key={s.id}
            className={`grid-row row${s.id === selectedId ? ' selected' : ''}`}
            role="row"
            aria-rowindex={i + 2}
            aria-selected={s.id === selectedId}
            data-id={s.id}
            onMouseDown={() => onSelect(s.id)}
          >
            {SOCKET_COLUMNS.map((c) => (
              <div key={c.id} role="gridcell" className={`c c-${c.id}${NUMERIC_COLUMNS.has(c.id) ? ' num' : ''}`} title={c.id === 'process' ? s.process?.cmdline || undefined : undefined}>
                {renderCell(c.id, s)}
              </div>
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
