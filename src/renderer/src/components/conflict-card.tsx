// One port conflict as a card: what kind, how bad, the engine's explanation, the sockets and their
// processes, and what to do about it (look the port up, end one of the processes).
import { memo } from 'react';
import type { Conflict } from '../../../shared/api.js';
import { formatEndpoint } from '../../../shared/model.js';
import type { Socket } from '../../../shared/model.js';
import { formatDateTime, protoLabel } from '../format.js';
import { useNow } from '../hooks.js';
import { conflictTitle, formatSeconds, joinWords, ownerText, SEVERITY_LABEL } from '../ports-text.js';
import { stateClass } from './columns.js';
import { endTargetOf, type EndTarget } from './end-process-dialog.js';

export interface ConflictCardProps {
  conflict: Conflict;
  onLookup: (port: number) => void;
  onEnd: (target: EndTarget) => void;
}

const SEVERITY_ICON = { info: 'i', warning: '⚠', danger: '!' } as const;

/** One entry per process among the sockets, in the order they first appear. */
function processesOf(sockets: readonly Socket[]): Socket[] {
  const seen = new Set<number>();
  const out: Socket[] = [];
  for (const s of sockets) {
    if (s.pid === null || seen.has(s.pid)) continue;
    seen.add(s.pid);
    out.push(s);
  }
  return out;
}

function ClockIcon() {
  return (
    <svg className="line-icon" width="12" height="12" viewBox="0 0 12 12" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" aria-hidden="true">
      <circle cx="6" cy="6" r="4.9" />
      <path d="M6 3.2V6l1.9 1.3" />
    </svg>
  );
}

function ClearsBy({ at }: { at: number }) {
  const now = useNow();
  const left = at - now;
  return (
    <>
      Clears by <strong>{formatDateTime(at).slice(11)}</strong>
      {left > 0 ? <span className="dim"> (in {formatSeconds(Math.ceil(left / 1000) * 1000)})</span> : <span className="dim"> (should be clear now)</span>}
    </>
  );
}

function StillBusyLine({ conflict }: { conflict: Conflict }) {
  if (conflict.clearsBy === undefined) return null;
  if (conflict.clearsBy !== null) {
    return (
      <p className="conflict-line clears">
        <ClockIcon /> <ClearsBy at={conflict.clearsBy} />
      </p>
    );
  }
  const waiting = processesOf(conflict.sockets.filter((s) => s.state === 'CLOSE_WAIT'));
  return (
    <p className="conflict-line clears">
      <ClockIcon /> Clears when {waiting.length > 0 ? <strong>{joinWords(waiting.map(ownerText))}</strong> : 'its process'} closes{' '}
      {waiting.length > 1 ? 'their' : 'its'} sockets or exits.
    </p>
  );
}

function LocalhostLine({ conflict }: { conflict: Conflict }) {
  if (conflict.localhostReaches === undefined) return null;
  const r = conflict.localhostReaches;
  if (r === null) {
    return (
      <p className="conflict-line reaches">
        <span aria-hidden="true">→</span> “localhost” does not resolve on this machine: clients must use 127.0.0.1:{conflict.port} or [::1]:{conflict.port}.
      </p>
    );
  }
  const who = r.pid === null ? 'a process Portwatch cannot see' : `${r.name ?? 'a process'} (pid ${r.pid})`;
  return (
    <p className="conflict-line reaches">
      <span aria-hidden="true">→</span> <span className="mono">localhost:{conflict.port}</span> reaches <strong>{who}</strong>
      <span className="dim">
        {' '}
        on {formatEndpoint(r.boundAddress, conflict.port)} — this machine resolves localhost to {r.address} (IPv{r.family}) first
      </span>
    </p>
  );
}

export const ConflictCard = memo(function ConflictCard({ conflict: c, onLookup, onEnd }: ConflictCardProps) {
  const title = conflictTitle(c);
  const titleId = `conflict-${c.id.replace(/[^\w-]/g, '_')}`;
  const processes = processesOf(c.sockets);
  return (
    <article className={`conflict-card sev-${c.severity}`} aria-labelledby={titleId} data-conflict={c.kind} data-port={c.port}>
      <header className="conflict-head">
        <span className={`sev-icon sev-${c.severity}`} aria-hidden="true">
          {SEVERITY_ICON[c.severity]}
        </span>
        <h3 id={titleId} title={c.summary}>
          {title}
        </h3>
        <span className={`chip sev-chip sev-${c.severity}`}>{SEVERITY_LABEL[c.severity]}</span>
        <span className="chip">{c.protocol.toUpperCase()}</span>
        <span className="spacer" />
        <button type="button" className="button small" onClick={() => onLookup(c.port)}>
          Look up port {c.port}
        </button>
      </header>
      {c.possibleHijack && (
        <div className="hijack" role="note">
          <strong>
            <span aria-hidden="true">⚠</span> Possible port hijack.
          </strong>{' '}
          These processes run as different users on the same address and port: one of them may be receiving traffic meant for the other’s server. Make sure each of them is supposed
          to be there.
        </div>
      )}
      <LocalhostLine conflict={c} />
      <StillBusyLine conflict={c} />
      <p className="explanation">{c.explanation}</p>
      <table className="mini-table" aria-label={`Sockets of: ${title}`}>
        <thead>
          <tr>
            <th>Proto</th>
            <th>Local address</th>
            <th>State</th>
            <th>Process</th>
            <th className="num">PID</th>
            <th>User</th>
          </tr>
        </thead>
        <tbody>
          {c.sockets.map((s) => (
            <tr key={s.id} data-id={s.id}>
              <td className="mono">{protoLabel(s)}</td>
              <td className="mono">
                {formatEndpoint(s.localAddress, s.localPort)}
                {s.remoteAddress !== null && <span className="dim"> → {formatEndpoint(s.remoteAddress, s.remotePort)}</span>}
              </td>
              <td>
                <span className={stateClass(s)}>{s.state}</span>
              </td>
              <td title={s.process?.cmdline || undefined}>
                {s.process?.name ?? <span className="dim">{s.pid !== null ? `pid ${s.pid}` : s.inode === 0 ? 'no process' : 'not visible'}</span>}
              </td>
              <td className="num">{s.pid ?? <span className="dim">—</span>}</td>
              <td>{s.process?.user ?? <span className="dim">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {processes.length > 0 && (
        <footer className="conflict-actions">
          {processes.map((s) => {
            const target = endTargetOf(s);
            if (target === null) return null;
            return (
              <button key={s.pid} type="button" className="button small danger-outline" onClick={() => onEnd({ ...target, port: c.port })}>
                End {target.name} (pid {target.pid})…
              </button>
            );
          })}
        </footer>
      )}
    </article>
  );
});
