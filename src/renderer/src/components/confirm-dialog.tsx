// The frame every "are you sure?" action dialog shares (Close connection, End process): a modal that
// focuses Cancel, keeps Tab inside, closes on Escape or a click outside (not while the action runs),
// and once the engine answered says the outcome (or its refusal, in its words) above one Close button.
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { errorText } from '../errors.js';

/** Where an action dialog is: asking, waiting for the engine, answered, or refused. */
export type ConfirmPhase<R> = { step: 'confirm' } | { step: 'busy' } | { step: 'done'; result: R } | { step: 'failed'; error: string };

/** The phase, and `run` to do the action once (its result or its error becomes the phase). */
export function useConfirmAction<R>(): [ConfirmPhase<R>, (action: () => Promise<R>) => Promise<void>] {
  const [phase, setPhase] = useState<ConfirmPhase<R>>({ step: 'confirm' });
  const run = useCallback(async (action: () => Promise<R>) => {
    setPhase({ step: 'busy' });
    try {
      setPhase({ step: 'done', result: await action() });
    } catch (e) {
      setPhase({ step: 'failed', error: errorText(e) });
    }
  }, []);
  return [phase, run];
}

/** How an outcome reads: its tone (the box's colour) and what it says. */
export interface ConfirmOutcome {
  tone: 'ok' | 'info' | 'warn' | 'error';
  content: ReactNode;
}

export interface ConfirmDialogProps<R> {
  /** The modal's own class, for its width and body styles. */
  className: string;
  icon: ReactNode;
  title: ReactNode;
  subtitle: ReactNode;
  phase: ConfirmPhase<R>;
  outcome: (result: R) => ConfirmOutcome;
  /** The danger button: its words, its words while busy, whether it may be pressed now, what it does. */
  action: { label: ReactNode; busyLabel: ReactNode; enabled: boolean; onAct: () => void };
  onClose: () => void;
  children: ReactNode;
}

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), [href], [tabindex]:not([tabindex="-1"])';

export function ConfirmDialog<R>({ className, icon, title, subtitle, phase, outcome, action, onClose, children }: ConfirmDialogProps<R>) {
  const titleId = useId();
  const descId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const busy = phase.step === 'busy';
  const finished = phase.step === 'done' || phase.step === 'failed';

  useEffect(() => {
    const before = document.activeElement;
    cancelRef.current?.focus();
    return () => {
      if (before instanceof HTMLElement && before.isConnected) before.focus();
    };
  }, []);
  useEffect(() => {
    if (finished) closeRef.current?.focus();
  }, [finished]);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    // The page behind is inert while the dialog is open: its shortcuts do not hear these keys.
    e.stopPropagation();
    if (e.key === 'Escape') {
      e.preventDefault();
      if (!busy) onClose();
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

  const told = phase.step === 'done' ? outcome(phase.result) : null;
  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget && !busy) onClose();
      }}
    >
      <div ref={dialogRef} className={`modal ${className}`} role="dialog" aria-modal="true" aria-labelledby={titleId} aria-describedby={descId} onKeyDown={onKeyDown}>
        <header className="modal-head">
          <span className="modal-icon danger" aria-hidden="true">
            {icon}
          </span>
          <div>
            <h2 id={titleId}>{title}</h2>
            <p id={descId} className="modal-sub">
              {subtitle}
            </p>
          </div>
        </header>
        <div className="modal-body">
          {children}
          {told !== null && (
            <div className={`outcome ${told.tone}`} role="status">
              {told.content}
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
              <button ref={cancelRef} type="button" className="button" onClick={onClose} disabled={busy}>
                Cancel
              </button>
              <button type="button" className="button danger" onClick={action.onAct} disabled={!action.enabled || phase.step !== 'confirm'}>
                {busy ? action.busyLabel : action.label}
              </button>
            </>
          )}
        </footer>
      </div>
    </div>
  );
}
