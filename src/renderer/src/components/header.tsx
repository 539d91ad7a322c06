// The top bar: which view, what is live right now (counts by state, the total rate, a traffic chart),
// where the data comes from and what reading it costs, and the pause / interval controls.
import { memo, useState, type ReactNode } from 'react';
import type { MonitorStatus } from '../../../shared/status.js';
import { describeEngine, MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../../../shared/status.js';
import { SEVERITY_TONE } from '../alert-text.js';
import { worstActive } from '../alerts-store.js';
import { useConflicts } from '../conflicts-store.js';
import { formatCount, formatMs } from '../format.js';
import { useAlerts, useSnapshot, useStore, useTraffic } from '../hooks.js';
import { formatRate } from '../../../shared/units.js';
import { BANDS, type Band } from '../store.js';
import type { ChartProcess } from '../traffic-series.js';
import { HeaderTraffic } from './header-traffic.js';

export type View = 'connections' | 'listening' | 'processes' | 'ports' | 'alerts' | 'history';

const INTERVALS = [250, 500, 1000, 2000, 5000, 10_000, 30_000].filter((ms) => ms >= MIN_INTERVAL_MS && ms <= MAX_INTERVAL_MS);

function intervalLabel(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${ms / 1000} s`;
}

const BAND_LABEL: Record<Band, string> = {
  established: 'Established',
  listening: 'Listening',
  timeWait: 'Time wait',
  other: 'Other',
};

/** One tab: its view, its word, its tooltip, and what follows the word (a count, a badge). */
interface Tab {
  id: View;
  label: string;
  title?: string;
  count?: ReactNode;
}

const STATE_LABEL: Record<MonitorStatus['state'], string> = {
  running: 'Live',
  paused: 'Paused',
  stopped: 'Stopped',
  'backing-off': 'Retrying',
};

/**
 * Memoised: a keystroke in the filter re-renders the shell, not this (it follows the store by itself).
 * process: the one last selected in a view, which the traffic chart can follow.
 */
export const Header = memo(function Header({ view, onView, process }: { view: View; onView: (view: View) => void; process: ChartProcess | null }) {
  const { counts, status, connection, phase } = useSnapshot();
  const conflicts = useConflicts();
  const nConflicts = conflicts.conflicts.length;
  const alerts = useAlerts();
  const stateKey = connection === 'lost' ? 'offline' : connection === 'connecting' || status === null ? 'connecting' : status.state;
  const stateText = connection === 'lost' ? 'Offline' : connection === 'connecting' ? 'Connecting' : status ? STATE_LABEL[status.state] : 'Loading';
  const poll = status?.lastPoll ?? null;
  const tabs: Tab[] = [
    { id: 'connections', label: 'Connections', count: <span className="tab-count">{phase === 'ready' ? formatCount(counts.sockets) : '…'}</span> },
    { id: 'listening', label: 'Listening', count: <span className="tab-count">{phase === 'ready' ? formatCount(counts.listening) : '…'}</span> },
    { id: 'processes', label: 'Processes', title: 'Every process with sockets, by traffic rate' },
    {
      id: 'ports',
      label: 'Ports',
      title: conflicts.loaded ? `${formatCount(nConflicts)} port conflict${nConflicts === 1 ? '' : 's'}; look up who is on a port` : 'Look up who is on a port',
      count: conflicts.loaded && nConflicts > 0 && (
        <span className={`tab-badge sev-${conflicts.worst ?? 'info'}`} data-testid="conflict-count">
          {formatCount(nConflicts)}
          <span className="visually-hidden"> conflict{nConflicts === 1 ? '' : 's'}</span>
        </span>
      ),
    },
    { id: 'alerts', label: 'Alerts', ...alertsTab(alerts) },
    { id: 'history', label: 'History', title: 'Connections that closed and listeners that went' },
  ];

  return (
    <header className="app-header">
      <div className="header-nav">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Portwatch
        </div>
        <nav className="tabs" role="tablist" aria-label="Views">
          {tabs.map((t) => (
            <button key={t.id} type="button" role="tab" aria-selected={view === t.id} className="tab" onClick={() => onView(t.id)} title={t.title}>
              {t.label}
              {t.count !== undefined && <> {t.count}</>}
            </button>
          ))}
        </nav>
      </div>
      <dl className="stats" aria-label="Live counts">
        {BANDS.map((b) => (
          <div key={b} className="stat">
            <dt>
              <span className={`dot band-${b}`} aria-hidden="true" />
              {BAND_LABEL[b]}
            </dt>
            <dd>{phase === 'ready' ? formatCount(counts[b]) : '…'}</dd>
          </div>
        ))}
        <div className="stat">
          <dt>Processes</dt>
          <dd>{phase === 'ready' ? formatCount(counts.processes) : '…'}</dd>
        </div>
        <TotalRate />
      </dl>
      <HeaderTraffic process={process} />
      <div className="engine" aria-label="Engine">
        {status?.engine?.host === 'agent' && (
          // Attached to an agent: whose engine, with what rights, and whether this view may act.
          <span className={`engine-agent${status.engine.access === 'read-only' ? ' read-only' : ''}`} title={describeEngine(status.engine)}>
            {describeEngine(status.engine)}
          </span>
        )}
        <span
          className={`live-pill ${stateKey}`}
          role="status"
          title={status ? `${status.source}${poll ? ` · last poll ${formatMs(poll.cpuMs)} CPU, ${formatMs(poll.durationMs)} wall` : ''} · every ${intervalLabel(status.intervalMs)}` : undefined}
        >
          <span className="live-dot" aria-hidden="true" />
          {stateText}
        </span>
        <span className="engine-meta" title={poll ? `Last poll #${poll.seq}: ${formatMs(poll.durationMs)} wall time, ${formatMs(poll.cpuMs)} CPU` : undefined}>
          <span className="engine-source">{status ? status.source : '—'}</span>
          {poll && (
            <>
              <span className="engine-sep"> · </span>poll <span className="num">{formatMs(poll.cpuMs)}</span> CPU
            </>
          )}
          {status && <span className="engine-interval"> · every {intervalLabel(status.intervalMs)}</span>}
        </span>
      </div>
    </header>
  );
});

/** The machine's traffic now: what leaves and enters it (shared/traffic.ts totalRate). */
function TotalRate() {
  const { total, state } = useTraffic();
  const notes = state?.availability.notes ?? [];
  const title =
    total === null
      ? ['Traffic is not measured here.', ...notes].join(' ')
      : total.basis === 'interfaces'
        ? 'Sent and received over the network interfaces (loopback not counted), per second over the last poll'
        : 'Sent and received by the TCP connections Portwatch counts, per second over the last poll (no interface totals here)';
  return (
    <div className="stat stat-rate" title={title} data-testid="total-rate">
      <dt>{total?.basis === 'connections' ? 'Connections' : 'Network'}</dt>
      <dd>
        {total === null ? (
          'n/a'
        ) : (
          <>
            <span className="rate-up" aria-label={`sending ${formatRate(total.sendRate)}`}>
              ↑ {formatRate(total.sendRate)}
            </span>{' '}
            <span className="rate-down" aria-label={`receiving ${formatRate(total.receiveRate)}`}>
              ↓ {formatRate(total.receiveRate)}
            </span>
          </>
        )}
      </dd>
    </div>
  );
}

/** The Alerts tab's tooltip and what follows its label: engine warnings, the active count, or "learning". */
function alertsTab({ status, phase }: ReturnType<typeof useAlerts>): Pick<Tab, 'title' | 'count'> {
  const active = status?.unacknowledged ?? 0;
  const worst = worstActive(status);
  const warnings = status?.warnings.length ?? 0;
  let title = 'Alerts: programs, listeners and connections Portwatch had not seen before';
  if (phase === 'disabled') title = 'Alerts are not enabled in this Portwatch';
  else if (status !== null) {
    const parts = [`${formatCount(active)} active alert${active === 1 ? '' : 's'}`];
    if (active > 0) parts.push(`${status.counts.high} high, ${status.counts.medium} medium, ${status.counts.low} low`);
    if (status.learning) parts.push('learning what is normal');
    if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
    title = parts.join(' · ');
  }
  const count = (
    <>
      {warnings > 0 && (
        <span className="tab-warn" role="img" aria-label={`${warnings} alert engine warning${warnings === 1 ? '' : 's'}`}>
          ⚠
        </span>
      )}
      {active > 0 && (
        <span className={`tab-badge sev-${SEVERITY_TONE[worst ?? 'low']}`} data-testid="alert-count" data-severity={worst ?? undefined}>
          {formatCount(active)}
          <span className="visually-hidden"> active alert{active === 1 ? '' : 's'}</span>
        </span>
      )}
      {status?.learning && active === 0 && (
        <span className="tab-learning" aria-label="learning">
          learning
        </span>
      )}
    </>
  );
  return { title, count };
}

/** Pause / resume and the poll interval: they act on the engine, so they wait for a connection. */
export function EngineControls() {
  const store = useStore();
  const { status, connection } = useSnapshot();
  const [busy, setBusy] = useState(false);
  const [controlError, setControlError] = useState<string | null>(null);
  const paused = status?.state === 'paused';
  const label = paused ? 'Resume' : 'Pause';
  const canControl = connection === 'open' && status !== null && !busy;

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setControlError(null);
    try {
      await action();
    } catch (e) {
      setControlError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="engine-controls">
      {controlError && (
        <span className="control-error" role="alert">
          {controlError}
        </span>
      )}
      <label className="interval">
        <span className="visually-hidden">Update interval</span>
        <select
          value={status?.intervalMs ?? 1000}
          disabled={!canControl}
          onChange={(e) => void run(() => store.setInterval(Number(e.target.value)))}
          title="How often Portwatch reads the socket tables"
        >
          {[...new Set([...INTERVALS, status?.intervalMs ?? 1000])]
            .sort((a, b) => a - b)
            .map((ms) => (
              <option key={ms} value={ms}>
                every {intervalLabel(ms)}
              </option>
            ))}
        </select>
      </label>
      <button
        type="button"
        className={`pause-button ${paused ? 'paused' : ''}`}
        disabled={!canControl}
        aria-pressed={paused}
        aria-label={label}
        onClick={() => void run(() => (paused ? store.resume() : store.pause()))}
        title={paused ? 'Resume live updates' : 'Pause live updates (the list stays as it is)'}
      >
        <span aria-hidden="true">{paused ? '▶' : '❚❚'}</span>{' '}
        <span className="label-text" aria-hidden="true">
          {label}
        </span>
      </button>
    </div>
  );
}
