// What this machine offers to the network: every listening TCP port and bound UDP port, with the
// process behind it and how exposed it is. Open-to-everything comes first (the default sort) and is
// hard to miss; the columns are the user's to sort, move, resize and hide, as in Connections.
import { memo, useCallback, useMemo, type ReactNode } from 'react';
import { useViewCommitMark } from '../commit-marks.js';
import { useConflicts } from '../conflicts-store.js';
import { describeFilter } from '../../../shared/filter.js';
import { formatCount } from '../format.js';
import { useSnapshot } from '../hooks.js';
import type { Row } from '../store.js';
import type { ViewRows } from '../view-rows.js';
import type { ColumnTable } from './column-header.js';
import { scopeOf, type CellContext } from './columns.js';
import { GridMessage } from './grid.js';
import { SocketGrid } from './socket-grid.js';

export interface ListeningViewProps {
  ct: ColumnTable;
  view: ViewRows;
  loading: boolean;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
}

const NO_CONFLICTS: CellContext = {};

export const ListeningView = memo(function ListeningView({ ct, view, loading, selectedId, onSelect }: ListeningViewProps) {
  const { rows, rowsVersion } = useSnapshot();
  const { bySocket } = useConflicts();
  useViewCommitMark(view.rows, { view: 'listening', filter: view.filter.source, rows: view.rows.length });

  // Counted over every listener, whatever the filter: the warning is about the machine.
  const { total, exposed } = useMemo(() => {
    let total = 0;
    let exposed = 0;
    for (const row of rows.values()) {
      const s = row.socket;
      if (!s.listening || row.flag === 'closing') continue;
      total++;
      if (scopeOf(s.localAddress) === 'all') exposed++;
    }
    return { total, exposed };
    // rowsVersion says when the Map (updated in place) changed.
  }, [rows, rowsVersion]);

  // One context object per conflict list, so a row re-renders only when its own conflicts change.
  const contexts = useMemo(() => {
    const m = new Map<string, CellContext>();
    for (const [id, conflicts] of bySocket) m.set(id, { conflicts });
    return m;
  }, [bySocket]);
  const contextOf = useCallback((row: Row) => contexts.get(row.id) ?? NO_CONFLICTS, [contexts]);
  const decorate = useCallback(
    (row: Row) => {
      const scope = scopeOf(row.socket.localAddress);
      const conflicts = contexts.get(row.id)?.conflicts;
      return {
        extraClass: scope === 'all' ? 'exposed' : undefined,
        data: { 'data-scope': scope, 'data-conflict': conflicts && conflicts.length > 0 ? conflicts.map((c) => c.kind).join(' ') : undefined },
      };
    },
    [contexts],
  );
  const select = useCallback((id: string) => onSelect(id), [onSelect]);

  let message: ReactNode = null;
  if (loading) message = <GridMessage tone="busy">Reading the socket tables…</GridMessage>;
  else if (total === 0 && view.rows.length === 0) message = <GridMessage>Nothing is listening: no TCP port is open and no UDP port is bound.</GridMessage>;
  else if (view.rows.length === 0)
    message = (
      <GridMessage>
        No listening ports match <strong>{describeFilter(view.filter)}</strong>.
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
      <SocketGrid
        label="Listening ports"
        className="listen-grid"
        ct={ct}
        items={view.rows}
        selectedId={selectedId}
        onSelect={select}
        keyboard
        contextOf={contextOf}
        decorate={decorate}
        message={message}
      />
    </div>
  );
});
