// What this machine offers to the network: every listening TCP port and bound UDP port, with the
// process behind it and how exposed it is. Open-to-everything comes first and is hard to miss.
import { memo, useCallback, useEffect, useMemo, type ReactNode } from 'react';
import type { AddressScope } from '../../../shared/address.js';
import type { Conflict } from '../../../shared/api.js';
import { addressScope } from '../../../shared/address.js';
import { formatHost } from '../../../shared/model.js';
import { worstSeverity } from '../../../shared/conflicts.js';
import type { Filter } from '../filter.js';
import { describeFilter, matchSocket } from '../filter.js';
import { useConflicts } from '../conflicts-store.js';
import { useSnapshot } from '../hooks.js';
import { useViewCommitMark } from '../commit-marks.js';
import { formatCount, protoLabel } from '../format.js';
import { conflictTitle } from '../ports-text.js';
import type { Row } from '../store.js';
import { Age } from './age.js';
import { GridMessage, HEAD_H, ROW_H, SocketRow, useGridVirtualizer, useRowNavigation, type SocketRowProps } from './grid.js';

const SCOPE_RANK: Record<AddressScope, number> = { all: 0, public: 1, private: 2, 'link-local': 3, loopback: 4 };
const SCOPE_NAME: Record<Exclude<AddressScope, 'all' | 'loopback'>, string> = {
  public: 'public',
  private: 'private',
  'link-local': 'link-local',
};

interface Listener {
  row: Row;
  scope: AddressScope;
}

export function ExposureBadge({ address, scope }: { address: string; scope: AddressScope }) {
  if (scope === 'all') {
    return (
      <span className="badge exposed" title="Reachable on every network interface of this machine">
        <span aria-hidden="true">⚠</span> all interfaces
      </span>
    );
  }
  if (scope === 'loopback') return <span className="badge loopback">loopback only</span>;
  return (
    <span className={`badge named ${scope}`} title={`Reachable on ${address} only (a ${SCOPE_NAME[scope]} address)`}>
      <span className="badge-scope">{SCOPE_NAME[scope]}</span>
      <span className="badge-addr">{formatHost(address)}</span>
    </span>
  );
}

export interface ListeningViewProps {
  filter: Filter;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
  onShown?: (shown: number) => void;
}

export function ListeningView({ filter, selectedId, onSelect, onShown }: ListeningViewProps) {
  const { rows, rowsVersion, phase } = useSnapshot();
  const { bySocket } = useConflicts();

  const { listeners, total, exposed } = useMemo(() => {
    const out: Listener[] = [];
    let total = 0;
    let exposed = 0;
    for (const row of rows.values()) {
      const s = row.socket;
      if (!s.listening) continue;
      total++;
      const scope = addressScope(s.localAddress);
      if (scope === 'all' && row.flag !== 'closing') exposed++;
      if (matchSocket(filter, s)) out.push({ row, scope });
    }
    out.sort(
      (a, b) =>
        SCOPE_RANK[a.scope] - SCOPE_RANK[b.scope] ||
        a.row.socket.localPort - b.row.socket.localPort ||
        a.row.socket.protocol.localeCompare(b.row.socket.protocol) ||
        a.row.socket.family - b.row.socket.family,
    );
    return { listeners: out, total, exposed };
    // rowsVersion says when the Map (updated in place) changed.
  }, [rows, rowsVersion, filter]);

  useEffect(() => onShown?.(listeners.length), [onShown, listeners.length]);
  useViewCommitMark(listeners, { view: 'listening', filter: filter.source, rows: listeners.length });

  const { scrollRef, virtualizer } = useGridVirtualizer(listeners.length);
  useRowNavigation({
    ids: () => listeners.map((l) => l.row.id),
    selectedId,
    onSelect,
    scrollToId: (id) => {
      const index = listeners.findIndex((l) => l.row.id === id);
      if (index >= 0) virtualizer.scrollToIndex(index, { align: 'auto' });
    },
    pageSize: () => Math.max(1, Math.floor(((scrollRef.current?.clientHeight ?? 400) - HEAD_H) / ROW_H) - 1),
  });
  const select = useCallback((id: string) => onSelect(id), [onSelect]);

  let message: ReactNode = null;
  if (phase === 'loading') message = <GridMessage tone="busy">Reading the socket tables…</GridMessage>;
  else if (total === 0) message = <GridMessage>Nothing is listening: no TCP port is open and no UDP port is bound.</GridMessage>;
  else if (listeners.length === 0)
    message = (
      <GridMessage>
        No listening ports match <strong>{describeFilter(filter)}</strong>.
      </GridMessage>
    );

  return (
    <div className="listening">
      {exposed > 0 && (
        <p className="exposure-summary" role="note">
          <span className="badge exposed">
            <span aria-hidden="true">⚠</span> {formatCount(exposed)} open on all interfaces
          </span>{' '}
          reachable from any network this machine is on. Bind to 127.0.0.1 if only this machine should reach them.
        </p>
      )}
      <div className="grid listen-grid" role="grid" aria-label="Listening ports" aria-rowcount={listeners.length + 1} ref={scrollRef} tabIndex={-1}>
        <div className="grid-head" role="rowgroup">
          <div className="grid-row head" role="row" aria-rowindex={1}>
            {['Exposure', 'Proto', 'Bind address', 'Port', 'Process', 'PID', 'User', 'Age'].map((h) => (
              <div key={h} role="columnheader" className={`c ${h === 'Port' || h === 'PID' || h === 'Age' ? 'num' : ''}`}>
                <span className="head-label">{h}</span>
              </div>
            ))}
          </div>
        </div>
        <div className="grid-body" role="rowgroup" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((v) => {
            const l = listeners[v.index];
            if (l === undefined) return null;
            return (
              <ListenerRow
                key={l.row.id}
                row={l.row}
                scope={l.scope}
                top={v.start - HEAD_H}
                index={v.index}
                selected={l.row.id === selectedId}
                onSelect={select}
                conflicts={bySocket.get(l.row.id)}
              />
            );
          })}
        </div>
        {message}
      </div>
    </div>
  );
}

interface ListenerRowProps extends SocketRowProps {
  scope: AddressScope;
  /** The port conflicts this socket is part of, if any. */
  conflicts?: readonly Conflict[];
}

/** A small mark by the port of a socket in a port conflict; the Ports view explains it. */
export function ConflictMark({ conflicts }: { conflicts: readonly Conflict[] }) {
  const worst = worstSeverity(conflicts);
  const titles = conflicts.map(conflictTitle).join('; ');
  return (
    <span className={`conflict-mark sev-${worst}`} title={`Port conflict: ${titles}. The Ports view explains it.`} aria-label={`Port conflict: ${titles}`} role="img">
      ⚠
    </span>
  );
}

const ListenerRow = memo(function ListenerRow({ row, scope, conflicts, ...placed }: ListenerRowProps) {
  const s = row.socket;
  return (
    <SocketRow
      row={row}
      {...placed}
      extraClass={scope === 'all' ? ' exposed' : ''}
      data={{ 'data-scope': scope, 'data-conflict': conflicts && conflicts.length > 0 ? conflicts.map((c) => c.kind).join(' ') : undefined }}
    >
      <div role="gridcell" className="c">
        <ExposureBadge address={s.localAddress} scope={scope} />
      </div>
      <div role="gridcell" className="c">
        {protoLabel(s)}
      </div>
      <div role="gridcell" className="c mono">
        {formatHost(s.localAddress)}
      </div>
      <div role="gridcell" className="c num mono port-cell">
        {conflicts && conflicts.length > 0 && <ConflictMark conflicts={conflicts} />}
        {s.localPort}
      </div>
      <div role="gridcell" className="c" title={s.process?.cmdline || undefined}>
        {s.process?.name ?? <span className="dim">{s.pid === null ? '—' : `pid ${s.pid}`}</span>}
      </div>
      <div role="gridcell" className="c num">
        {s.pid ?? <span className="dim">—</span>}
      </div>
      <div role="gridcell" className="c">
        {s.process?.user ?? <span className="dim">—</span>}
      </div>
      <div role="gridcell" className="c num">
        <Age since={s.firstSeen} />
      </div>
    </SocketRow>
  );
});
