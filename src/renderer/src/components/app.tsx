// The window: header, toolbar (the filter, or the port box in the Ports view), notices, the current
// view and the detail panel; the row menu and the end-process dialog open over them.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type MouseEvent as ReactMouseEvent, type ReactNode } from 'react';
import { addressScope } from '../../../shared/address.js';
import type { Socket } from '../../../shared/model.js';
import { formatEndpoint } from '../../../shared/model.js';
import { hasRemote } from '../../../shared/names.js';
import { processKey } from '../../../shared/traffic.js';
import { ConflictsContext, useConflicts, useConflictWatcher } from '../conflicts-store.js';
import { describeFilter, isEmptyFilter, parseFilter, usesNames } from '../../../shared/filter.js';
import { formatCount } from '../format.js';
import { NotifierContext, StoreContext, useOpenAlertRequest, useSnapshot, useStore } from '../hooks.js';
import type { NamesStore } from '../names-store.js';
import type { PageNotifier } from '../notifications.js';
import type { RowFlag, Store } from '../store.js';
import { useViewNames, useViewRows, type ViewRows } from '../view-rows.js';
import { AboutDialog } from './about.js';
import { WatchStartContext } from './age.js';
import { useColumnTable } from './column-header.js';
import { CONNECTION_TABLE, LISTENING_TABLE, sortUsesNames, sortUsesTraffic } from './columns.js';
import { AlertsWorkspace, DEFAULT_ALERT_FILTER, type AlertFilterState } from './alerts-view.js';
import { ConnectionsView } from './connections-view.js';
import { CloseConnectionDialog } from './close-connection-dialog.js';
import { ContextMenu, type MenuItem } from './context-menu.js';
import { SearchBox } from './search-box.js';
import { DetailPanel } from './detail-panel.js';
import { EndProcessDialog, endTargetOf, type EndTarget } from './end-process-dialog.js';
import { EngineControls, Header, type View } from './header.js';
import { HistoryView } from './history-view.js';
import { ListeningView } from './listening-view.js';
import { NamesContext, ResolveToggle } from './names.js';
import { Notices } from './notices.js';
import { PortsView, type LookupRequest } from './ports-view.js';
import { ProcessesView } from './processes-view.js';
import { ExportButton, socketMenuItems } from './socket-actions.js';
import { WatchedPortToasts } from './watched-ports.js';
import { ROWS_COMMITTED_EVENT } from '../commit-marks.js';
import { rowText } from '../row-text.js';
import type { ChartProcess } from '../traffic-series.js';


/**
 * notifier: the page's own desktop notifications (browser mode); null in Electron, whose main process
 * shows them.
 */
export function App({ store, notifier = null, names = null }: { store: Store; notifier?: PageNotifier | null; names?: NamesStore | null }) {
  const conflicts = useConflictWatcher(store);
  return (
    <StoreContext.Provider value={store}>
      <NotifierContext.Provider value={notifier}>
        <ConflictsContext.Provider value={conflicts}>
          <NamesContext.Provider value={names}>
            <Shell />
          </NamesContext.Provider>
        </ConflictsContext.Provider>
      </NotifierContext.Provider>
    </StoreContext.Provider>
  );
}

/** A port typed in the port box, or null when it is not one. */
export function parsePort(text: string): number | null {
  const t = text.trim().replace(/^:/, '');
  if (!/^\d{1,5}$/.test(t)) return null;
  const n = Number(t);
  return n <= 65535 ? n : null;
}

interface MenuState {
  x: number;
  y: number;
  socket: Socket;
}

const canCopy = () => typeof navigator !== 'undefined' && typeof navigator.clipboard?.writeText === 'function';

const FILTER_HELP =
  'Filter: free text matches address, port, service, process, state, user, command line, and the peer’s host name, owner or country. Terms: port:3000  pid:1234  proc:node  state:listen  proto:tcp6  service:https  host:example  country:us  scope:public  -term excludes.';

/** The views that show sockets, each with a selection of its own. */
type SocketView = Exclude<View, 'alerts' | 'processes' | 'history'>;
const isSocketView = (v: View): v is SocketView => v !== 'alerts' && v !== 'processes' && v !== 'history';

interface Selection {
  id: string;
  /** The socket as it was when selected: still readable once it has left the table. */
  socket: Socket;
  /** Ports view: the lookup it was made in (a new lookup starts with no selection). */
  lookup?: number;
}

const NO_SELECTION: Record<SocketView, Selection | null> = { connections: null, listening: null, ports: null };

const isListener = (s: Socket) => s.listening;

/** "7,052 sockets · 3 closing", or "12 of 7,052 match port 3000": the toolbar's count, from the rows on show. */
function ShownCount({ rows, total, noun }: { rows: ViewRows; total: number; noun: string }) {
  const closing =
    rows.closing > 0 ? (
      <span className="shown-closing" title="Closed a moment ago: still on show, no longer counted">
        {' '}
        · {formatCount(rows.closing)} closing
      </span>
    ) : null;
  if (isEmptyFilter(rows.filter)) {
    return (
      <>
        <strong>{formatCount(rows.live)}</strong> {noun}
        {closing}
      </>
    );
  }
  return (
    <>
      <strong>{formatCount(rows.live)}</strong> of {formatCount(total)} match {describeFilter(rows.filter)}
      {closing}
    </>
  );
}

const VIEW_LABEL: Record<View, string> = { connections: 'Connections', listening: 'Listening ports', processes: 'Processes', ports: 'Ports', alerts: 'Alerts', history: 'History' };

function Shell() {
  const store = useStore();
  const snap = useSnapshot();
  const [view, setView] = useState<View>('connections');
  const [filterText, setFilterText] = useState('');
  const [grouped, setGrouped] = useState(false);
  const [about, setAbout] = useState(false);
  const [selection, setSelection] = useState(NO_SELECTION);
  const filterRef = useRef<HTMLInputElement>(null);
  const portRef = useRef<HTMLInputElement>(null);
  const alertSearchRef = useRef<HTMLInputElement>(null);
  const [portText, setPortText] = useState('');
  const [portError, setPortError] = useState<string | null>(null);
  const [lookup, setLookup] = useState<LookupRequest | null>(null);
  const [menu, setMenu] = useState<MenuState | null>(null);
  const [ending, setEnding] = useState<EndTarget | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [closingConnection, setClosingConnection] = useState<Socket | null>(null);
  const conflicts = useConflicts();
  const [alertFilter, setAlertFilter] = useState<AlertFilterState>(DEFAULT_ALERT_FILTER);
  const [alertId, setAlertId] = useState<string | null>(null);
  const [alertDetail, setAlertDetail] = useState(false);
  const openRequest = useOpenAlertRequest();
  const connCt = useColumnTable(CONNECTION_TABLE);
  const listenCt = useColumnTable(LISTENING_TABLE);

  // "Open this alert", from the Electron host (tray, notification) or the page's own notification: the
  // request waits in the alerts store, so one made before this mounted is taken now.
  const openHandled = useRef(0);
  useEffect(() => {
    if (openRequest === null || openRequest.nonce <= openHandled.current) return;
    openHandled.current = openRequest.nonce;
    setView('alerts');
    setMenu(null);
    if (openRequest.id === null) return;
    // Whatever the filters, the alert asked for is on show.
    const asked = store.alerts.getSnapshot().alerts.get(openRequest.id);
    setAlertFilter((f) => ({ ...DEFAULT_ALERT_FILTER, showAcknowledged: f.showAcknowledged || (asked !== undefined && asked.acknowledgedAt !== null) }));
    setAlertId(openRequest.id);
    setAlertDetail(true);
  }, [openRequest, store]);

  // The table filters in the keystroke's own render: the rows are sorted already and typing forward
  // filters only what the last keystroke left (view-rows.ts), a few milliseconds at 12,000 sockets —
  // less than the frame a deferred render would wait for.
  const filter = useMemo(() => parseFilter(filterText), [filterText]);

  // One derivation per table, read by the table and the toolbar alike (the counts cannot disagree).
  // Names only where a sort (owner, host) or a filter term (host:, country:) reads them.
  const names = useViewNames(
    usesNames(filter) || sortUsesNames(connCt.sorting, CONNECTION_TABLE.columns) || sortUsesNames(listenCt.sorting, LISTENING_TABLE.columns),
    sortUsesTraffic(connCt.sorting, CONNECTION_TABLE.columns) || sortUsesTraffic(listenCt.sorting, LISTENING_TABLE.columns),
  );
  const connRows = useViewRows({ snap, sorting: connCt.sorting, columns: CONNECTION_TABLE.columns, filter, names, active: view === 'connections' });
  const listenRows = useViewRows({ snap, include: isListener, sorting: listenCt.sorting, columns: LISTENING_TABLE.columns, filter, names, active: view === 'listening' });

  const viewRef = useRef(view);
  viewRef.current = view;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'f') {
        // The box of the view on screen: the filter, the port box, or the alerts' search.
        const box = viewRef.current === 'alerts' ? alertSearchRef.current : (filterRef.current ?? portRef.current);
        if (!box) return;
        e.preventDefault();
        box.focus();
        box.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const lookUp = useCallback((port: number) => {
    setPortText(String(port));
    setPortError(null);
    setView('ports');
    setLookup((prev) => ({ port, nonce: (prev?.nonce ?? 0) + 1 }));
  }, []);
  const clearLookup = useCallback(() => setLookup(null), []);
  // From the Processes view: the Connections view, filtered to that process.
  const showConnections = useCallback((pid: number) => {
    setFilterText(`pid:${pid}`);
    setView('connections');
  }, []);
  const [processesShown, setProcessesShown] = useState(0);
  // The process selected in the Processes view, and the one last selected anywhere (a socket's owner
  // counts), which the header's traffic chart can follow while the user looks at other views.
  const [processSelection, setProcessSelection] = useState<ChartProcess | null>(null);
  const [chartProcess, setChartProcess] = useState<ChartProcess | null>(null);
  const followProcess = useCallback((p: ChartProcess) => setChartProcess((prev) => (prev?.key === p.key && prev.name === p.name ? prev : p)), []);
  const selectProcess = useCallback(
    (p: ChartProcess | null) => {
      setProcessSelection(p);
      if (p !== null) followProcess(p);
    },
    [followProcess],
  );
  const closeMenu = useCallback(() => setMenu(null), []);
  const closeDialog = useCallback(() => setEnding(null), []);

  function submitPort() {
    const port = parsePort(portText);
    if (port === null) {
      setPortError(portText.trim() === '' ? 'Type a port number' : 'A port is a number from 0 to 65535');
      return;
    }
    lookUp(port);
  }

  // Selection belongs to the view that made it; the Ports view's to the lookup it was made in.
  const snapRef = useRef(snap);
  snapRef.current = snap;
  const lookupRef = useRef(lookup);
  lookupRef.current = lookup;
  const selectIn = useCallback((v: SocketView, id: string | null, socket?: Socket) => {
    setSelection((prev) => {
      if (id === null) return prev[v] === null ? prev : { ...prev, [v]: null };
      const found = socket ?? snapRef.current.rows.get(id)?.socket;
      if (found === undefined) return prev;
      if (prev[v]?.id === id && prev[v]?.socket === found) return prev;
      return { ...prev, [v]: { id, socket: found, lookup: v === 'ports' ? lookupRef.current?.nonce : undefined } };
    });
  }, []);
  const selectConnection = useCallback((id: string | null) => selectIn('connections', id), [selectIn]);
  const selectListener = useCallback((id: string | null) => selectIn('listening', id), [selectIn]);
  const selectInLookup = useCallback((id: string | null, socket?: Socket) => selectIn('ports', id, socket), [selectIn]);

  const socketView: SocketView | null = isSocketView(view) ? view : null;
  const picked = socketView === null ? null : selection[socketView];
  // A lookup selection lasts as long as its lookup.
  const current = picked !== null && socketView === 'ports' && picked.lookup !== lookup?.nonce ? null : picked;
  const currentRef = useRef(current);
  currentRef.current = current;
  const selectedSocket = current?.socket ?? null;
  useEffect(() => {
    if (selectedSocket?.pid == null) return;
    const pid = selectedSocket.pid;
    followProcess({ key: processKey(pid, selectedSocket.process?.startedAt ?? null), pid, name: selectedSocket.process?.name ?? `pid ${pid}` });
  }, [selectedSocket, followProcess]);

  // The row menu: right-click on a row, or the context-menu key / Shift+F10 on the selected one.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'ContextMenu' && !(e.shiftKey && e.key === 'F10')) return;
      if (!isSocketView(viewRef.current)) return;
      const sel = currentRef.current;
      const row = sel === null ? undefined : snapRef.current.rows.get(sel.id);
      if (!row) return;
      e.preventDefault();
      const el = document.querySelector(`[role="row"][data-id="${CSS.escape(row.id)}"]`);
      const box = el?.getBoundingClientRect();
      setMenu({ x: box ? box.left + Math.min(240, box.width / 3) : 200, y: box ? box.bottom : 200, socket: row.socket });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const onViewContextMenu = useCallback(
    (e: ReactMouseEvent) => {
      const el = e.target instanceof Element ? e.target.closest('[data-id]') : null;
      const id = el?.getAttribute('data-id');
      const row = id == null ? undefined : snapRef.current.rows.get(id);
      const v = viewRef.current;
      if (!row || !isSocketView(v)) return;
      e.preventDefault();
      selectIn(v, row.id, row.socket);
      setMenu({ x: e.clientX, y: e.clientY, socket: row.socket });
    },
    [selectIn],
  );

  /** Puts text on the clipboard and says so (`what` names it when it is long). */
  const copy = useCallback((text: string, what = text) => {
    navigator.clipboard.writeText(text).then(
      () => setCopied(`Copied ${what}`),
      () => setCopied(`Could not copy ${what}: the clipboard refused`),
    );
  }, []);

  // Ctrl+C on a selected row copies it (TCPView), unless the user is copying text they selected.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.key.toLowerCase() !== 'c' || viewRef.current === 'alerts' || !canCopy()) return;
      const target = e.target instanceof Element ? e.target : null;
      if (target?.closest('input, textarea, select, [contenteditable="true"]')) return;
      if ((window.getSelection()?.toString() ?? '') !== '') return;
      const sel = currentRef.current;
      const socket = sel === null ? undefined : (snapRef.current.rows.get(sel.id)?.socket ?? sel.socket);
      if (socket === undefined) return;
      e.preventDefault();
      copy(rowText(socket), 'the row');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [copy]);

  const menuItems = useMemo<MenuItem[]>(() => {
    if (menu === null) return [];
    const s = menu.socket;
    const items: MenuItem[] = [{ id: 'who', label: `Who is on port ${s.localPort}?`, onSelect: () => lookUp(s.localPort) }];
    // A connection to a port of this machine: who serves it is the interesting question.
    if (!s.listening && s.remoteAddress !== null && s.remotePort !== null && s.remotePort !== s.localPort && addressScope(s.remoteAddress) === 'loopback') {
      const remote = s.remotePort;
      items.push({ id: 'who-remote', label: `Who is on port ${remote}?`, onSelect: () => lookUp(remote) });
    }
    if (s.pid !== null) {
      const pid = s.pid;
      items.push({
        id: 'filter',
        label: 'Filter to this process',
        hint: s.process ? `${s.process.name} · pid ${pid}` : `pid ${pid}`,
        onSelect: () => {
          setFilterText(`pid:${pid}`);
          if (viewRef.current === 'ports') setView('connections');
        },
      });
    }
    if (canCopy()) {
      const local = formatEndpoint(s.localAddress, s.localPort);
      items.push({ id: 'copy-row', label: 'Copy row', hint: 'Ctrl C', onSelect: () => copy(rowText(s), 'the row') });
      items.push({ id: 'copy', label: 'Copy address', hint: local, onSelect: () => copy(local) });
      if (hasRemote(s)) {
        const remote = formatEndpoint(s.remoteAddress, s.remotePort);
        items.push({ id: 'copy-remote', label: 'Copy remote address', hint: remote, onSelect: () => copy(remote) });
      }
    }
    items.push(...socketMenuItems(s, setCopied, setClosingConnection));
    const target = endTargetOf(s);
    if (target !== null) {
      items.push({ id: 'end', label: 'End process…', hint: `${target.name} · pid ${target.pid}`, danger: true, separated: true, onSelect: () => setEnding(target) });
    }
    return items;
  }, [menu, lookUp, copy]);

  useEffect(() => {
    if (copied === null) return;
    const t = setTimeout(() => setCopied(null), 2500);
    return () => clearTimeout(t);
  }, [copied]);

  useLayoutEffect(() => {
    document.dispatchEvent(new CustomEvent(ROWS_COMMITTED_EVENT, { detail: { seq: snap.seq, rowsVersion: snap.rowsVersion } }));
  }, [snap.rowsVersion, snap.seq]);

  // The selected socket as it is now; once it has left the table, as it was (marked gone).
  const liveRow = current === null ? undefined : snap.rows.get(current.id);
  const detailSocket = liveRow?.socket ?? current?.socket ?? null;
  const detailFlag: RowFlag | 'gone' = liveRow ? liveRow.flag : 'gone';
  const closeDetail = useCallback(() => {
    const v = viewRef.current;
    if (isSocketView(v)) selectIn(v, null);
  }, [selectIn]);

  const loading = snap.phase !== 'ready';
  const nConflicts = conflicts.conflicts.length;

  let shown: ReactNode = null;
  if (!loading) {
    if (view === 'connections') shown = <ShownCount rows={connRows} total={snap.counts.sockets} noun="sockets" />;
    else if (view === 'listening') shown = <ShownCount rows={listenRows} total={snap.counts.listening} noun="listening" />;
    else if (view === 'processes')
      shown = (
        <>
          <strong>{formatCount(processesShown)}</strong> processes{isEmptyFilter(filter) ? '' : ` match ${describeFilter(filter)}`}
        </>
      );
  }

  return (
    <WatchStartContext.Provider value={snap.watchStart}>
      <div className={`app ${snap.connection === 'lost' ? 'offline' : ''}`}>
        <Header view={view} onView={setView} process={chartProcess} />
        <WatchedPortToasts />
        {view === 'history' ? (
          <>
            <Notices snap={snap} />
            <HistoryView />
          </>
        ) : view === 'alerts' ? (
          <AlertsWorkspace
            filter={alertFilter}
            onFilter={setAlertFilter}
            selectedId={alertId}
            onSelect={setAlertId}
            detailOpen={alertDetail}
            onDetailOpen={setAlertDetail}
            onEnd={setEnding}
            searchRef={alertSearchRef}
            notices={<Notices snap={snap} />}
          />
        ) : (
          <>
            <div className="toolbar">
              {view === 'ports' ? (
                <form
                  className="filter-box port-box"
                  role="search"
                  aria-label="Look up a port"
                  onSubmit={(e) => {
                    e.preventDefault();
                    submitPort();
                  }}
                >
                  <span className="filter-icon" aria-hidden="true">
                    ⌕
                  </span>
                  <input
                    ref={portRef}
                    type="text"
                    inputMode="numeric"
                    aria-label="Port"
                    aria-invalid={portError !== null}
                    placeholder="Port, e.g. 3000 — Enter looks it up"
                    value={portText}
                    spellCheck={false}
                    autoComplete="off"
                    onChange={(e) => {
                      setPortText(e.target.value);
                      setPortError(null);
                    }}
                    onKeyDown={(e) => {
                      if (e.key === 'Escape') {
                        e.preventDefault();
                        if (portText !== '') setPortText('');
                        else e.currentTarget.blur();
                      }
                    }}
                  />
                  <button type="submit" className="button small port-go">
                    Look up
                  </button>
                </form>
              ) : (
                <SearchBox
                  inputRef={filterRef}
                  label="Filter"
                  placeholder="Filter  ·  port:3000  proc:node  state:listen  proto:tcp6  pid:1234"
                  value={filterText}
                  onChange={setFilterText}
                  title={FILTER_HELP}
                />
              )}
              {view === 'connections' && (
                <button
                  type="button"
                  className="toggle"
                  aria-pressed={grouped}
                  aria-label="Group by process"
                  onClick={() => setGrouped((g) => !g)}
                  title="Group the rows by owning process"
                >
                  <span aria-hidden="true">{grouped ? '☰' : '☷'}</span>{' '}
                  <span className="label-text" aria-hidden="true">
                    Group by process
                  </span>
                </button>
              )}
              {(view === 'connections' || view === 'listening') && <ResolveToggle />}
              {(view === 'connections' || view === 'listening') && <ExportButton view={view} rows={view === 'connections' ? connRows.rows : listenRows.rows} />}
              {view === 'ports' ? (
                <span className={`shown${portError ? ' control-error' : ''}`} aria-live="polite">
                  {portError ??
                    (conflicts.loaded && (
                      <>
                        <strong>{formatCount(nConflicts)}</strong> port conflict{nConflicts === 1 ? '' : 's'}
                      </>
                    ))}
                </span>
              ) : (
                <span className="shown" aria-live="polite">
                  {shown}
                </span>
              )}
              {copied !== null && (
                <span className="copied" role="status">
                  {copied}
                </span>
              )}
              {view === 'ports' ? (
                <span className="legend" aria-hidden="true">
                  <span className="legend-item sev-danger">danger</span>
                  <span className="legend-item sev-warning">warning</span>
                  <span className="legend-item sev-info">info</span>
                </span>
              ) : view === 'processes' ? null : (
                <span className="legend" aria-hidden="true">
                  <span className="legend-item new">new</span>
                  <span className="legend-item changed">changed</span>
                  <span className="legend-item closing">closing</span>
                </span>
              )}
              <EngineControls />
              <button type="button" className="button small about-button" onClick={() => setAbout(true)} title="About Portwatch, and the data it ships">
                About
              </button>
            </div>
            {about && <AboutDialog onClose={() => setAbout(false)} />}
            <Notices snap={snap} />
            <main className="main">
              <section className="view" aria-label={VIEW_LABEL[view]} onContextMenu={onViewContextMenu}>
                {view === 'connections' ? (
                  <ConnectionsView
                    ct={connCt}
                    view={connRows}
                    total={snap.counts.sockets}
                    loading={loading}
                    grouped={grouped}
                    selectedId={current?.id ?? null}
                    onSelect={selectConnection}
                  />
                ) : view === 'listening' ? (
                  <ListeningView ct={listenCt} view={listenRows} loading={loading} selectedId={current?.id ?? null} onSelect={selectListener} />
                ) : view === 'processes' ? (
                  <ProcessesView filter={filter} selected={processSelection?.key ?? null} onSelect={selectProcess} onShowConnections={showConnections} onShown={setProcessesShown} />
                ) : (
                  <PortsView request={lookup} onLookup={lookUp} onClearLookup={clearLookup} onEnd={setEnding} selectedId={current?.id ?? null} onSelect={selectInLookup} />
                )}
              </section>
              {detailSocket !== null && <DetailPanel socket={detailSocket} flag={detailFlag} onClose={closeDetail} onCloseConnection={setClosingConnection} />}
            </main>
          </>
        )}
        {menu !== null && <ContextMenu x={menu.x} y={menu.y} label={`Socket ${formatEndpoint(menu.socket.localAddress, menu.socket.localPort)}`} items={menuItems} onClose={closeMenu} />}
        {closingConnection !== null && <CloseConnectionDialog key={closingConnection.id} socket={closingConnection} onClose={() => setClosingConnection(null)} />}
        {ending !== null && <EndProcessDialog key={`${ending.pid} ${ending.startedAt}`} target={ending} onClose={closeDialog} />}
      </div>
    </WatchStartContext.Provider>
  );
}
