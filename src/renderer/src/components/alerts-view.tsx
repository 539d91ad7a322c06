// The Alerts view: what Portwatch raised about programs, listeners and connections nobody had seen
// before, newest first. A toolbar of filters (severity, kind, acknowledged), a line saying whether
// Portwatch is still learning what is normal (and the engine's warnings, which must not be missed),
// the dense list, and the selected alert's detail beside it, with what can be done about it.
// Keys: ↑ ↓ move, A acknowledges, Enter opens the detail, Esc closes it.
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Alert, AlertKind, Severity, TrustState } from '../../../shared/alerts.js';
import { ALERT_KINDS, isSnoozed, MAX_LEARN_SECONDS, SEVERITIES } from '../../../shared/alerts.js';
import { formatDuration, KIND_HELP, kindShort, kindTitle, ownerLine, SEVERITY_TEXT, SEVERITY_TONE } from '../alert-text.js';
import { newestFirst, type AlertsSnapshot } from '../alerts-store.js';
import { errorText } from '../errors.js';
import { formatAge, formatCount, formatDateTime } from '../format.js';
import { useViewCommitMark } from '../commit-marks.js';
import { useAlerts, useNotificationPermission, useNotifier, useNow, useStore } from '../hooks.js';
import { AlertDetail, SeverityPill } from './alert-detail.js';
import type { EndTarget } from './end-process-dialog.js';
import { isTypingTarget, useRowNavigation } from './grid.js';
import { EngineControls } from './header.js';

export interface AlertFilterState {
  /** Empty: every severity. */
  severities: readonly Severity[];
  /** Empty: every kind. */
  kinds: readonly AlertKind[];
  showAcknowledged: boolean;
}

export const DEFAULT_ALERT_FILTER: AlertFilterState = { severities: [], kinds: [], showAcknowledged: false };

/** The alerts a filter shows, in the order given (newest first). */
export function filterAlerts(list: readonly Alert[], f: AlertFilterState): Alert[] {
  return list.filter(
    (a) => (f.showAcknowledged || a.acknowledgedAt === null) && (f.severities.length === 0 || f.severities.includes(a.severity)) && (f.kinds.length === 0 || f.kinds.includes(a.kind)),
  );
}

function toggle<T>(list: readonly T[], item: T): T[] {
  return list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
}

export interface AlertsWorkspaceProps {
  filter: AlertFilterState;
  onFilter: (f: AlertFilterState) => void;
  selectedId: string | null;
  onSelect: (id: string | null) => void;
  detailOpen: boolean;
  onDetailOpen: (open: boolean) => void;
  onEnd: (target: EndTarget) => void;
  /** The notices under the toolbar (the same as every view's). */
  notices: ReactNode;
}

/** Toolbar, notices, list and detail of the Alerts tab. */
export function AlertsWorkspace({ filter, onFilter, selectedId, onSelect, detailOpen, onDetailOpen, onEnd, notices }: AlertsWorkspaceProps) {
  const store = useStore();
  const alerts = useAlerts();
  const [note, setNote] = useState<{ text: string; error: boolean } | null>(null);
  const detailRef = useRef<HTMLElement>(null);

  // version says when the Map (updated in place) changed.
  const all = useMemo(() => newestFirst(alerts.alerts), [alerts.alerts, alerts.version]);
  const visible = useMemo(() => filterAlerts(all, filter), [all, filter]);
  useViewCommitMark(visible, { view: 'alerts', rows: visible.length });
  const counts = useMemo(() => {
    const bySeverity: Record<Severity, number> = { high: 0, medium: 0, low: 0 };
    const byKind = Object.fromEntries(ALERT_KINDS.map((k) => [k, 0])) as Record<AlertKind, number>;
    for (const a of all) {
      if (!filter.showAcknowledged && a.acknowledgedAt !== null) continue;
      bySeverity[a.severity]++;
      byKind[a.kind]++;
    }
    return { bySeverity, byKind };
  }, [all, filter.showAcknowledged]);

  useEffect(() => {
    if (note === null) return;
    const t = setTimeout(() => setNote(null), 4000);
    return () => clearTimeout(t);
  }, [note]);

  const visibleRef = useRef(visible);
  visibleRef.current = visible;
  const filterRef = useRef(filter);
  filterRef.current = filter;

  /** Acknowledges one alert; when it leaves the list, the selection moves on to the next one. */
  const acknowledge = useCallback(
    async (id: string) => {
      const list = visibleRef.current;
      const at = list.findIndex((a) => a.id === id);
      if ((store.alerts.getSnapshot().alerts.get(id)?.acknowledgedAt ?? null) !== null) return;
      try {
        const alert = await store.api.acknowledgeAlert(id);
        store.alerts.put(alert);
        setNote({ text: `Acknowledged: ${kindTitle(alert.kind).toLowerCase()} — ${ownerLine(alert)}`, error: false });
        if (!filterRef.current.showAcknowledged && at >= 0) {
          const next = list[at + 1] ?? list[at - 1];
          if (next !== undefined) onSelect(next.id);
        }
      } catch (e) {
        setNote({ text: `Could not acknowledge: ${errorText(e)}`, error: true });
      }
    },
    [store, onSelect],
  );

  const scrollToId = useCallback((id: string) => {
    document.querySelector(`[data-alert-id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, []);

  useRowNavigation({
    ids: () => visibleRef.current.map((a) => a.id),
    selectedId,
    onSelect: (id) => onSelect(id),
    scrollToId,
    pageSize: () => 15,
  });

  // A acknowledges the selected alert; Enter opens its detail; Escape closes it.
  const keyState = useRef({ selectedId, detailOpen, acknowledge, onDetailOpen });
  keyState.current = { selectedId, detailOpen, acknowledge, onDetailOpen };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey || isTypingTarget(e.target) || e.defaultPrevented) return;
      const { selectedId: id, detailOpen: open, acknowledge: ack, onDetailOpen: setOpen } = keyState.current;
      if (id === null) return;
      // Keys meant for a focused button or menu (Enter on "Snooze") are theirs.
      const onControl = e.target instanceof HTMLElement && e.target.closest('button, [role="menu"], [role="radiogroup"], a') !== null;
      if (e.key === 'a' || e.key === 'A') {
        if (e.target instanceof HTMLElement && e.target.closest('[role="menu"], [role="dialog"]')) return;
        e.preventDefault();
        void ack(id);
      } else if (e.key === 'Enter' && !onControl) {
        e.preventDefault();
        setOpen(true);
        requestAnimationFrame(() => detailRef.current?.focus());
      } else if (e.key === 'Escape' && open && !onControl) {
        setOpen(false);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const select = useCallback(
    (id: string) => {
      onSelect(id);
      onDetailOpen(true);
    },
    [onSelect, onDetailOpen],
  );

  const filtering = filter.severities.length > 0 || filter.kinds.length > 0;
  const selected = selectedId === null ? null : (alerts.alerts.get(selectedId) ?? null);

  return (
    <>
      <div className="toolbar alerts-toolbar" role="toolbar" aria-label="Alert filters">
        <div className="chip-group" role="group" aria-label="Severity">
          {[...SEVERITIES].reverse().map((s) => (
            <button
              key={s}
              type="button"
              className={`filter-chip sev-${SEVERITY_TONE[s]}`}
              aria-pressed={filter.severities.includes(s)}
              onClick={() => onFilter({ ...filter, severities: toggle(filter.severities, s) })}
              title={`Show ${s} alerts${filter.severities.length > 0 ? '' : ' only'}`}
            >
              <span className={`sev-dot sev-${SEVERITY_TONE[s]}`} aria-hidden="true" />
              {SEVERITY_TEXT[s]} <span className="chip-count">{formatCount(counts.bySeverity[s])}</span>
            </button>
          ))}
        </div>
        <div className="chip-group" role="group" aria-label="Kind">
          {ALERT_KINDS.map((k) => (
            <button
              key={k}
              type="button"
              className={`filter-chip${counts.byKind[k] === 0 ? ' empty' : ''}`}
              aria-pressed={filter.kinds.includes(k)}
              onClick={() => onFilter({ ...filter, kinds: toggle(filter.kinds, k) })}
              title={KIND_HELP[k]}
            >
              {kindShort(k)} <span className="chip-count">{formatCount(counts.byKind[k])}</span>
            </button>
          ))}
        </div>
        <label className="check-toggle">
          <input type="checkbox" checked={filter.showAcknowledged} onChange={(e) => onFilter({ ...filter, showAcknowledged: e.target.checked })} />
          Show acknowledged
        </label>
        {filtering && (
          <button type="button" className="button small ghost" onClick={() => onFilter({ ...filter, severities: [], kinds: [] })}>
            Clear filters
          </button>
        )}
        <span className="shown" aria-live="polite">
          {alerts.phase === 'ready' && (
            <>
              <strong>{formatCount(visible.length)}</strong> {filter.showAcknowledged ? 'alerts' : 'unacknowledged'}
              {filtering ? ' match' : ''}
            </>
          )}
        </span>
        <EngineControls />
      </div>
      {notices}
      <main className="main">
        <section className="view alerts" aria-label="Alerts">
          <AlertsHead alerts={alerts} onNote={setNote} />
          <AlertList
            alerts={alerts}
            visible={visible}
            total={all.length}
            filtering={filtering}
            showAcknowledged={filter.showAcknowledged}
            selectedId={selectedId}
            onSelect={select}
            onShowAll={() => onFilter({ ...DEFAULT_ALERT_FILTER, showAcknowledged: true })}
          />
          {note !== null && (
            <div className={`action-note${note.error ? ' error' : ''}`} role="status">
              {note.text}
            </div>
          )}
        </section>
        {detailOpen && selectedId !== null ? (
          <AlertDetail
            ref={detailRef}
            key={selectedId}
            id={selectedId}
            alert={selected}
            onClose={() => onDetailOpen(false)}
            onAcknowledge={acknowledge}
            onEnd={onEnd}
            onNote={setNote}
          />
        ) : (
          <aside className="detail empty" aria-label="No alert open">
            <p>{selectedId === null ? 'Select an alert to see who did it, its parent processes and its sockets, and to trust, acknowledge or snooze it.' : 'Press Enter to open the selected alert.'}</p>
            <p className="hint">
              <kbd>↑</kbd> <kbd>↓</kbd> move · <kbd>A</kbd> acknowledge · <kbd>Enter</kbd> details · <kbd>Esc</kbd> close
            </p>
          </aside>
        )}
      </main>
    </>
  );
}

/** Warnings, the learning state and the notifications switch, above the list. */
function AlertsHead({ alerts, onNote }: { alerts: AlertsSnapshot; onNote: (n: { text: string; error: boolean }) => void }) {
  const { status, phase } = alerts;
  if (phase !== 'ready' || status === null) return null;
  return (
    <div className="alerts-head">
      {status.warnings.map((w) => (
        <div key={w} className="alert-warning" role="alert">
          <span className="alert-warning-icon" aria-hidden="true">
            ⚠
          </span>
          <div>
            <strong>Portwatch needs you to know:</strong> {w}
          </div>
        </div>
      ))}
      <div className="alerts-status">
        <LearningLine learning={status.learning} learningUntil={status.learningUntil} onNote={onNote} />
        <div className="alerts-status-actions">
          <AcknowledgeAll active={status.unacknowledged} onNote={onNote} />
          <NotificationSwitch />
        </div>
      </div>
    </div>
  );
}

function AcknowledgeAll({ active, onNote }: { active: number; onNote: (n: { text: string; error: boolean }) => void }) {
  const store = useStore();
  const [busy, setBusy] = useState(false);
  if (active === 0) return null;
  return (
    <button
      type="button"
      className="button small"
      disabled={busy}
      title="Mark every active alert as seen (snoozed ones too)"
      onClick={async () => {
        setBusy(true);
        try {
          const n = await store.api.acknowledgeAllAlerts();
          onNote({ text: `Acknowledged ${formatCount(n)} alert${n === 1 ? '' : 's'}`, error: false });
        } catch (e) {
          onNote({ text: `Could not acknowledge: ${errorText(e)}`, error: true });
        } finally {
          setBusy(false);
        }
      }}
    >
      Acknowledge all ({formatCount(active)})
    </button>
  );
}

const DEFAULT_LEARN_S = 60;

/** "Learning what is normal — 42 s left", or the baseline and a way to learn again. */
function LearningLine({ learning, learningUntil, onNote }: { learning: boolean; learningUntil: number | null; onNote: (n: { text: string; error: boolean }) => void }) {
  const store = useStore();
  const now = useNow();
  const inputId = useId();
  const [trust, setTrust] = useState<TrustState | null>(null);
  const [asking, setAsking] = useState(false);
  const [seconds, setSeconds] = useState(String(DEFAULT_LEARN_S));
  const [busy, setBusy] = useState(false);

  // The baseline grows while learning: read it again whenever learning starts or stops.
  useEffect(() => {
    let live = true;
    store.api.getTrustState().then(
      (t) => live && setTrust(t),
      () => live && setTrust(null),
    );
    return () => {
      live = false;
    };
  }, [store, learning]);

  const n = Number(seconds);
  const secondsOk = seconds.trim() !== '' && Number.isFinite(n) && n >= 1 && n <= MAX_LEARN_SECONDS;

  async function learn(s: number) {
    setBusy(true);
    try {
      await store.api.startLearning(s);
      setAsking(false);
      onNote({ text: s === 0 ? 'Stopped learning: alerts are on' : `Learning for ${formatDuration(s * 1000)}`, error: false });
    } catch (e) {
      onNote({ text: `Could not ${s === 0 ? 'stop' : 'start'} learning: ${errorText(e)}`, error: true });
    } finally {
      setBusy(false);
    }
  }

  if (learning) {
    const left = learningUntil === null ? null : learningUntil - now;
    return (
      <div className="learning-line learning" role="status">
        <span className="learning-icon" aria-hidden="true" />
        <span className="learning-text">
          <strong>Learning what is normal</strong>
          {left !== null && left > 0 ? (
            <>
              {' '}
              — <span className="num">{formatDuration(left)}</span> left; alerts start after that.
            </>
          ) : (
            ' — finishing with the next poll; alerts start then.'
          )}{' '}
          <span className="dim">Everything seen meanwhile becomes the baseline.</span>
        </span>
        <button type="button" className="button small" disabled={busy} onClick={() => void learn(0)}>
          Stop learning
        </button>
      </div>
    );
  }

  const b = trust?.baselineSize;
  return (
    <div className="learning-line">
      <span className="on-mark" aria-hidden="true">
        ●
      </span>
      <span className="learning-text">
        <strong>Alerts are on.</strong>{' '}
        {trust !== null && !asking && (
          <span className="dim">
            {b ? `Learned ${formatCount(b.processes)} programs, ${formatCount(b.listeners)} listeners, ${formatCount(b.destinations)} destinations` : 'Nothing learned yet'}
            {` · ${formatCount(trust.rules.length)} rule${trust.rules.length === 1 ? '' : 's'}`}
            {trust.watchClosely.length > 0 && ` · ${formatCount(trust.watchClosely.length)} watched closely`}
          </span>
        )}
      </span>
      {asking ? (
        <form
          className="relearn"
          onSubmit={(e) => {
            e.preventDefault();
            if (secondsOk) void learn(n);
          }}
        >
          <label htmlFor={inputId}>Learn for</label>
          <input
            id={inputId}
            type="number"
            min={1}
            max={MAX_LEARN_SECONDS}
            value={seconds}
            aria-invalid={!secondsOk}
            onChange={(e) => setSeconds(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') setAsking(false);
            }}
            autoFocus
          />
          <span>seconds</span>
          <button type="submit" className="button small primary" disabled={!secondsOk || busy}>
            Start learning
          </button>
          <button type="button" className="button small ghost" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <button type="button" className="button small" onClick={() => setAsking(true)} title="Everything seen for a while becomes the baseline, without alerts">
          Re-learn…
        </button>
      )}
    </div>
  );
}

/** The browser mode's "Enable desktop notifications": shown only while the browser has not been asked. */
function NotificationSwitch() {
  const notifier = useNotifier();
  const permission = useNotificationPermission();
  if (notifier === null || permission === null) return null;
  if (permission === 'granted') {
    return (
      <span className="dim notify-on" title="New alerts of medium or high severity show as desktop notifications while this page is open">
        Desktop notifications on
      </span>
    );
  }
  if (permission !== 'default') return null;
  return (
    <button
      type="button"
      className="button small"
      onClick={() => void notifier.requestPermission()}
      title="New alerts of medium or high severity show as desktop notifications while this page is open"
    >
      <BellIcon /> Enable desktop notifications
    </button>
  );
}

function BellIcon() {
  return (
    <svg width="12" height="12" viewBox="0 0 12 12" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" aria-hidden="true">
      <path d="M3 8.5V5.2a3 3 0 0 1 6 0v3.3l1 1H2z" />
      <path d="M4.9 10.6a1.2 1.2 0 0 0 2.2 0" strokeLinecap="round" />
    </svg>
  );
}

interface AlertListProps {
  alerts: AlertsSnapshot;
  visible: readonly Alert[];
  total: number;
  filtering: boolean;
  showAcknowledged: boolean;
  selectedId: string | null;
  onSelect: (id: string) => void;
  onShowAll: () => void;
}

const HEADERS: { label: string; cls: string }[] = [
  { label: 'Severity', cls: 'a-sev' },
  { label: 'Kind', cls: 'a-kind' },
  { label: 'What happened', cls: 'a-msg' },
  { label: 'Process', cls: 'a-proc' },
  { label: 'PID', cls: 'a-pid num' },
  { label: 'When', cls: 'a-when num' },
  { label: 'State', cls: 'a-state' },
];

function AlertList({ alerts, visible, total, filtering, showAcknowledged, selectedId, onSelect, onShowAll }: AlertListProps) {
  let message: ReactNode = null;
  if (alerts.phase === 'disabled') {
    message = (
      <div className="alerts-empty" role="status">
        <h2>Alerts are off in this Portwatch</h2>
        <p>{alerts.problem}</p>
        <p className="dim">Start it without --no-alerts to be told about programs, listeners and connections nobody has seen before.</p>
      </div>
    );
  } else if (alerts.phase === 'loading') {
    message =
      alerts.problem !== null ? (
        <div className="alerts-empty error" role="alert">
          <p>{alerts.problem}</p>
        </div>
      ) : (
        <div className="alerts-empty" role="status">
          <p>
            <span className="spinner" aria-hidden="true" /> Reading the alerts…
          </p>
        </div>
      );
  } else if (total === 0) {
    message = (
      <div className="alerts-empty" role="status">
        <h2>
          <span className="ok-mark" aria-hidden="true">
            ✓
          </span>{' '}
          No alerts
        </h2>
        <p className="dim">
          {alerts.status?.learning
            ? 'Portwatch is learning what is normal on this machine; alerts start when it is done.'
            : 'Portwatch raises one when a program it has not seen before uses the network, a new port opens, another machine connects in, or something scans this machine.'}
        </p>
      </div>
    );
  } else if (visible.length === 0) {
    message = (
      <div className="alerts-empty" role="status">
        <p>
          {filtering ? 'No alerts match these filters.' : showAcknowledged ? 'No alerts.' : 'Nothing to look at: every alert has been acknowledged.'}{' '}
          <button type="button" className="link-button" onClick={onShowAll}>
            Show all {formatCount(total)}
          </button>
        </p>
      </div>
    );
  }

  return (
    <div className="alert-list" role="grid" aria-label="Alerts" aria-rowcount={visible.length + 1} aria-busy={alerts.phase === 'loading'}>
      <div className="alert-row head" role="row" aria-rowindex={1}>
        {HEADERS.map((h) => (
          <div key={h.label} role="columnheader" className={`c ${h.cls}`}>
            {h.label}
          </div>
        ))}
      </div>
      <div role="rowgroup">
        {visible.map((a, i) => (
          <AlertRow key={a.id} alert={a} index={i} selected={a.id === selectedId} onSelect={onSelect} />
        ))}
      </div>
      {message}
    </div>
  );
}

const AlertRow = memo(function AlertRow({ alert: a, index, selected, onSelect }: { alert: Alert; index: number; selected: boolean; onSelect: (id: string) => void }) {
  const acknowledged = a.acknowledgedAt !== null;
  const tone = SEVERITY_TONE[a.severity];
  return (
    <div
      className={`alert-row row sev-${tone}${selected ? ' selected' : ''}${acknowledged ? ' acknowledged' : ' unread'}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-alert-id={a.id}
      data-kind={a.kind}
      data-severity={a.severity}
      data-state={acknowledged ? 'acknowledged' : 'active'}
      onMouseDown={() => onSelect(a.id)}
    >
      <div role="gridcell" className="c a-sev">
        <SeverityPill severity={a.severity} />
      </div>
      <div role="gridcell" className="c a-kind" title={KIND_HELP[a.kind]}>
        {kindShort(a.kind)}
      </div>
      <div role="gridcell" className="c a-msg" title={a.message}>
        {a.message}
      </div>
      <div role="gridcell" className="c a-proc" title={a.process?.exe ?? undefined}>
        {a.process?.name ?? <span className="dim">{a.kind === 'port-scan' ? (a.scan?.remoteAddress ?? 'kernel counters') : 'not visible'}</span>}
      </div>
      <div role="gridcell" className="c a-pid num">
        {a.pid ?? <span className="dim">—</span>}
      </div>
      <div role="gridcell" className="c a-when num" title={formatDateTime(a.at)}>
        <AgoText since={a.at} />
      </div>
      <div role="gridcell" className="c a-state">
        <AlertState alert={a} />
      </div>
    </div>
  );
});

function AgoText({ since }: { since: number }) {
  const now = useNow();
  return <>{formatAge(now - since)} ago</>;
}

/** "Acknowledged", "Snoozed · 14 min", or nothing for an active alert. */
export function AlertState({ alert }: { alert: Alert }) {
  const now = useNow();
  if (alert.acknowledgedAt !== null) {
    return (
      <span className="a-acked" title={`Acknowledged ${formatDateTime(alert.acknowledgedAt)}`}>
        ✓ Acknowledged
      </span>
    );
  }
  if (isSnoozed(alert, now)) {
    return (
      <span className="a-snoozed" title={`Snoozed until ${formatDateTime(alert.snoozedUntil)}`}>
        Snoozed · {formatDuration(alert.snoozedUntil! - now)}
      </span>
    );
  }
  return <span className="a-active">New</span>;
}
