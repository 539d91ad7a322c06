// The window: header, filter toolbar, notices, the current view and the detail panel.
import { useCallback, useDeferredValue, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Socket } from '../../../shared/model.js';
import { describeFilter, isEmptyFilter, parseFilter } from '../filter.js';
import { formatCount } from '../format.js';
import { StoreContext, useSnapshot } from '../hooks.js';
import type { RowFlag, Store } from '../store.js';
import { ConnectionsView } from './ConnectionsView.js';
import { DetailPanel } from './DetailPanel.js';
import { EngineControls, Header, type View } from './Header.js';
import { ListeningView } from './ListeningView.js';
import { Notices } from './Notices.js';

/** Fired after React has committed a change of rows: lets a benchmark time delta → screen. */
export const ROWS_COMMITTED_EVENT = 'portwatch:rows-committed';

export function App({ store }: { store: Store }) {
  return (
    <StoreContext.Provider value={store}>
      <Shell />
    </StoreContext.Provider>
  );
}

const FILTER_HELP =
  'Filter: free text matches address, port, process, state, user or command line. Terms: port:3000  pid:1234  proc:node  state:listen  proto:tcp6  -term excludes.';

function Shell() {
  const snap = useSnapshot();
  const [view, setView] = useState<View>('connections');
  const [filterText, setFilterText] = useState('');
  const [grouped, setGrouped] = useState(false);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [shown, setShown] = useState(0);
  const filterRef = useRef<HTMLInputElement>(null);

  // Typing stays responsive at 10,000 rows: the table filters on the deferred text.
  const deferredText = useDeferredValue(filterText);
  const filter = useMemo(() => parseFilter(deferredText), [deferredText]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'f') {
        e.preventDefault();
        filterRef.current?.focus();
        filterRef.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useLayoutEffect(() => {
    document.dispatchEvent(new CustomEvent(ROWS_COMMITTED_EVENT, { detail: { seq: snap.seq, rowsVersion: snap.rowsVersion } }));
  }, [snap.rowsVersion, snap.seq]);

  // The selected socket stays readable after it closes and leaves the table.
  const lastSelected = useRef<Socket | null>(null);
  const selectedRow = selectedId === null ? undefined : snap.rows.get(selectedId);
  if (selectedRow) lastSelected.current = selectedRow.socket;
  else if (selectedId === null) lastSelected.current = null;
  const detailSocket = selectedRow?.socket ?? lastSelected.current;
  const detailFlag: RowFlag | 'gone' = selectedRow ? selectedRow.flag : 'gone';

  const select = useCallback((id: string | null) => setSelectedId(id), []);
  const total = view === 'connections' ? snap.counts.sockets : snap.counts.listening;
  const filtering = !isEmptyFilter(filter);

  return (
    <div className={`app ${snap.connection === 'lost' ? 'offline' : ''}`}>
      <Header view={view} onView={setView} />
      <div className="toolbar">
        <div className="filter-box">
          <span className="filter-icon" aria-hidden="true">
            ⌕
          </span>
          <input
            ref={filterRef}
            type="search"
            aria-label="Filter"
            placeholder="Filter  ·  port:3000  proc:node  state:listen  proto:tcp6  pid:1234"
            value={filterText}
            spellCheck={false}
            autoComplete="off"
            title={FILTER_HELP}
            onChange={(e) => setFilterText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                if (filterText !== '') setFilterText('');
                else e.currentTarget.blur();
              }
            }}
          />
          <kbd className="filter-kbd" aria-hidden="true">
            Ctrl F
          </kbd>
        </div>
        {view === 'connections' && (
          <button type="button" className="toggle" aria-pressed={grouped} onClick={() => setGrouped((g) => !g)} title="Group the rows by owning process">
            <span aria-hidden="true">{grouped ? '☰' : '☷'}</span> Group by process
          </button>
        )}
        <span className="shown" aria-live="polite">
          {snap.phase === 'ready' &&
            (filtering ? (
              <>
                <strong>{formatCount(shown)}</strong> of {formatCount(total)} match {describeFilter(filter)}
              </>
            ) : (
              <>
                <strong>{formatCount(shown)}</strong> {view === 'connections' ? 'sockets' : 'listening'}
              </>
            ))}
        </span>
        <span className="legend" aria-hidden="true">
          <span className="legend-item new">new</span>
          <span className="legend-item changed">changed</span>
          <span className="legend-item closing">closing</span>
        </span>
        <EngineControls />
      </div>
      <Notices snap={snap} />
      <main className="main">
        <section className="view" aria-label={view === 'connections' ? 'Connections' : 'Listening ports'}>
          {view === 'connections' ? (
            <ConnectionsView filter={filter} grouped={grouped} selectedId={selectedId} onSelect={select} onShown={setShown} />
          ) : (
            <ListeningView filter={filter} selectedId={selectedId} onSelect={select} onShown={setShown} />
          )}
        </section>
        <DetailPanel socket={detailSocket} flag={detailFlag} onClose={() => setSelectedId(null)} />
      </main>
    </div>
  );
}
