// The History view: connections that closed and listeners that went while an engine ran, from the
// engine's history (queryHistory): a time range, the filter language, sortable columns, totals, export,
// and "while you were away" — what closed since this view was last open in this browser profile.
import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent as ReactMouseEvent } from 'react';
import type { HistoryEntry, HistoryKind, HistoryResult } from '../../../shared/history.js';
import { entryDuration } from '../../../shared/history.js';
import { formatBytes, formatLifetime } from '../../../shared/byte-size.js';
import { exportHistory, historyText } from '../../../shared/export.js';
import { describeFilter, isEmptyFilter, parseFilter } from '../../../shared/filter.js';
import { formatEndpoint } from '../../../shared/model.js';
import { errorText } from '../errors.js';
import { formatCount, formatDateTime, protoLabel } from '../format.js';
import { useStore } from '../hooks.js';
import { copyText } from '../save-file.js';
import { ContextMenu, type MenuItem } from './context-menu.js';
import { ExportMenu } from './export-menu.js';
import { HistoryRetentionControl } from './history-retention.js';

const HOUR = 3600_000;
const RANGES = [
  { id: '1h', label: 'Last hour', ms: HOUR },
  { id: '24h', label: 'Last 24 hours', ms: 24 * HOUR },
  { id: '7d', label: 'Last 7 days', ms: 7 * 24 * HOUR },
  { id: 'all', label: 'Everything kept', ms: null },
] as const;
type RangeId = (typeof RANGES)[number]['id'] | 'away';

const LAST_SEEN_KEY = 'portwatch.history.lastSeen';
const LIMIT = 2000;

type SortKey = 'closedAt' | 'lived' | 'kind' | 'local' | 'remote' | 'process' | 'sent' | 'received';
const COLUMNS: Array<{ key: SortKey; label: string; className?: string }> = [
  { key: 'closedAt', label: 'Closed' },
  { key: 'lived', label: 'Lived', className: 'num' },
  { key: 'kind', label: 'Kind' },
  { key: 'local', label: 'Local' },
  { key: 'remote', label: 'Remote' },
  { key: 'process', label: 'Process' },
  { key: 'sent', label: 'Sent', className: 'num' },
  { key: 'received', label: 'Received', className: 'num' },
];

function sortValue(e: HistoryEntry, key: SortKey): string | number {
  switch (key) {
    case 'closedAt':
      return e.closedAt;
    case 'lived':
      return entryDuration(e);
    case 'kind':
      return e.kind;
    case 'local':
      return e.localPort;
    case 'remote':
      return e.remoteHost ?? e.remoteAddress ?? '';
    case 'process':
      return e.process?.name.toLowerCase() ?? '';
    case 'sent':
      return e.bytesSent ?? -1;
    case 'received':
      return e.bytesReceived ?? -1;
  }
}

function readLastSeen(): number | null {
  try {
    const v = Number(localStorage.getItem(LAST_SEEN_KEY));
    return Number.isFinite(v) && v > 0 ? v : null;
  } catch {
    return null;
  }
}

function entryKey(e: HistoryEntry): string {
  return `${e.kind} ${e.id} ${e.closedAt}`;
}

export function HistoryView() {
  const store = useStore();
  // Read once: the view's own visit moves the mark only when it closes.
  const [lastSeen] = useState(readLastSeen);
  const [range, setRange] = useState<RangeId>('24h');
  const [kind, setKind] = useState<HistoryKind | 'all'>('all');
  const [filterText, setFilterText] = useState('');
  const [result, setResult] = useState<HistoryResult | null>(null);
  const [away, setAway] = useState<HistoryResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'closedAt', desc: true });
  const [selected, setSelected] = useState<string | null>(null);
  const [menu, setMenu] = useState<{ x: number; y: number; entry: HistoryEntry } | null>(null);
  const [told, setTold] = useState<string | null>(null);
  const filter = useMemo(() => parseFilter(filterText), [filterText]);

  useEffect(
    () => () => {
      try {
        localStorage.setItem(LAST_SEEN_KEY, String(Date.now()));
      } catch {
        // private mode: "while you were away" starts from nothing next time
      }
    },
    [],
  );

  // What closed since the last visit, once.
  useEffect(() => {
    if (lastSeen === null) return;
    let live = true;
    store.api.queryHistory({ since: lastSeen, limit: 1 }).then(
      (r) => live && setAway(r),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [store, lastSeen]);

  const load = useCallback(() => {
    const now = Date.now();
    const span = RANGES.find((r) => r.id === range);
    const since = range === 'away' ? (lastSeen ?? 0) : span?.ms ? now - span.ms : undefined;
    setLoading(true);
    let live = true;
    store.api
      .queryHistory({ ...(since !== undefined ? { since } : {}), ...(filterText.trim() ? { filter: filterText.slice(0, 1000) } : {}), ...(kind !== 'all' ? { kinds: [kind] } : {}), limit: LIMIT })
      .then(
        (r) => {
          if (!live) return;
          setResult(r);
          setError(null);
        },
        (e: unknown) => live && setError(errorText(e)),
      )
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [store, range, kind, filterText, lastSeen]);

  // Typing settles before the engine is asked.
  useEffect(() => {
    let cancel = () => {};
    const t = setTimeout(() => (cancel = load()), 250);
    return () => {
      clearTimeout(t);
      cancel();
    };
  }, [load]);

  useEffect(() => {
    if (told === null) return;
    const t = setTimeout(() => setTold(null), 2500);
    return () => clearTimeout(t);
  }, [told]);

  const rows = useMemo(() => {
    const list = [...(result?.entries ?? [])];
    const dir = sort.desc ? -1 : 1;
    list.sort((a, b) => {
      const x = sortValue(a, sort.key);
      const y = sortValue(b, sort.key);
      return (x < y ? -1 : x > y ? 1 : 0) * dir || b.closedAt - a.closedAt;
    });
    return list;
  }, [result, sort]);

  const selectedEntry = rows.find((e) => entryKey(e) === selected) ?? null;
  const selectedRef = useRef(selectedEntry);
  selectedRef.current = selectedEntry;

  const copy = useCallback((entries: HistoryEntry[], what: string) => {
    void copyText(historyText(entries), what).then(setTold);
  }, []);

  function onTableKey(e: KeyboardEvent<HTMLTableSectionElement>) {
    const at = rows.findIndex((r) => entryKey(r) === selected);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = rows[Math.max(0, Math.min(rows.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)))];
      if (next) setSelected(entryKey(next));
    } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'c' && selectedRef.current && !window.getSelection()?.toString()) {
      e.preventDefault();
      copy([selectedRef.current], 'the row');
    }
  }

  const menuItems = useMemo<MenuItem[]>(() => {
    if (menu === null) return [];
    const e = menu.entry;
    const items: MenuItem[] = [
      { id: 'copy-row', label: 'Copy row', hint: 'Ctrl+C', onSelect: () => copy([e], 'the row') },
      { id: 'copy-all', label: `Copy all ${formatCount(rows.length)} rows`, onSelect: () => copy(rows, `${formatCount(rows.length)} rows`) },
    ];
    if (e.remoteAddress !== null) {
      const remote = formatEndpoint(e.remoteAddress, e.remotePort);
      items.push({ id: 'copy-remote', label: 'Copy remote address', hint: remote, onSelect: () => void copyText(remote, remote).then(setTold) });
    }
    if (e.process?.cmdline) {
      const cmd = e.process.cmdline;
      items.push({ id: 'copy-cmd', label: 'Copy command line', onSelect: () => void copyText(cmd, 'the command line').then(setTold) });
    }
    if (e.process) {
      const name = e.process.name;
      items.push({ id: 'filter', label: 'Filter to this program', hint: name, separated: true, onSelect: () => setFilterText(`proc:"${name}"`) });
    }
    return items;
  }, [menu, rows, copy]);

  const onContextMenu = (ev: ReactMouseEvent, entry: HistoryEntry) => {
    ev.preventDefault();
    setSelected(entryKey(entry));
    setMenu({ x: ev.clientX, y: ev.clientY, entry });
  };

  const totals = result?.totals;
  const awayCount = away === null ? 0 : away.matched;
  return (
    <section className="view history-view" aria-label="History">
      <div className="toolbar history-toolbar">
        <div className="filter-box" role="search">
          <span className="filter-icon" aria-hidden="true">
            ⌕
          </span>
          <input
            type="text"
            aria-label="Filter history"
            placeholder="Filter: port:443 proc:curl host:example -state:listen"
            value={filterText}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => setFilterText(e.target.value)}
          />
        </div>
        <label className="history-select">
          <span className="visually-hidden">Time range</span>
          <select aria-label="Time range" value={range} onChange={(e) => setRange(e.target.value as RangeId)}>
            {RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
            {lastSeen !== null && <option value="away">Since I was last here</option>}
          </select>
        </label>
        <label className="history-select">
          <span className="visually-hidden">Kind</span>
          <select aria-label="Kind" value={kind} onChange={(e) => setKind(e.target.value as HistoryKind | 'all')}>
            <option value="all">Connections and listeners</option>
            <option value="connection">Connections</option>
            <option value="listener">Listeners</option>
          </select>
        </label>
        <button type="button" className="button small" onClick={() => load()} disabled={loading}>
          {loading ? 'Loading…' : 'Refresh'}
        </button>
        <span className="toolbar-spacer" />
        <ExportMenu what="history" unit="entry" disabled={rows.length === 0} make={(format) => exportHistory(rows, format)} />
      </div>

      {awayCount > 0 && range !== 'away' && lastSeen !== null && (
        <div className="history-away" role="status">
          <strong>While you were away</strong>
          <span>
            {formatCount(away!.totals.connections)} connection{away!.totals.connections === 1 ? '' : 's'} closed and {formatCount(away!.totals.listeners)} listener
            {away!.totals.listeners === 1 ? '' : 's'} went since {formatDateTime(lastSeen)}.
          </span>
          <button type="button" className="button small" onClick={() => setRange('away')}>
            Show them
          </button>
        </div>
      )}

      {result !== null && result.warnings.length > 0 && (
        <ul className="history-warnings" aria-label="History warnings">
          {result.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}

      <div className="history-summary" aria-live="polite">
        {error !== null ? (
          <span className="error">{error}</span>
        ) : totals ? (
          <>
            <strong>{formatCount(result!.matched)}</strong> {result!.matched === 1 ? 'entry' : 'entries'}
            {result!.entries.length < result!.matched && <span className="dim"> (newest {formatCount(result!.entries.length)} shown)</span>} · {formatCount(totals.connections)} connections,{' '}
            {formatCount(totals.listeners)} listeners · {formatBytes(totals.bytesSent)} sent, {formatBytes(totals.bytesReceived)} received
            {!isEmptyFilter(filter) && <span className="dim"> · {describeFilter(filter)}</span>}
            {result!.oldest !== null && <span className="dim"> · kept since {formatDateTime(result!.oldest)}</span>}
          </>
        ) : (
          <span className="dim">Reading the history…</span>
        )}
        {told !== null && (
          <span className="history-told" role="status">
            {told}
          </span>
        )}
      </div>
      <HistoryRetentionControl onChanged={() => load()} />

      <div className="history-scroll">
        {result !== null && rows.length === 0 && error === null ? (
          <p className="empty">
            {result.oldest === null ? 'Nothing recorded yet: connections that close while Portwatch runs appear here.' : 'Nothing in this range matches.'}
          </p>
        ) : (
          <table className="history-table" aria-label="History entries">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th key={c.key} className={c.className} aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                    <button type="button" onClick={() => setSort((s) => ({ key: c.key, desc: s.key === c.key ? !s.desc : c.key === 'closedAt' }))}>
                      {c.label}
                      {sort.key === c.key && <span aria-hidden="true">{sort.desc ? ' ▾' : ' ▴'}</span>}
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody tabIndex={0} onKeyDown={onTableKey}>
              {rows.map((e) => {
                const key = entryKey(e);
                return (
                  <tr key={key} aria-selected={key === selected} className={key === selected ? 'selected' : undefined} onClick={() => setSelected(key)} onContextMenu={(ev) => onContextMenu(ev, e)}>
                    <td className="mono">{formatDateTime(e.closedAt)}</td>
                    <td className="num">{formatLifetime(entryDuration(e))}</td>
                    <td>
                      <span className={`kind-pill ${e.kind}`}>{e.kind}</span> <span className="dim">{protoLabel(e)}</span>
                    </td>
                    <td className="mono">{formatEndpoint(e.localAddress, e.localPort)}</td>
                    <td className="mono" title={e.remoteAddress ?? undefined}>
                      {e.remoteAddress === null ? <span className="dim">—</span> : e.remoteHost !== null ? `${e.remoteHost}:${e.remotePort}` : formatEndpoint(e.remoteAddress, e.remotePort)}
                      {e.remoteCountry !== null && <span className="dim"> · {e.remoteCountry}</span>}
                    </td>
                    <td title={e.process?.cmdline}>
                      {e.process ? (
                        <>
                          {e.process.name} <span className="dim">{e.pid}</span>
                        </>
                      ) : (
                        <span className="dim">unknown</span>
                      )}
                    </td>
                    <td className="num">{formatBytes(e.bytesSent)}</td>
                    <td className="num">{formatBytes(e.bytesReceived)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
      {menu !== null && <ContextMenu x={menu.x} y={menu.y} label="History entry" items={menuItems} onClose={() => setMenu(null)} />}
    </section>
  );
}
