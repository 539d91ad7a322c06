// "End process…": a confirmation that says exactly which process (name, pid, user, command line,
// working directory, the ports it holds), then SIGTERM and, after the grace period, SIGKILL — done by
// the engine, which checks the pid's start time again right before each signal. The outcome, or the
// engine's refusal, is said in the dialog in the engine's words.
import { useEffect, useId, useState } from 'react';
import type { EndProcessResult } from '../../../shared/api.js';
import type { Socket } from '../../../shared/model.js';
import { formatCount, formatDateTime } from '../format.js';
import { useStore } from '../hooks.js';
import { endOutcomeDetail, endOutcomeText, endpointText } from '../ports-text.js';
import { ConfirmDialog, useConfirmAction } from './confirm-dialog.js';
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

export function EndProcessDialog({ target, onClose }: { target: EndTarget; onClose: () => void }) {
  const store = useStore();
  const graceId = useId();

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
  const [phase, run] = useConfirmAction<EndProcessResult>();
  const startedAt = target.startedAt;
  const canEnd = startedAt !== null && graceOk;

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
        : phase.step === 'busy'
          ? `Ending ${who}…`
          : `End ${who}?`;

  return (
    <ConfirmDialog
      className="end-dialog"
      icon={
        <svg width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round">
          <path d="M8 1.8v5.4" />
          <path d="M4.6 3.9a5.2 5.2 0 1 0 6.8 0" />
        </svg>
      }
      title={title}
      subtitle={
        phase.step === 'done'
          ? 'Done: the outcome is below.'
          : phase.step === 'failed'
            ? 'Portwatch could not end it: the reason is below.'
            : 'Check that this is the process you mean. Anything it has not saved is lost.'
      }
      phase={phase}
      outcome={(r) => ({
        tone: r.outcome === 'killed' ? (r.exited ? 'warn' : 'error') : r.outcome === 'already-gone' ? 'info' : 'ok',
        content: (
          <>
            <strong>{endOutcomeText(r, target.name, graceMs)}</strong>
            <span>{endOutcomeDetail(r)}</span>
          </>
        ),
      })}
      action={{
        label: 'End process',
        busyLabel: (
          <>
            <span className="spinner small" aria-hidden="true" /> Ending…
          </>
        ),
        enabled: canEnd,
        onAct: () => {
          if (startedAt !== null) void run(() => store.api.endProcess({ pid: target.pid, startedAt, graceMs }));
        },
      }}
      onClose={onClose}
    >
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
    </ConfirmDialog>
  );
}
