// "End process…": a confirmation that says exactly which process (name, pid, user, command line,
// working directory, the ports it holds), then SIGTERM and, after the grace period, SIGKILL — done by
// the engine, which checks the pid's start time again right before each signal. The outcome, or the
// engine's refusal, is said in the dialog in the engine's words.
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { EndProcessResult } from '../../../shared/api.js';
import type { Socket } from '../../../shared/model.js';
import { errorText } from '../errors.js';
import { formatCount, formatDateTime } from '../format.js';
import { useStore } from '../hooks.js';
import { endOutcomeDetail, endOutcomeText, endpointText } from '../ports-text.js';
import { Field } from './fields.js';

/** The process to end, as the user saw it. */
export interface EndTarget {
  pid: number;
  name: string;
  user: string | null;
  cmdline: string;
  /** With pid, its identity; null when the OS would not say (then it cannot be ended from here). */
  startedAt: number | null;
  /** The port the user came from: its lookup tells the working directory. */
  port: number | null;
  /** Already known (from a lookup): null when the OS will not say; undefined to ask. */
  cwd?: string | null;
}

export function endTargetOf(s: Pick<Socket, 'pid' | 'process' | 'localPort'>): EndTarget | null {
  if (s.pid === null) return null;
  return {
    pid: s.pid,
    name: s.process?.name ?? `pid ${s.pid}`,
    user: s.process?.user ?? null,
    cmdline: s.process?.cmdline ?? '',
    startedAt: s.process?.startedAt ?? null,
    port: s.localPort,
  };
}

export const DEFAULT_GRACE_S = 3;
export const MAX_GRACE_S = 60;

type Phase = { step: 'confirm' } | { step: 'ending' } | { step: 'done'; result: EndProcessResult } | { step: 'failed'; error: string };


const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), [href], [tabindex]:not([tabindex="-1"])';

export function EndProcessDialog({ target, onClose }: { target: EndTarget; onClose: () => void }) {
  const store = useStore();
  const titleId = useId();
  const descId = useId();
  const graceId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);

  // What it holds, as the table shows it now; read once, when the dialog opens.
  const [held] = useState(() => {
    const listening: Socket[] = [];
    let others = 0;
    for (const row of store.getSnapshot().rows.values()) {
      const s = row.socket;
      if (s.pid !== target.pid || row.flag === 'closing') continue;
      if (s.listening) listening.push(s);
      else others++;
    }
    listening.sort((a, b) => a.localPort - b.localPort || a.family - b.family || a.protocol.localeCompare(b.protocol));
    return { listening, others };
  });

  const [cwd, setCwd] = useState<string | null | undefined>(target.cwd);
  useEffect(() => {
    if (target.cwd !== undefined || target.port === null) return;
    let live = true;
    store.api.lookupPort(target.port).then(
      (lookup) => live && setCwd(lookup.processes.find((p) => p.pid === target.pid)?.cwd ?? null),
      () => live && setCwd(null),
    );
    return () => {
      live = false;
    };
  }, [store, target.cwd, target.port, target.pid]);

  const [graceText, setGraceText] = useState(String(DEFAULT_GRACE_S));
  const grace = graceText.trim() === '' ? NaN : Number(graceText);
  const graceOk = Number.isFinite(grace) && grace >= 0 && grace <= MAX_GRACE_S;
  const graceMs = graceOk ? Math.round(grace * 1000) : DEFAULT_GRACE_S * 1000;
  const [phase, setPhase] = useState<Phase>({ step: 'confirm' });
  const canEnd = target.startedAt !== null && graceOk && phase.step === 'confirm';

  useEffect(() => {
    const before = document.activeElement;
    cancelRef.current?.focus();
    return () => {
      if (before instanceof HTMLElement && before.isConnected) before.focus();
    };
  }, []);

  useEffect(() => {
    if (phase.step === 'done' || phase.step === 'failed') closeRef.current?.focus();
  }, [phase.step]);

  async function end() {
    if (!canEnd || target.startedAt === null) return;
    setPhase({ step: 'ending' });
    try {
      const result = await store.api.endProcess({ pid: target.pid, startedAt: target.startedAt, graceMs });
      setPhase({ step: 'done', result });
    } catch (e) {
      setPhase({ step: 'failed', error: errorText(e) });
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    // The page behind is inert while the dialog is open: its shortcuts do not hear these keys.
    e.stopPropagation();
    if (e.key === 'Escape') {
      e.preventDefault();
      if (phase.step !== 'ending') onClose();
      return;
    }
    if (e.key !== 'Tab') return;
    const focusable = [...(dialogRef.current?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? [])];
    if (focusable.length === 0) {
      e.preventDefault();
      return;
    }
    const first = focusable[0]!;
    const last = focusable[focusable.length - 1]!;
    const active = document.activeElement;
    const inside = active instanceof Node && dialogRef.current?.contains(active);
    if (e.shiftKey && (active === first || !inside)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !inside)) {
      e.preventDefault();
      first.focus();
    }
  }

  const finished = phase.step === 'done' || phase.step === 'failed';
  const who = `${target.name} (pid ${target.pid})`;
  // The title follows what happened: a question only while it is one.
  const title =
    phase.step === 'done'
      ? phase.result.outcome === 'killed' && !phase.result.exited
        ? `${who} is still running`
        : phase.result.outcome === 'already-gone'
          ? `${who} had already exited`
          : `${who} has ended`
      : phase.step === 'failed'
        ? `Could not end ${who}`
        : phase.step === 'ending'
          ? `Ending ${who}…`
          : `End ${who}?`;

  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget && phase.step !== 'ending') onClose();
      }}
    >
      <div ref={dialogRef} className="modal end-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} aria-describedby={descId} onKeyDown={onKeyDown}>
        <header className="modal-head">
          <span className="modal-icon danger" aria-hidden="true">
            <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round">
              <path d="M8 1.8v5.4" />
              <path d="M4.6 3.9a5.2 5.2 0 1 0 6.8 0" />
            </svg>
          </span>
          <div>
            <h2 id={titleId}>{title}</h2>
            <p id={descId} className="modal-sub">
              {phase.step === 'done'
                ? 'Done: the outcome is below.'
                : phase.step === 'failed'
                  ? 'Portwatch could not end it: the reason is below.'
                  : 'Check that this is the process you mean. Anything it has not saved is lost.'}
            </p>
          </div>
        </header>
        <div className="modal-body">
          <dl className={`end-facts${phase.step === 'done' && phase.result.exited ? ' ended' : ''}`}>
            <Field label="Process">
              <strong>{target.name}</strong>
            </Field>
            <Field label="PID">
              <span className="mono">{target.pid}</span>
            </Field>
            <Field label="User">{target.user ?? <span className="dim">unknown</span>}</Field>
            <Field label="Started">{target.startedAt === null ? <span className="dim">unknown</span> : formatDateTime(target.startedAt)}</Field>
            <Field label="Command line">
              {target.cmdline ? <code className="cmdline">{target.cmdline}</code> : <span className="dim">not readable</span>}
            </Field>
            <Field label="Working dir">
              {cwd === undefined ? (
                <span className="dim">reading…</span>
              ) : cwd === null ? (
                <span className="dim">not readable (another user’s process, or not Linux)</span>
              ) : (
                <code className="cmdline">{cwd}</code>
              )}
            </Field>
            <Field label="Listening on">
              {held.listening.length === 0 ? (
                <span className="dim">no listening port</span>
              ) : (
                <span className="port-chips">
                  {held.listening.map((s) => (
                    <span key={s.id} className="chip mono">
                      {endpointText(s)}
                    </span>
                  ))}
                </span>
              )}
            </Field>
          </dl>
          {held.others > 0 && (
            <p className="end-note">
              It also has {formatCount(held.others)} other connection{held.others === 1 ? '' : 's'} open (as a client, or serving clients): ending it closes{' '}
              {held.others === 1 ? 'it' : 'them'} too.
            </p>
          )}
          {target.startedAt === null && (
            <p className="end-note error" role="alert">
              Portwatch does not know when this process started, so it cannot check that pid {target.pid} is still the same process: it will not end it.
            </p>
          )}
          <div className="grace">
            <label htmlFor={graceId}>Grace period</label>
            <input
              id={graceId}
              type="number"
              min={0}
              max={MAX_GRACE_S}
              step={1}
              inputMode="decimal"
              value={graceText}
              disabled={phase.step !== 'confirm'}
              aria-invalid={!graceOk}
              onChange={(e) => setGraceText(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') e.preventDefault();
              }}
            />
            <span>seconds</span>
            {!graceOk && (
              <span className="grace-error" role="alert">
                0 to {MAX_GRACE_S} seconds
              </span>
            )}
          </div>
          <p className="grace-help">Portwatch sends SIGTERM, then SIGKILL if it is still running after the grace period.</p>
          {phase.step === 'done' && (
            <div className={`outcome ${phase.result.outcome === 'killed' ? (phase.result.exited ? 'warn' : 'error') : phase.result.outcome === 'already-gone' ? 'info' : 'ok'}`} role="status">
              <strong>{endOutcomeText(phase.result, target.name, graceMs)}</strong>
              <span>{endOutcomeDetail(phase.result)}</span>
            </div>
          )}
          {phase.step === 'failed' && (
            <div className="outcome error" role="alert">
              {phase.error}
            </div>
          )}
        </div>
        <footer className="modal-foot">
          {finished ? (
            <button ref={closeRef} type="button" className="button" onClick={onClose}>
              Close
            </button>
          ) : (
            <>
              <button ref={cancelRef} type="button" className="button" onClick={onClose} disabled={phase.step === 'ending'}>
                Cancel
              </button>
              <button type="button" className="button danger" onClick={() => void end()} disabled={!canEnd}>
                {phase.step === 'ending' ? (
                  <>
                    <span className="spinner small" aria-hidden="true" /> Ending…
                  </>
                ) : (
                  'End process'
                )}
              </button>
            </>
          )}
        </footer>
      </div>
    </div>
  );
}
