// "Close connection…" (TCPView's): says which connection and which process, then asks the engine to
// abort it (SOCK_DESTROY). The process keeps running; both ends see a reset. The engine's answer — or
// its refusal (not shown, Portwatch's own, no CAP_NET_ADMIN) — is said in the dialog in its words.
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { CloseConnectionResult } from '../../../shared/close-connection.js';
import { closeRequestFor } from '../../../shared/close-connection.js';
import type { Socket } from '../../../shared/model.js';
import { formatEndpoint } from '../../../shared/model.js';
import { errorText } from '../errors.js';
import { useStore } from '../hooks.js';
import { Field } from './fields.js';

type Phase = { step: 'confirm' } | { step: 'closing' } | { step: 'done'; result: CloseConnectionResult } | { step: 'failed'; error: string };

export function CloseConnectionDialog({ socket, onClose }: { socket: Socket; onClose: () => void }) {
  const store = useStore();
  const titleId = useId();
  const descId = useId();
  const cancelRef = useRef<HTMLButtonElement>(null);
  const doneRef = useRef<HTMLButtonElement>(null);
  const [phase, setPhase] = useState<Phase>({ step: 'confirm' });
  const request = closeRequestFor(socket);

  useEffect(() => {
    const before = document.activeElement;
    cancelRef.current?.focus();
    return () => {
      if (before instanceof HTMLElement && before.isConnected) before.focus();
    };
  }, []);
  useEffect(() => {
    if (phase.step === 'done' || phase.step === 'failed') doneRef.current?.focus();
  }, [phase.step]);

  async function close() {
    setPhase({ step: 'closing' });
    try {
      setPhase({ step: 'done', result: await store.api.closeConnection(request) });
    } catch (e) {
      setPhase({ step: 'failed', error: errorText(e) });
    }
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    e.stopPropagation();
    if (e.key === 'Escape' && phase.step !== 'closing') {
      e.preventDefault();
      onClose();
    }
  }

  const finished = phase.step === 'done' || phase.step === 'failed';
  const p = socket.process;
  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget && phase.step !== 'closing') onClose();
      }}
    >
      <div className="modal close-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} aria-describedby={descId} onKeyDown={onKeyDown}>
        <header className="modal-head">
          <span className="modal-icon danger" aria-hidden="true">
            ⨯
          </span>
          <div>
            <h2 id={titleId}>Close this connection?</h2>
            <p id={descId} className="modal-sub">
              The kernel aborts it: both ends see a reset, and {p ? p.name : 'the process'} keeps running. It may connect again.
            </p>
          </div>
        </header>
        <div className="modal-body">
          <dl className="end-facts">
            <Field label="Connection">
              <span className="mono">
                {socket.protocol.toUpperCase()} {formatEndpoint(socket.localAddress, socket.localPort)} → {formatEndpoint(socket.remoteAddress, socket.remotePort)}
              </span>
            </Field>
            <Field label="State">{socket.state}</Field>
            <Field label="Process">
              {p ? (
                <>
                  <strong>{p.name}</strong> <span className="dim">pid {socket.pid}{p.user ? ` · ${p.user}` : ''}</span>
                </>
              ) : (
                <span className="dim">unknown</span>
              )}
            </Field>
            {p?.cmdline ? (
              <Field label="Command line">
                <code className="cmdline">{p.cmdline}</code>
              </Field>
            ) : null}
          </dl>
          {phase.step === 'done' && (
            <div className={`outcome ${phase.result.outcome === 'closed' ? 'ok' : phase.result.outcome === 'not-found' ? 'info' : 'error'}`} role="status">
              <strong>{phase.result.message}</strong>
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
            <button ref={doneRef} type="button" className="button" onClick={onClose}>
              Close
            </button>
          ) : (
            <>
              <button ref={cancelRef} type="button" className="button" onClick={onClose} disabled={phase.step === 'closing'}>
                Cancel
              </button>
              <button type="button" className="button danger" onClick={() => void close()} disabled={phase.step !== 'confirm'}>
                {phase.step === 'closing' ? 'Closing…' : 'Close connection'}
              </button>
            </>
          )}
        </footer>
      </div>
    </div>
  );
}
