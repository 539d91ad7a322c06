// The About box: what Portwatch is, and credit for the data it ships (shared/attribution.ts).
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { DATA_CREDITS } from '../../../shared/attribution.js';

export function AboutDialog({ onClose }: { onClose: () => void }): ReactNode {
  const titleId = useId();
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => closeRef.current?.focus(), []);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal about-dialog" role="dialog" aria-modal="true" aria-labelledby={titleId} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <header className="modal-head">
          <h2 id={titleId}>About Portwatch</h2>
        </header>
        <div className="modal-body">
          <p>What on this machine is talking to the network, and should it be.</p>
          <p>Names and owners of addresses come from data shipped with Portwatch; no lookup leaves this machine but reverse DNS, which can be turned off.</p>
          <ul className="credits">
            {DATA_CREDITS.map((c) => (
              <li key={c.what}>
                <strong>{c.what}</strong>: {c.source}. Licence: {c.licence}. <span className="dim">{c.url}</span>
              </li>
            ))}
          </ul>
        </div>
        <footer className="modal-foot">
          <button ref={closeRef} type="button" className="button" onClick={onClose}>
            Close
          </button>
        </footer>
      </div>
    </div>
  );
}
