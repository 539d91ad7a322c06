// The Ports view: "who is on port N?" — a verdict per bind address, the processes with their command
// line and working directory, who is connected (counted per address and per client program), then
// every socket on the port and its local clients in virtualised lists — above the list of port
// conflicts the engine explains. Both refresh when the socket table changes (at most once a second,
// with the conflicts; a lookup of thousands of sockets at most every few seconds).
import { memo, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { BindVerdict, Conflict, PortLookup, PortProcess } from '../../../shared/api.js';
import type { Socket } from '../../../shared/model.js';
import { formatHost } from '../../../shared/model.js';
import { conflictSeverityRank } from '../../../shared/conflicts.js';
import { exportConflicts, exportSockets } from '../../../shared/export.js';
import { useConflicts } from '../conflicts-store.js';
import { errorText } from '../errors.js';
import { formatCount, formatDateTime } from '../format.js';
import { useStore } from '../hooks.js';
import { useViewCommitMark } from '../commit-marks.js';
import { clientsByProcess, connectionsByAddress, statesText, type PeerSummary } from '../port-peers.js';
import { addressMeaning, ROLE_HELP, ROLE_LABEL, verdictDetail, verdictHolders } from '../ports-text.js';
import type { Row } from '../store.js';
import { useViewNames } from '../view-rows.js';
import { useColumnTable } from './column-header.js';
import { LOOKUP_TABLE, sortRows, sortUsesNames, sortUsesTraffic } from './columns.js';
import { SocketGrid } from './socket-grid.js';
import { ConflictCard } from './conflict-card.js';
import { ExportMenu } from './export-menu.js';
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
  /** A socket picked in the lookup's lists (it need not be in the live table any more). */
  onSelect: (id: string | null, socket?: Socket) => void;
}

/** A lookup with more sockets than this is fetched again at most every BIG_REFRESH_MS. */
const BIG_LOOKUP = 2000;
const BIG_REFRESH_MS = 5000;

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
  const lastAsked = useRef(0);
  const size = lookup?.data ? lookup.data.holders.length + lookup.data.clients.length : 0;
  const sizeRef = useRef(size);
  sizeRef.current = size;
  useEffect(() => {
    if (request === null) {
      setLookup(null);
      lastNonce.current = null;
      return;
    }
    const fresh = lastNonce.current !== request.nonce;
    // Thousands of sockets are megabytes to send and parse: a busy port refreshes less often.
    if (!fresh && sizeRef.current > BIG_LOOKUP && Date.now() - lastAsked.current < BIG_REFRESH_MS) return;
    lastNonce.current = request.nonce;
    lastAsked.current = Date.now();
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
          <span className="spacer" />
          <ExportMenu what="conflicts" unit="conflict" disabled={sorted.length === 0} make={(format, takenAt) => exportConflicts(sorted, format, takenAt)} />
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
  onSelect: (id: string | null, socket?: Socket) => void;
}) {
  const { port, data, loading, error } = lookup;
  const ct = useColumnTable(LOOKUP_TABLE);
  const listeners = data?.holders.filter((s) => s.listening).length ?? 0;
  const byAddress = useMemo(() => (data ? connectionsByAddress(data.holders) : []), [data]);
  const byProcess = useMemo(() => (data ? clientsByProcess(data.clients) : []), [data]);
  // The lists sort like any socket table; their rows are the lookup's sockets.
  const names = useViewNames(sortUsesNames(ct.sorting, LOOKUP_TABLE.columns), sortUsesTraffic(ct.sorting, LOOKUP_TABLE.columns));
  const holderRows = useMemo(() => sortRows(asRows(data?.holders ?? []), ct.sorting, LOOKUP_TABLE.columns, names.lookup), [data, ct.sorting, names]);
  const clientRows = useMemo(() => sortRows(asRows(data?.clients ?? []), ct.sorting, LOOKUP_TABLE.columns, names.lookup), [data, ct.sorting, names]);
  const socketsById = useMemo(() => new Map([...(data?.holders ?? []), ...(data?.clients ?? [])].map((s) => [s.id, s])), [data]);
  const select = useCallback((id: string) => onSelect(id, socketsById.get(id)), [onSelect, socketsById]);

  let body: ReactNode;
  if (data === null) {
    body = loading ? (
      <p className="empty-line">
        <span className="spinner" aria-hidden="true" /> Looking up port {port}…
      </p>
    ) : null;
  } else {
    const accepted = data.holders.length - listeners;
    body = (
      <>
        <h3 className="panel-title first">Who holds it, per bind address</h3>
        <VerdictTable port={port} verdicts={data.verdicts} holders={data.holders} />
        <h3 className="panel-title">
          Processes <span className="title-count">{formatCount(data.processes.length)}</span>
        </h3>
        {data.processes.length === 0 ? (
          <p className="empty-line">No process Portwatch can see holds port {port} or is connected to it.</p>
        ) : (
          <ProcessTable processes={data.processes} port={port} onEnd={onEnd} />
        )}
        {(byAddress.length > 0 || byProcess.length > 0) && (
          <div className="peer-summaries">
            {byAddress.length > 0 && (
              <PeerTable
                title={`Connections to port ${port}, by address`}
                help="Connections its server accepted, counted by the address they come from"
                peerHeader="From address"
                peers={byAddress}
                total={accepted}
              />
            )}
            {byProcess.length > 0 && (
              <PeerTable
                title={`Clients on this machine, by program`}
                help="This machine’s own programs connected to the port, counted per process"
                peerHeader="Program"
                peers={byProcess}
                total={data.clients.length}
              />
            )}
          </div>
        )}
        <h3 className="panel-title">
          Sockets on port {port} <span className="title-count">{formatCount(data.holders.length)}</span>
        </h3>
        {data.holders.length === 0 ? (
          <p className="empty-line">No socket is bound to port {port}, by any protocol or address.</p>
        ) : (
          <SocketGrid label={`Sockets on port ${port}`} className="conn-grid" ct={ct} items={holderRows} selectedId={selectedId} onSelect={select} maxRows={12} />
        )}
        <h3 className="panel-title">
          Clients of port {port} on this machine <span className="title-count">{formatCount(data.clients.length)}</span>
        </h3>
        {data.clients.length === 0 ? (
          <p className="empty-line">No program on this machine is connected to it.</p>
        ) : (
          <SocketGrid label={`Clients of port ${port}`} className="conn-grid" ct={ct} items={clientRows} selectedId={selectedId} onSelect={select} maxRows={12} />
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
        {data !== null && <ExportMenu what={`port-${port}`} unit="socket" make={(format, takenAt) => exportSockets([...data.holders, ...data.clients], format, takenAt)} />}
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

function asRows(sockets: readonly Socket[]): Row[] {
  return sockets.map((socket) => ({ id: socket.id, socket, flag: null, flagUntil: 0 }));
}

const PEERS_SHOWN = 8;

/** Who is on the other end, counted: the top few, and the rest on request. */
function PeerTable({ title, help, peerHeader, peers, total }: { title: string; help: string; peerHeader: string; peers: readonly PeerSummary[]; total: number }) {
  const [all, setAll] = useState(false);
  const shown = all ? peers : peers.slice(0, PEERS_SHOWN);
  return (
    <div className="peer-summary">
      <h3 className="panel-title" title={help}>
        {title} <span className="title-count">{formatCount(peers.length)}</span>
      </h3>
      <table className="mini-table peer-table" aria-label={title}>
        <thead>
          <tr>
            <th>{peerHeader}</th>
            <th className="num">Connections</th>
            <th>States</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((p) => (
            <tr key={p.key} data-peer={p.key}>
              <td title={p.detail ?? undefined}>
                <span className="peer-label">{p.label}</span>
              </td>
              <td className="num mono">
                {formatCount(p.count)}
                <span className="peer-share" aria-hidden="true" style={{ width: `${Math.max(2, Math.round((p.count / Math.max(1, total)) * 60))}px` }} />
              </td>
              <td className="dim peer-states">{statesText(p.states, formatCount)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {peers.length > PEERS_SHOWN && (
        <button type="button" className="link-button" onClick={() => setAll((a) => !a)}>
          {all ? 'Show the top few' : `Show all ${formatCount(peers.length)}`}
        </button>
      )}
    </div>
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

const PROCESSES_SHOWN = 12;

function ProcessTable({ processes, port, onEnd }: { processes: readonly PortProcess[]; port: number; onEnd: (target: EndTarget) => void }) {
  const [all, setAll] = useState(false);
  const shown = all ? processes : processes.slice(0, PROCESSES_SHOWN);
  return (
    <>
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
        {shown.map((p) => (
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
    {processes.length > PROCESSES_SHOWN && (
      <button type="button" className="link-button" onClick={() => setAll((a) => !a)}>
        {all ? `Show the first ${PROCESSES_SHOWN}` : `Show all ${formatCount(processes.length)} processes`}
      </button>
    )}
    </>
  );
}
