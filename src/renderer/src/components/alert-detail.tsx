// One alert, explained: what happened and how bad, the evidence, the process with its parent chain
// (from the engine's explainAlert: itself, its parent, … up to pid 1, "gone" where one has exited) and
// the sockets involved. And what can be done: trust what it is about (this program, this listener,
// this destination — only those that apply), acknowledge it, snooze it, watch the program closely,
// or end the process (the same confirmation as everywhere else).
import { useEffect, useId, useRef, useState, type Ref } from 'react';
import type { Alert, AlertExplanation, Severity, TrustState } from '../../../shared/alerts.js';
import type { ProcessInfo } from '../../../shared/model.js';
import {
  defaultChoice,
  formatDuration,
  KIND_HELP,
  kindTitle,
  noTrustReason,
  programName,
  scanEvidence,
  SEVERITY_TEXT,
  SEVERITY_TONE,
  SNOOZES,
  trustChoices,
  type TrustChoiceId,
} from '../alert-text.js';
import { isSnoozed } from '../../../shared/alerts.js';
import { programKey } from '../../../shared/trust-rules.js';
import { errorText } from '../errors.js';
import { formatAge, formatDateTime, protoLabel } from '../format.js';
import { useNow, useStore } from '../hooks.js';
import type { Headline } from '../alert-groups.js';
import { Endpoint, stateClass } from './columns.js';
import { ContextMenu } from './context-menu.js';
import type { EndTarget } from './end-process-dialog.js';
import { Field, none } from './fields.js';

type Note = { text: string; error: boolean };

export interface AlertDetailProps {
  ref?: Ref<HTMLElement>;
  id: string;
  /** The alert as the alerts store holds it; null when it is older than what the page keeps. */
  alert: Alert | null;
  onClose: () => void;
  onAcknowledge: (id: string) => Promise<void>;
  onEnd: (target: EndTarget) => void;
  onNote: (note: Note) => void;
  /** When the list's row is a group: what it holds, and acknowledging all of it. */
  group?: { count: number; unacknowledged: number; what: Headline; onAcknowledgeAll: () => void };
}

export function SeverityPill({ severity }: { severity: Severity }) {
  return <span className={`sev-pill sev-${SEVERITY_TONE[severity]}`}>{SEVERITY_TEXT[severity]}</span>;
}

const SEV_ICON = { high: '!', medium: '!', low: 'i' } as const;


export function AlertDetail({ ref, id, alert: fromStore, onClose, onAcknowledge, onEnd, onNote, group }: AlertDetailProps) {
  const store = useStore();
  const now = useNow();
  const [explained, setExplained] = useState<{ loading: boolean; data: AlertExplanation | null; error: string | null }>({ loading: true, data: null, error: null });
  // What a request answered with, for an alert the store does not hold.
  const [local, setLocal] = useState<Alert | null>(null);
  const [trusting, setTrusting] = useState(false);
  const [snoozeMenu, setSnoozeMenu] = useState<{ x: number; y: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const snoozeRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let live = true;
    store.api.explainAlert(id).then(
      (data) => live && setExplained({ loading: false, data, error: null }),
      (e: unknown) => live && setExplained({ loading: false, data: null, error: errorText(e) }),
    );
    return () => {
      live = false;
    };
  }, [store, id]);

  const alert = fromStore ?? local ?? explained.data?.alert ?? null;

  if (alert === null) {
    return (
      <aside className="detail alert-detail" aria-label="Alert details" ref={ref} tabIndex={-1}>
        <header className="detail-head">
          <h2 className="dim">Alert</h2>
          <CloseButton onClose={onClose} />
        </header>
        {explained.loading ? (
          <p className="empty-line">
            <span className="spinner" aria-hidden="true" /> Reading the alert…
          </p>
        ) : (
          <p className={explained.error ? 'notice error inline' : 'empty-line'}>{explained.error ?? 'This alert is no longer in the alert log.'}</p>
        )}
      </aside>
    );
  }

  const acknowledged = alert.acknowledgedAt !== null;
  const snoozed = isSnoozed(alert, now);
  const tree = explained.data?.processTree ?? null;
  const self = tree === null ? undefined : (tree[0] ?? null);
  const gone = tree !== null && alert.process !== null && self === null;
  const p = alert.process;
  const canTrust = trustChoices(alert).length > 0;
  const endTarget: EndTarget | null =
    p === null || alert.pid === null ? null : { pid: alert.pid, name: p.name, user: p.user, cmdline: p.cmdline, startedAt: p.startedAt, port: alert.sockets[0]?.localPort ?? null };

  async function snooze(ms: number, label: string) {
    setBusy(true);
    try {
      const next = await store.api.snoozeAlert(alert!.id, ms);
      store.alerts.put(next);
      setLocal(next);
      onNote({ text: `Snoozed for ${label}`, error: false });
    } catch (e) {
      onNote({ text: `Could not snooze: ${errorText(e)}`, error: true });
    } finally {
      setBusy(false);
    }
  }

  return (
    <aside className={`detail alert-detail sev-${SEVERITY_TONE[alert.severity]}`} aria-label="Alert details" ref={ref} tabIndex={-1} data-alert-id={alert.id}>
      <header className="detail-head">
        <div className="detail-title">
          <span className={`sev-icon sev-${SEVERITY_TONE[alert.severity]}`} aria-hidden="true">
            {SEV_ICON[alert.severity]}
          </span>
          <h2 title={KIND_HELP[alert.kind]}>{kindTitle(alert.kind)}</h2>
          <SeverityPill severity={alert.severity} />
        </div>
        <CloseButton onClose={onClose} />
      </header>
      <p className="alert-when">
        {formatDateTime(alert.at)} <span className="dim">({formatAge(now - alert.at)} ago)</span>
        {' · '}
        {acknowledged ? (
          <span className="a-acked" data-testid="alert-state">
            ✓ Acknowledged {formatDateTime(alert.acknowledgedAt).slice(11)}
          </span>
        ) : snoozed ? (
          <span className="a-snoozed" data-testid="alert-state">
            Snoozed until {formatDateTime(alert.snoozedUntil).slice(11)} ({formatDuration(alert.snoozedUntil! - now)} left)
          </span>
        ) : (
          <span className="a-active" data-testid="alert-state">
            Not acknowledged
          </span>
        )}
      </p>
      {group !== undefined && (
        <div className="group-banner" role="note">
          <span>
            <strong>{group.what.what}</strong> from {group.what.who}. The newest is shown below.
          </span>
          <button type="button" className="button small" disabled={group.unacknowledged === 0} onClick={group.onAcknowledgeAll} title="Mark every alert of this group as seen (A)">
            Acknowledge all {group.unacknowledged > 0 ? group.unacknowledged : ''} <kbd>A</kbd>
          </button>
        </div>
      )}
      <p className="alert-message">{alert.message}</p>

      <div className="alert-actions" role="group" aria-label="Actions">
        <button
          type="button"
          className={`button small${canTrust ? ' primary' : ''}`}
          aria-expanded={trusting}
          onClick={() => setTrusting((t) => !t)}
          title={canTrust ? 'Trust what this alert is about, so it stays quiet from now on' : 'Nothing here can be trusted: see why'}
        >
          Trust…
        </button>
        <button type="button" className="button small" disabled={acknowledged || busy} onClick={() => void onAcknowledge(alert.id)} title="Mark as seen (A)">
          Acknowledge <kbd>A</kbd>
        </button>
        <button
          ref={snoozeRef}
          type="button"
          className="button small"
          aria-haspopup="menu"
          aria-expanded={snoozeMenu !== null}
          disabled={acknowledged || busy}
          onClick={() => {
            const box = snoozeRef.current?.getBoundingClientRect();
            setSnoozeMenu({ x: box?.left ?? 0, y: box?.bottom ?? 0 });
          }}
          title="Hide it from the active count for a while; it comes back by itself"
        >
          Snooze <span aria-hidden="true">▾</span>
        </button>
        {endTarget !== null && (
          <button
            type="button"
            className="button small danger-outline"
            disabled={gone}
            title={gone ? 'It has exited already' : `End ${endTarget.name} (pid ${endTarget.pid})`}
            onClick={() => onEnd(endTarget)}
          >
            End process…
          </button>
        )}
      </div>
      {trusting && <TrustPanel alert={alert} onDone={() => setTrusting(false)} onNote={onNote} />}
      <WatchClosely alert={alert} onNote={onNote} />

      {alert.kind === 'port-scan' && (
        <section>
          <h3>Evidence</h3>
          <ul className="evidence">
            {scanEvidence(alert).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        </section>
      )}

      {p !== null && (
        <section>
          <h3>
            Process {gone && <span className="pill closed">exited</span>}
          </h3>
          <dl>
            <Field label="Name">{p.name}</Field>
            <Field label="PID" mono>
              {p.pid}
            </Field>
            <Field label="Executable" mono>
              {p.exe ?? <span className="dim">hidden from Portwatch (known by name only)</span>}
            </Field>
            <Field label="Command line" mono>
              {p.cmdline ? <span className="cmdline">{p.cmdline}</span> : none}
            </Field>
            <Field label="User">
              {p.user ?? none}
              {p.uid !== null && <span className="dim"> (uid {p.uid})</span>}
            </Field>
            <Field label="Started">{p.startedAt !== null ? formatDateTime(p.startedAt) : none}</Field>
          </dl>
        </section>
      )}
      {p === null && alert.kind !== 'port-scan' && (
        <section>
          <h3>Process</h3>
          <p className="hint">Portwatch cannot see the process behind this (another user’s; run Portwatch as root to name it).</p>
        </section>
      )}

      {p !== null && (
        <section>
          <h3>Parent chain</h3>
          <ProcessChain tree={tree} error={explained.error} process={p} />
        </section>
      )}

      <section>
        <h3>Sockets {alert.sockets.length > 0 && <span className="title-count">{alert.sockets.length}</span>}</h3>
        {alert.sockets.length === 0 ? (
          <p className="hint">No socket: {alert.kind === 'port-scan' ? 'only the kernel’s counters saw this.' : 'none was recorded with the alert.'}</p>
        ) : (
          <table className="mini-table alert-sockets" aria-label="Sockets of this alert">
            <thead>
              <tr>
                <th>Proto</th>
                <th>Local</th>
                <th>Remote</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {alert.sockets.map((s) => (
                <tr key={s.id} data-id={s.id}>
                  <td className="mono">{protoLabel(s)}</td>
                  <td className="mono c-local">
                    <Endpoint address={s.localAddress} port={s.localPort} />
                  </td>
                  <td className="mono c-remote">
                    <Endpoint address={s.remoteAddress} port={s.remotePort} />
                  </td>
                  <td>
                    <span className={stateClass(s)}>{s.state}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <p className="hint alert-id">
        Alert <span className="mono">{alert.id}</span>
      </p>
      {snoozeMenu !== null && (
        <ContextMenu
          x={snoozeMenu.x}
          y={snoozeMenu.y}
          label="Snooze for"
          items={SNOOZES.map((s) => ({ id: String(s.ms), label: `Snooze for ${s.label}`, onSelect: () => void snooze(s.ms, s.label) }))}
          onClose={() => setSnoozeMenu(null)}
        />
      )}
    </aside>
  );
}

function CloseButton({ onClose }: { onClose: () => void }) {
  return (
    <button type="button" className="icon-button" onClick={onClose} aria-label="Close details" title="Close details (Esc)">
      ×
    </button>
  );
}

/** Itself first, then its parent, … up to pid 1; "gone" where a process has exited since. */
function ProcessChain({ tree, error, process }: { tree: Array<ProcessInfo | null> | null; error: string | null; process: ProcessInfo }) {
  if (error !== null) return <p className="hint">Could not read the parent chain: {error}</p>;
  if (tree === null) {
    return (
      <p className="empty-line">
        <span className="spinner small" aria-hidden="true" /> Reading the parent chain…
      </p>
    );
  }
  if (tree.length === 0) return <p className="hint">Not known.</p>;
  return (
    <ol className="process-chain" aria-label="Parent chain">
      {tree.map((p, i) => (
        <li key={i} className={p === null ? 'gone' : undefined} data-pid={p?.pid}>
          <span className="chain-mark" aria-hidden="true" />
          {p === null ? (
            <span className="dim">
              {i === 0 ? `${process.name} (pid ${process.pid}) has exited` : i === 1 && process.ppid !== null ? `pid ${process.ppid} — gone (exited)` : 'gone (exited)'}
            </span>
          ) : (
            <>
              <strong>{p.name}</strong> <span className="mono dim">pid {p.pid}</span>
              {p.user !== null && <span className="dim"> · {p.user}</span>}
              {i === 0 && <span className="chain-self"> this process</span>}
              {p.exe !== null && <span className="chain-exe mono">{p.exe}</span>}
            </>
          )}
        </li>
      ))}
    </ol>
  );
}

/** "Trust…": the rules that apply, what each allows, whether it clears this alert; one click to trust. */
function TrustPanel({ alert, onDone, onNote }: { alert: Alert; onDone: () => void; onNote: (note: Note) => void }) {
  const store = useStore();
  const choices = trustChoices(alert);
  const [choice, setChoice] = useState<TrustChoiceId | null>(() => defaultChoice(alert, choices));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const name = useId();
  const picked = choices.find((c) => c.id === choice) ?? null;

  async function trust() {
    if (picked === null) return;
    setBusy(true);
    setError(null);
    try {
      const r = await store.api.trust(picked.rule);
      const n = r.acknowledged.length;
      onNote({
        text:
          `${r.added ? 'Trusted' : 'Already trusted'}: ${picked.label.toLowerCase()} (${programName(picked.rule.exe)})` +
          (n > 0 ? ` — ${n} alert${n === 1 ? '' : 's'} acknowledged` : '') +
          (picked.clears ? '' : '; this alert stays until you acknowledge it'),
        error: false,
      });
      onDone();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  if (choices.length === 0) {
    return (
      <div className="trust-panel" role="region" aria-label="Trust">
        <p className="trust-none">{noTrustReason(alert)}</p>
        <div className="trust-foot">
          <button type="button" className="button small" onClick={onDone}>
            Close
          </button>
        </div>
      </div>
    );
  }

  return (
    <form
      className="trust-panel"
      aria-label="Trust"
      onSubmit={(e) => {
        e.preventDefault();
        void trust();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onDone();
        }
      }}
    >
      <p className="trust-lead">Trust, so it stays quiet from now on (across restarts):</p>
      <div role="radiogroup" aria-label="What to trust" className="trust-choices">
        {choices.map((c) => (
          <label key={c.id} className={`trust-choice${choice === c.id ? ' picked' : ''}`} data-choice={c.id}>
            <input type="radio" name={name} value={c.id} checked={choice === c.id} onChange={() => setChoice(c.id)} />
            <span className="trust-text">
              <span className="trust-label">
                {c.label}
                {c.clears ? <span className="trust-tag clears">clears this alert</span> : <span className="trust-tag">does not clear this alert</span>}
              </span>
              <span className="trust-detail">{c.detail}</span>
            </span>
          </label>
        ))}
      </div>
      {error !== null && (
        <p className="control-error" role="alert">
          {error}
        </p>
      )}
      <div className="trust-foot">
        <button type="button" className="button small ghost" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="button small primary" disabled={picked === null || busy}>
          {picked === null ? 'Trust' : `Trust ${picked.label.toLowerCase()}`}
        </button>
      </div>
    </form>
  );
}

/** Watching a program closely makes every destination it was not known to use an alert. */
function WatchClosely({ alert, onNote }: { alert: Alert; onNote: (note: Note) => void }) {
  const store = useStore();
  const key = programKey(alert.process);
  const [state, setState] = useState<TrustState | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (key === null) return;
    let live = true;
    store.api.getTrustState().then(
      (t) => live && setState(t),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [store, key]);

  if (key === null) return null;
  const on = state?.watchClosely.includes(key) ?? false;
  return (
    <label className="watch-closely" title="Alert whenever it connects to a destination it was not known to use (what it has open now counts as known)">
      <input
        type="checkbox"
        checked={on}
        disabled={state === null || busy}
        onChange={async (e) => {
          const next = e.target.checked;
          setBusy(true);
          try {
            await store.api.setWatchClosely(key, next);
            setState(await store.api.getTrustState());
            onNote({ text: next ? `Watching ${programName(key)} closely` : `No longer watching ${programName(key)} closely`, error: false });
          } catch (err) {
            onNote({ text: `Could not change that: ${errorText(err)}`, error: true });
          } finally {
            setBusy(false);
          }
        }}
      />
      <span>
        Watch {programName(key)} closely <span className="dim">— alert on every new destination it connects to</span>
      </span>
    </label>
  );
}
