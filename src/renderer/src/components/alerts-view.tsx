// The Alerts view: what Portwatch raised about programs, listeners and connections nobody had seen
// before, newest first. A toolbar of filters (search, severity, kind, acknowledged), a line saying
// whether Portwatch is still learning what is normal (and the engine's warnings, which must not be
// missed), the dense list — alerts of one kind from one program are one row with a count, expandable
// (alert-groups.ts) — and the selected alert's detail beside it, with what can be done about it.
// Keys: Ctrl+F search, ↑ ↓ move, → ← expand and collapse a group, A acknowledges (a whole group on
// its row), Enter opens the detail, Esc closes it.
import { memo, useCallback, useEffect, useId, useMemo, useRef, useState, type ReactNode, type RefObject } from 'react';
import type { Alert, AlertKind, Severity, TrustState } from '../../../shared/alerts.js';
import { ALERT_KINDS, isSnoozed, MAX_LEARN_SECONDS, SEVERITIES } from '../../../shared/alerts.js';
import { alertHeadline, groupAlerts, groupHeadline, matchAlert, type AlertGroup, type Headline } from '../alert-groups.js';
import { formatDuration, KIND_HELP, kindShort, kindTitle, ownerLine, SEVERITY_TEXT, SEVERITY_TONE } from '../alert-text.js';
import { newestFirst, type AlertsSnapshot } from '../alerts-store.js';
import { errorText } from '../errors.js';
import { formatAge, formatCount, formatDateTime } from '../format.js';
import { useViewCommitMark } from '../commit-marks.js';
import { useAlerts, useNotificationPermission, useNotifier, useNow, useSnapshot, useStore } from '../hooks.js';
import { exportAlerts } from '../../../shared/export.js';
import { ExportMenu } from './export-menu.js';
import { AlertDetail, SeverityPill } from './alert-detail.js';
import type { EndTarget } from './end-process-dialog.js';
import { isTypingTarget, useRowNavigation } from './grid.js';
import { EngineControls } from './header.js';
import { SearchBox } from './search-box.js';

export interface AlertFilterState {
  /** Empty: every severity. */
  severities: readonly Severity[];
  /** Empty: every kind. */
  kinds: readonly AlertKind[];
  showAcknowledged: boolean;
  /** Words the alert must contain (message, program, pid, ports, addresses); '' for all. */
  query: string;
}

export const DEFAULT_ALERT_FILTER: AlertFilterState = { severities: [], kinds: [], showAcknowledged: false, query: '' };

/** The alerts a filter shows, in the order given (newest first). */
export function filterAlerts(list: readonly Alert[], f: AlertFilterState): Alert[] {
  return list.filter(
    (a) =>
      (f.showAcknowledged || a.acknowledgedAt === null) &&
      (f.severities.length === 0 || f.severities.includes(a.severity)) &&
      (f.kinds.length === 0 || f.kinds.includes(a.kind)) &&
      matchAlert(a, f.query),
  );
}

/** What the list shows: a lone alert, a group's row, or an alert inside an expanded group. */
export type AlertItem = { type: 'alert'; id: string; alert: Alert; member: boolean } | { type: 'group'; id: string; group: AlertGroup; expanded: boolean };

export const groupItemId = (key: string) => `group:${key}`;

/** The list's rows: groups of more than one alert are one row, followed by their members when expanded. */
export function alertItems(groups: readonly AlertGroup[], expanded: ReadonlySet<string>): AlertItem[] {
  const items: AlertItem[] = [];
  for (const g of groups) {
    if (g.alerts.length === 1) {
      items.push({ type: 'alert', id: g.alerts[0]!.id, alert: g.alerts[0]!, member: false });
      continue;
    }
    const open = expanded.has(g.key);
    items.push({ type: 'group', id: groupItemId(g.key), group: g, expanded: open });
    if (open) for (const a of g.alerts) items.push({ type: 'alert', id: a.id, alert: a, member: true });
  }
  return items;
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
  /** The search box, for Ctrl+F. */
  searchRef?: RefObject<HTMLInputElement | null>;
  /** The notices under the toolbar (the same as every view's). */
  notices: ReactNode;
}

/** Toolbar, notices, list and detail of the Alerts tab. */
export function AlertsWorkspace({ filter, onFilter, selectedId, onSelect, detailOpen, onDetailOpen, onEnd, searchRef, notices }: AlertsWorkspaceProps) {
  const store = useStore();
  const alerts = useAlerts();
  const [note, setNote] = useState<{ text: string; error: boolean } | null>(null);
  const detailRef = useRef<HTMLElement>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const localSearch = useRef<HTMLInputElement>(null);

  // version says when the Map (updated in place) changed.
  const all = useMemo(() => newestFirst(alerts.alerts), [alerts.alerts, alerts.version]);
  const visible = useMemo(() => filterAlerts(all, filter), [all, filter]);
  const groups = useMemo(() => groupAlerts(visible), [visible]);
  const groupsByKey = useMemo(() => new Map(groups.map((g) => [g.key, g])), [groups]);
  const items = useMemo(() => alertItems(groups, expanded), [groups, expanded]);
  useViewCommitMark(items, { view: 'alerts', rows: items.length });
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

  const itemsRef = useRef(items);
  itemsRef.current = items;
  const groupsRef = useRef(groupsByKey);
  groupsRef.current = groupsByKey;
  const filterRef = useRef(filter);
  filterRef.current = filter;

  /**
   * Acknowledges one alert, or every unacknowledged alert of a group (id "group:…"); when it leaves
   * the list, the selection moves on to the next row.
   */
  const acknowledge = useCallback(
    async (id: string) => {
      const list = itemsRef.current;
      const at = list.findIndex((it) => it.id === id);
      const group = id.startsWith('group:') ? groupsRef.current.get(id.slice(6)) : undefined;
      const ids = group ? group.alerts.filter((a) => a.acknowledgedAt === null).map((a) => a.id) : [id];
      const held = store.alerts.getSnapshot().alerts;
      const todo = ids.filter((x) => (held.get(x)?.acknowledgedAt ?? null) === null);
      if (todo.length === 0) return;
      try {
        const done = await Promise.all(todo.map((x) => store.api.acknowledgeAlert(x)));
        for (const a of done) store.alerts.put(a);
        const first = done[0]!;
        setNote({
          text: done.length === 1 ? `Acknowledged: ${kindTitle(first.kind).toLowerCase()} — ${ownerLine(first)}` : `Acknowledged ${formatCount(done.length)} alerts: ${kindTitle(first.kind).toLowerCase()} — ${ownerLine(first)}`,
          error: false,
        });
        if (!filterRef.current.showAcknowledged && at >= 0) {
          const next = list.slice(at + 1).find((it) => !(it.type === 'alert' && it.member && group !== undefined && todo.includes(it.id))) ?? list[at - 1];
          if (next !== undefined) onSelect(next.id);
        }
      } catch (e) {
        setNote({ text: `Could not acknowledge: ${errorText(e)}`, error: true });
      }
    },
    [store, onSelect],
  );

  const toggleGroup = useCallback((key: string, open?: boolean) => {
    setExpanded((prev) => {
      const has = prev.has(key);
      if (open === has) return prev;
      const next = new Set(prev);
      if (has) next.delete(key);
      else next.add(key);
      return next;
    });
  }, []);

  const scrollToId = useCallback((id: string) => {
    document.querySelector(`[data-alert-id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, []);

  useRowNavigation({
    ids: () => itemsRef.current.map((it) => it.id),
    selectedId,
    onSelect: (id) => onSelect(id),
    scrollToId,
    pageSize: () => 15,
  });

  // A acknowledges the selected alert (or group); Enter opens its detail; Escape closes it; → ← expand
  // and collapse the selected group.
  const keyState = useRef({ selectedId, detailOpen, acknowledge, onDetailOpen, toggleGroup });
  keyState.current = { selectedId, detailOpen, acknowledge, onDetailOpen, toggleGroup };
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
      } else if ((e.key === 'ArrowRight' || e.key === 'ArrowLeft') && id.startsWith('group:') && !onControl) {
        e.preventDefault();
        keyState.current.toggleGroup(id.slice(6), e.key === 'ArrowRight');
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

  const filtering = filter.severities.length > 0 || filter.kinds.length > 0 || filter.query.trim() !== '';
  const selectedGroup = selectedId !== null && selectedId.startsWith('group:') ? (groupsByKey.get(selectedId.slice(6)) ?? null) : null;
  // A group's detail is its newest alert's, with the group's own actions above it.
  const detailId = selectedGroup !== null ? selectedGroup.alerts[0]!.id : selectedId;
  const selected = detailId === null ? null : (alerts.alerts.get(detailId) ?? null);

  return (
    <>
      <div className="toolbar alerts-toolbar" role="toolbar" aria-label="Alert filters">
        <SearchBox
          inputRef={searchRef ?? localSearch}
          className="alert-search"
          label="Search alerts"
          placeholder="Search: program, port, address, pid"
          value={filter.query}
          onChange={(query) => onFilter({ ...filter, query })}
        />
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
          <button type="button" className="button small ghost" onClick={() => onFilter({ ...filter, severities: [], kinds: [], query: '' })}>
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
          <AlertsHead alerts={alerts} shown={visible} onNote={setNote} />
          <AlertList
            alerts={alerts}
            items={items}
            total={all.length}
            filtering={filtering}
            showAcknowledged={filter.showAcknowledged}
            selectedId={selectedId}
            onSelect={select}
            onToggleGroup={toggleGroup}
            onShowAll={() => onFilter({ ...DEFAULT_ALERT_FILTER, showAcknowledged: true })}
          />
          {note !== null && (
            <div className={`action-note${note.error ? ' error' : ''}`} role="status">
              {note.text}
            </div>
          )}
        </section>
        {/* With nothing open the list takes the whole width. */}
        {detailOpen && detailId !== null && (
          <AlertDetail
            ref={detailRef}
            key={detailId}
            id={detailId}
            alert={selected}
            onClose={() => onDetailOpen(false)}
            onAcknowledge={acknowledge}
            onEnd={onEnd}
            onNote={setNote}
            group={
              selectedGroup === null
                ? undefined
                : { count: selectedGroup.alerts.length, unacknowledged: selectedGroup.unacknowledged, what: groupHeadline(selectedGroup), onAcknowledgeAll: () => acknowledge(groupItemId(selectedGroup.key)) }
            }
          />
        )}
      </main>
    </>
  );
}

/** Warnings, the learning state, export of the alerts shown and the notifications switch, above the list. */
function AlertsHead({ alerts, shown, onNote }: { alerts: AlertsSnapshot; shown: readonly Alert[]; onNote: (n: { text: string; error: boolean }) => void }) {
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
          <ExportMenu what="alerts" unit="alert" disabled={shown.length === 0} make={(format, takenAt) => exportAlerts(shown, format, takenAt)} />
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
  const online = useSnapshot().connection === 'open';
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

  if (!online) {
    return (
      <div className="learning-line offline" role="status">
        <span className="off-mark" aria-hidden="true">
          ●
        </span>
        <span className="learning-text">
          <strong>Offline:</strong> <span className="dim">the page has lost Portwatch; alerts raised meanwhile show when it reconnects.</span>
        </span>
      </div>
    );
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
  items: readonly AlertItem[];
  total: number;
  filtering: boolean;
  showAcknowledged: boolean;
  selectedId: string | null;
  onSelect: (id: string) => void;
  onToggleGroup: (key: string, open?: boolean) => void;
  onShowAll: () => void;
}

const HEADERS: { label: string; cls: string }[] = [
  { label: 'Severity', cls: 'a-sev' },
  { label: 'Kind', cls: 'a-kind' },
  { label: 'What happened', cls: 'a-msg' },
  { label: 'PID', cls: 'a-pid num' },
  { label: 'When', cls: 'a-when num' },
  { label: 'State', cls: 'a-state' },
];

function AlertList({ alerts, items, total, filtering, showAcknowledged, selectedId, onSelect, onToggleGroup, onShowAll }: AlertListProps) {
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
  } else if (items.length === 0) {
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
    <div className="alert-list" role="grid" aria-label="Alerts" aria-rowcount={items.length + 1} aria-busy={alerts.phase === 'loading'}>
      <div className="alert-row head table-head" role="row" aria-rowindex={1}>
        {HEADERS.map((h) => (
          <div key={h.label} role="columnheader" className={`c ${h.cls}`}>
            {h.label}
          </div>
        ))}
      </div>
      <div role="rowgroup">
        {items.map((it, i) =>
          it.type === 'group' ? (
            <GroupRow key={it.id} item={it} index={i} selected={it.id === selectedId} onSelect={onSelect} onToggle={onToggleGroup} />
          ) : (
            <AlertRow key={it.id} alert={it.alert} member={it.member} index={i} selected={it.id === selectedId} onSelect={onSelect} />
          ),
        )}
      </div>
      {message}
    </div>
  );
}

/** "8000/tcp  python3  listens on all interfaces": the port and the program first, then what. */
function HeadlineText({ h, title }: { h: Headline; title: string }) {
  return (
    <span className="headline" title={title}>
      {h.port !== null && <span className="h-port">{h.port}</span>}
      <span className="h-who">{h.who}</span>
      <span className="h-what">{h.what}</span>
    </span>
  );
}

const AlertRow = memo(function AlertRow({ alert: a, member, index, selected, onSelect }: { alert: Alert; member: boolean; index: number; selected: boolean; onSelect: (id: string) => void }) {
  const acknowledged = a.acknowledgedAt !== null;
  const tone = SEVERITY_TONE[a.severity];
  return (
    <div
      className={`alert-row row sev-${tone}${selected ? ' selected' : ''}${acknowledged ? ' acknowledged' : ' unread'}${member ? ' member' : ''}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      aria-level={member ? 2 : undefined}
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
      <div role="gridcell" className="c a-msg">
        <HeadlineText h={alertHeadline(a)} title={a.message} />
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

const GroupRow = memo(function GroupRow({
  item,
  index,
  selected,
  onSelect,
  onToggle,
}: {
  item: Extract<AlertItem, { type: 'group' }>;
  index: number;
  selected: boolean;
  onSelect: (id: string) => void;
  onToggle: (key: string, open?: boolean) => void;
}) {
  const g = item.group;
  const newest = g.alerts[0]!;
  const tone = SEVERITY_TONE[g.severity];
  const pids = new Set(g.alerts.map((a) => a.pid));
  const n = g.alerts.length;
  return (
    <div
      className={`alert-row row group-row sev-${tone}${selected ? ' selected' : ''}${g.unacknowledged > 0 ? ' unread' : ' acknowledged'}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      aria-expanded={item.expanded}
      data-group={g.key}
      data-kind={g.kind}
      data-count={n}
      onMouseDown={() => onSelect(item.id)}
    >
      <div role="gridcell" className="c a-sev">
        <SeverityPill severity={g.severity} />
      </div>
      <div role="gridcell" className="c a-kind" title={KIND_HELP[g.kind]}>
        <button
          type="button"
          className="group-expander"
          aria-label={`${item.expanded ? 'Collapse' : 'Expand'} ${n} alerts: ${kindShort(g.kind).toLowerCase()} — ${g.who}`}
          onMouseDown={(e) => e.stopPropagation()}
          onClick={() => onToggle(g.key)}
        >
          <span className="chevron" aria-hidden="true">
            {item.expanded ? '▾' : '▸'}
          </span>
          {kindShort(g.kind)}
          <span className="group-count">{formatCount(n)}</span>
        </button>
      </div>
      <div role="gridcell" className="c a-msg">
        <HeadlineText h={groupHeadline(g)} title={`${n} alerts of this kind from ${g.who}; the newest: ${newest.message}`} />
      </div>
      <div role="gridcell" className="c a-pid num">
        {pids.size === 1 ? (newest.pid ?? <span className="dim">—</span>) : <span className="dim">{pids.size} pids</span>}
      </div>
      <div role="gridcell" className="c a-when num" title={formatDateTime(newest.at)}>
        <AgoText since={newest.at} />
      </div>
      <div role="gridcell" className="c a-state">
        {g.unacknowledged === 0 ? (
          <span className="a-acked">✓ Acknowledged</span>
        ) : g.unacknowledged === n ? (
          <span className="a-active">{formatCount(n)} new</span>
        ) : (
          <span className="a-active">
            {formatCount(g.unacknowledged)} of {formatCount(n)} new
          </span>
        )}
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
