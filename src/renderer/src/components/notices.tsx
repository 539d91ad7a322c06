// What is wrong or unusual, said plainly above the table: a lost connection, a failing poll, a
// paused monitor, sockets whose owners Portwatch cannot see.
import { useState, type ReactElement } from 'react';
import type { StoreSnapshot } from '../store.js';
import { formatCount } from '../format.js';

/** Enough sockets without an owner that the table would mislead without saying why. */
export function manyUnattributed(snap: Pick<StoreSnapshot, 'status' | 'counts'>): boolean {
  const warned = snap.status?.warnings?.unattributed ?? 0;
  const n = snap.counts.unattributed;
  return warned > 0 && (n >= 10 || (n >= 3 && n / Math.max(1, snap.counts.sockets) >= 0.1));
}

export function Notices({ snap }: { snap: StoreSnapshot }) {
  const [hideRights, setHideRights] = useState(false);
  const { connection, status, error, phase } = snap;
  const notices: ReactElement[] = [];

  if (connection === 'lost') {
    notices.push(
      <div key="lost" className="notice warn" role="alert">
        <span className="spinner" aria-hidden="true" />
        Lost the connection to Portwatch; reconnecting…
        {phase === 'ready' && <span className="notice-detail">The rows below are as they were when it dropped.</span>}
      </div>,
    );
  }
  if (error !== null && connection === 'open') {
    notices.push(
      <div key="error" className="notice error" role="alert">
        {error}
      </div>,
    );
  }
  if (status?.error) {
    const times = status.consecutiveFailures > 1 ? ` (${status.consecutiveFailures} polls in a row)` : '';
    notices.push(
      <div key="status-error" className="notice error" role="alert">
        <strong>Reading the socket tables failed{times}:</strong> {status.error}
        {status.state === 'backing-off' && <span className="notice-detail">Portwatch is waiting a little longer before it tries again.</span>}
      </div>,
    );
  }
  if (status?.state === 'paused' && connection === 'open') {
    notices.push(
      <div key="paused" className="notice info" role="status">
        Paused: the list stays as it is until you resume.
      </div>,
    );
  }
  if (!hideRights && manyUnattributed(snap)) {
    notices.push(
      <div key="rights" className="notice warn" role="status">
        Portwatch cannot see other users' processes; run it with more rights to attribute them.
        <span className="notice-detail">{formatCount(snap.counts.unattributed)} sockets have no process.</span>
        <button type="button" className="icon-button notice-close" onClick={() => setHideRights(true)} aria-label="Dismiss">
          ×
        </button>
      </div>,
    );
  }
  if (notices.length === 0) return null;
  return <div className="notices">{notices}</div>;
}
