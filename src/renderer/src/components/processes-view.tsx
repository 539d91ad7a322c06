// Which program is using the network: every process with sockets, by traffic rate (as GlassWire's and
// bandwhich's first screen), with its up and down rates, a sparkline of the last minute, what it has
// moved, its connections, listeners and remote hosts. A chart shows the machine, or the selected
// process; "Connections" filters the Connections view to it. Rates come from the traffic store (one
// render per poll at most, deferred behind the tables); counts come from the socket rows.
import { memo, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { processKey, type ProcessTraffic } from '../../../shared/traffic.js';
import { formatBytes, formatRate } from '../../../shared/units.js';
import type { Filter } from '../../../shared/filter.js';
import { isEmptyFilter, matchSocket } from '../../../shared/filter.js';
import { formatCount } from '../format.js';
import { useSnapshot, useStore, useThrottledValue, useTraffic, useWidth } from '../hooks.js';
import { chartSeries, MACHINE, PROCESS, type ChartProcess } from '../traffic-series.js';
import { exportProcesses, type ProcessExportRow } from '../../../shared/export.js';
import { ExportMenu } from './export-menu.js';
import { GridMessage, SortGlyph } from './grid.js';
import { Sparkline, TrafficChart } from './traffic-chart.js';

/** One line of the table: traffic where measured (null: not measured for it), counts from the rows. */
export interface ProcessLine {
  key: string;
  pid: number;
  name: string;
  exe: string | null;
  user: string | null;
  traffic: ProcessTraffic | null;
  connections: number;
  listeners: number;
  remoteHosts: number;
}

/** A line as exported: what the table shows, rates and bytes null where not measured. */
export function processExportRow(l: ProcessLine): ProcessExportRow {
  const t = l.traffic;
  return {
    pid: l.pid,
    name: l.name,
    exe: l.exe,
    user: l.user,
    sendRate: t?.sendRate ?? null,
    receiveRate: t?.receiveRate ?? null,
    bytesSent: t?.bytesSent ?? null,
    bytesReceived: t?.bytesReceived ?? null,
    connections: l.connections,
    listeners: l.listeners,
    remoteHosts: l.remoteHosts,
  };
}

/** 'rate' (send + receive, the default) has no column of its own: the list opens on it. */
type SortId = 'rate' | 'send' | 'receive' | 'name' | 'pid' | 'sent' | 'received' | 'connections' | 'listeners' | 'hosts';
interface Sort {
  id: SortId;
  desc: boolean;
}

const rateOf = (l: ProcessLine) => (l.traffic === null ? -1 : l.traffic.sendRate + l.traffic.receiveRate);
const SORT_VALUE: Record<SortId, (l: ProcessLine) => number | string> = {
  rate: rateOf,
  send: (l) => l.traffic?.sendRate ?? -1,
  receive: (l) => l.traffic?.receiveRate ?? -1,
  name: (l) => l.name.toLowerCase(),
  pid: (l) => l.pid,
  sent: (l) => l.traffic?.bytesSent ?? -1,
  received: (l) => l.traffic?.bytesReceived ?? -1,
  connections: (l) => l.connections,
  listeners: (l) => l.listeners,
  hosts: (l) => l.remoteHosts,
};

/** By the chosen column, then by rate and total bytes, then pid: a stable order between polls. */
export function sortLines(lines: ProcessLine[], sort: Sort): ProcessLine[] {
  const value = SORT_VALUE[sort.id];
  const dir = sort.desc ? -1 : 1;
  return lines.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x !== y) return (x < y ? -1 : 1) * dir;
    return rateOf(b) - rateOf(a) || (b.traffic?.bytesReceived ?? 0) + (b.traffic?.bytesSent ?? 0) - ((a.traffic?.bytesReceived ?? 0) + (a.traffic?.bytesSent ?? 0)) || a.pid - b.pid;
  });
}

const COLUMNS: Array<{ id: SortId | 'spark' | 'go'; label: string; numeric?: boolean; title?: string }> = [
  { id: 'name', label: 'Process' },
  { id: 'pid', label: 'PID', numeric: true },
  { id: 'spark', label: 'Last minute', title: 'Sent (up) and received (down) over the last minute' },
  { id: 'send', label: '↑ Send', numeric: true, title: 'Bytes sent per second over the last poll' },
  { id: 'receive', label: '↓ Receive', numeric: true, title: 'Bytes received per second over the last poll' },
  { id: 'sent', label: 'Sent', numeric: true, title: 'Bytes sent by its TCP connections while Portwatch watched (closed ones included)' },
  { id: 'received', label: 'Received', numeric: true, title: 'Bytes received by its TCP connections while Portwatch watched (closed ones included)' },
  { id: 'connections', label: 'Conns', numeric: true, title: 'Connections it holds now' },
  { id: 'listeners', label: 'Listening', numeric: true, title: 'Ports it listens on' },
  { id: 'hosts', label: 'Remote hosts', numeric: true, title: 'Distinct remote addresses it talks to now' },
  { id: 'go', label: '' },
];

export interface ProcessesViewProps {
  filter: Filter;
  /** The selected process's key (the shell keeps it: the header's chart can follow it). */
  selected: string | null;
  onSelect: (process: ChartProcess | null) => void;
  /** Filters the Connections view to this process. */
  onShowConnections: (pid: number) => void;
  onShown?: (shown: number) => void;
}

export function ProcessesView({ filter, selected, onSelect, onShowConnections, onShown }: ProcessesViewProps) {
  const store = useStore();
  const { rows, rowsVersion, phase } = useSnapshot();
  // Rates move every poll: they render after the tables, at most twice a second.
  const traffic = useDeferredValue(useThrottledValue(useTraffic(), 500));
  const countsVersion = useThrottledValue(rowsVersion, 1000);
  const [sort, setSort] = useState<Sort>({ id: 'rate', desc: true });

  // Counts per process from the rows: connections, listeners, distinct remote hosts, and whether one
  // of its sockets matches the filter. In proportion to the table, once a second at most.
  const byPid = useMemo(() => {
    const out = new Map<number, { key: string; name: string; exe: string | null; user: string | null; connections: number; listeners: number; hosts: Set<string>; matches: boolean }>();
    const empty = isEmptyFilter(filter);
    for (const row of rows.values()) {
      const s = row.socket;
      if (s.pid === null || row.flag === 'closing') continue;
      let p = out.get(s.pid);
      if (p === undefined) {
        p = { key: processKey(s.pid, s.process?.startedAt ?? null), name: s.process?.name ?? `pid ${s.pid}`, exe: s.process?.exe ?? null, user: s.process?.user ?? null, connections: 0, listeners: 0, hosts: new Set(), matches: empty };
        out.set(s.pid, p);
      }
      if (s.listening) p.listeners++;
      else if (s.protocol === 'tcp') p.connections++;
      if (s.remoteAddress !== null) p.hosts.add(s.remoteAddress);
      if (!p.matches && matchSocket(filter, s)) p.matches = true;
    }
    return out;
    // countsVersion says when the rows (a Map updated in place) changed, throttled.
  }, [rows, countsVersion, filter]);

  const lines = useMemo(() => {
    const out: ProcessLine[] = [];
    const seen = new Set<number>();
    const empty = isEmptyFilter(filter);
    const text = filter.source.trim().toLowerCase();
    for (const t of traffic.processes.values()) {
      const p = byPid.get(t.pid);
      seen.add(t.pid);
      // A process whose connections all closed still shows (its bytes count); the filter matches its name.
      if (!empty && !(p?.matches ?? false) && !(t.name ?? '').toLowerCase().includes(text)) continue;
      out.push({ key: t.key, pid: t.pid, name: t.name ?? p?.name ?? `pid ${t.pid}`, exe: t.exe, user: p?.user ?? null, traffic: t, connections: p?.connections ?? t.connections, listeners: p?.listeners ?? 0, remoteHosts: p?.hosts.size ?? 0 });
    }
    // Processes with sockets but no TCP traffic record (UDP only, listeners only; or nothing measured).
    for (const [pid, p] of byPid) {
      if (seen.has(pid) || !p.matches) continue;
      out.push({ key: p.key, pid, name: p.name, exe: p.exe, user: p.user, traffic: null, connections: p.connections, listeners: p.listeners, remoteHosts: p.hosts.size });
    }
    return sortLines(out, sort);
  }, [traffic, byPid, sort, filter]);

  useEffect(() => onShown?.(lines.length), [lines.length, onShown]);

  const selectedLine = selected === null ? undefined : lines.find((l) => l.key === selected);
  const chartProcess = useMemo(() => (selectedLine ? { key: selectedLine.key, pid: selectedLine.pid, name: selectedLine.name } : null), [selectedLine?.key, selectedLine?.pid, selectedLine?.name]);
  // The same series as the header's chart (traffic-series.ts): the machine, or the selected process.
  // The histories grow with each update (traffic.version, in traffic).
  const series = useMemo(() => chartSeries(store.traffic, traffic, chartProcess ? PROCESS : MACHINE, chartProcess), [store, traffic, chartProcess]);
  const chartLabel = series.label;

  const chartBox = useRef<HTMLDivElement>(null);
  const width = useWidth(chartBox);
  const onSort = useCallback((id: SortId) => setSort((s) => (s.id === id ? { id, desc: !s.desc } : { id, desc: id !== 'name' && id !== 'pid' })), []);
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const select = useCallback((l: ProcessLine) => onSelect(selectedRef.current === l.key ? null : { key: l.key, pid: l.pid, name: l.name }), [onSelect]);

  if (phase !== 'ready') return <GridMessage tone="busy">Reading the socket tables…</GridMessage>;
  const state = traffic.state;
  const measured = state !== null && state.availability.connections;
  const u = state?.unattributed;

  return (
    <div className="processes-view">
      <div className="processes-top">
        <div className="processes-summary">
          <div className="processes-title-row">
            <h2 className="processes-title">{selectedLine ? selectedLine.name : 'This machine'}</h2>
            <ExportMenu what="processes" unit="process" disabled={lines.length === 0} make={(format, takenAt) => exportProcesses(lines.map(processExportRow), format, takenAt)} />
          </div>
          {selectedLine ? (
            <ProcessFacts line={selectedLine} onShowConnections={onShowConnections} onClear={() => onSelect(null)} />
          ) : (
            <dl className="facts">
              <dt>Network now</dt>
              <dd>{traffic.total ? <Rates send={traffic.total.sendRate} receive={traffic.total.receiveRate} /> : 'not measured'}</dd>
              {state && state.interfaces.length > 0 && (
                <>
                  <dt>Interfaces</dt>
                  <dd className="interfaces">
                    {state.interfaces.map((i) => (
                      <span key={i.name} className="interface" title={`${i.name}: ${formatBytes(i.bytesSent)} sent, ${formatBytes(i.bytesReceived)} received since it came up`}>
                        {i.name} <Rates send={i.sendRate} receive={i.receiveRate} />
                      </span>
                    ))}
                  </dd>
                </>
              )}
              {u && (u.bytesSent > 0 || u.bytesReceived > 0) && (
                <>
                  <dt title="Connections no process could be credited with: other users' (without root), and short ones whose owner was gone">Not credited</dt>
                  <dd>
                    {formatBytes(u.bytesSent)} sent, {formatBytes(u.bytesReceived)} received · {formatCount(u.closedConnections)} closed connections
                  </dd>
                </>
              )}
            </dl>
          )}
          {!measured && (
            <p className="traffic-unavailable" role="note">
              Per-connection traffic is not available here{state ? `: ${state.availability.notes.join(' ')}` : ' (the engine measures none)'}. Rates show “n/a”, not 0.
            </p>
          )}
        </div>
        <div className="processes-chart" ref={chartBox}>
          {width > 0 && <TrafficChart samples={series.samples} label={chartLabel} unavailable={series.unavailable} width={width} />}
          <div className="chart-legend" aria-hidden="true">
            <span className="rate-up">▲ sent</span> <span className="rate-down">▼ received</span> · {chartLabel}
          </div>
        </div>
      </div>
      <div className="processes-table" role="grid" aria-label="Processes" aria-rowcount={lines.length + 1}>
        <div className="processes-row processes-head table-head" role="row">
          {COLUMNS.map((c) => {
            const id = c.id === 'spark' || c.id === 'go' ? null : c.id;
            const dir = id !== null && sort.id === id ? (sort.desc ? 'desc' : 'asc') : false;
            return (
              <div key={c.id} role="columnheader" className={`cell${c.numeric ? ' num' : ''}`} aria-sort={dir === false ? undefined : dir === 'asc' ? 'ascending' : 'descending'} title={c.title}>
                {id !== null ? (
                  <button type="button" className="sort-button" onClick={() => onSort(id)}>
                    {c.label} <SortGlyph dir={dir} />
                  </button>
                ) : (
                  c.label
                )}
              </div>
            );
          })}
        </div>
        {lines.length === 0 ? (
          <GridMessage>{isEmptyFilter(filter) ? 'No process has a socket open.' : 'No process matches the filter.'}</GridMessage>
        ) : (
          lines.map((l, i) => <ProcessRow key={l.key} line={l} index={i} selected={l.key === selected} onSelect={select} onShowConnections={onShowConnections} version={traffic.version} />)
        )}
      </div>
    </div>
  );
}

function Rates({ send, receive }: { send: number; receive: number }) {
  return (
    <>
      <span className="rate-up">↑ {formatRate(send)}</span> <span className="rate-down">↓ {formatRate(receive)}</span>
    </>
  );
}

function ProcessFacts({ line, onShowConnections, onClear }: { line: ProcessLine; onShowConnections: (pid: number) => void; onClear: () => void }) {
  const t = line.traffic;
  return (
    <>
      <dl className="facts">
        <dt>Process</dt>
        <dd>
          pid {line.pid}
          {line.user ? ` · ${line.user}` : ''}
          {line.exe ? <span className="dim"> · {line.exe}</span> : null}
        </dd>
        <dt>Now</dt>
        <dd>{t ? <Rates send={t.sendRate} receive={t.receiveRate} /> : 'n/a (no TCP counters for it)'}</dd>
        <dt>Moved</dt>
        <dd>{t ? `${formatBytes(t.bytesSent)} sent, ${formatBytes(t.bytesReceived)} received · ${formatCount(t.closedConnections)} connections closed` : 'n/a'}</dd>
      </dl>
      <div className="facts-actions">
        <button type="button" className="button small" onClick={() => onShowConnections(line.pid)}>
          Show its connections
        </button>
        <button type="button" className="button small" onClick={onClear}>
          Whole machine
        </button>
      </div>
    </>
  );
}

const ProcessRow = memo(function ProcessRow({
  line,
  index,
  selected,
  onSelect,
  onShowConnections,
  version,
}: {
  line: ProcessLine;
  index: number;
  selected: boolean;
  onSelect: (line: ProcessLine) => void;
  onShowConnections: (pid: number) => void;
  /** The traffic version: the sparkline follows it. */
  version: number;
}) {
  const store = useStore();
  const t = line.traffic;
  // The last minute of this process's rates (on the machine's time axis).
  const spark = useMemo(() => (t === null ? [] : store.traffic.processHistory(line.key).slice(-60)), [store, line.key, t, version]);
  const na = <span className="dim">n/a</span>;
  return (
    <div
      className={`processes-row row${selected ? ' selected' : ''}${t !== null && t.sendRate + t.receiveRate > 0 ? ' moving' : ''}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-pid={line.pid}
      onMouseDown={() => onSelect(line)}
      onDoubleClick={() => onShowConnections(line.pid)}
    >
      <div role="gridcell" className="cell name" title={line.exe ?? undefined}>
        {line.name}
      </div>
      <div role="gridcell" className="cell num">
        {line.pid}
      </div>
      <div role="gridcell" className="cell spark">
        {t !== null && <Sparkline samples={spark} />}
      </div>
      <div role="gridcell" className="cell num rate-up">
        {t ? formatRate(t.sendRate) : na}
      </div>
      <div role="gridcell" className="cell num rate-down">
        {t ? formatRate(t.receiveRate) : na}
      </div>
      <div role="gridcell" className="cell num">
        {t ? formatBytes(t.bytesSent) : na}
      </div>
      <div role="gridcell" className="cell num">
        {t ? formatBytes(t.bytesReceived) : na}
      </div>
      <div role="gridcell" className="cell num">
        {formatCount(line.connections)}
      </div>
      <div role="gridcell" className="cell num">
        {formatCount(line.listeners)}
      </div>
      <div role="gridcell" className="cell num">
        {formatCount(line.remoteHosts)}
      </div>
      <div role="gridcell" className="cell go">
        <button
          type="button"
          className="link-button"
          title={`Show the connections of ${line.name} (pid ${line.pid})`}
          onMouseDown={(e) => e.stopPropagation()}
          onClick={() => onShowConnections(line.pid)}
        >
          Connections →
        </button>
      </div>
    </div>
  );
});
