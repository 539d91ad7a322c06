// Small marks the socket tables and panels share: how exposed a listening port is, and that a socket
// is part of a port conflict.
import type { AddressScope } from '../../../shared/address.js';
import type { Conflict } from '../../../shared/api.js';
import { worstSeverity } from '../../../shared/conflicts.js';
import { formatHost } from '../../../shared/model.js';
import { conflictTitle } from '../ports-text.js';

const SCOPE_NAME: Record<Exclude<AddressScope, 'all' | 'loopback'>, string> = {
  public: 'public',
  private: 'private',
  'link-local': 'link-local',
};

export function ExposureBadge({ address, scope }: { address: string; scope: AddressScope }) {
  if (scope === 'all') {
    return (
      <span className="badge exposed" title="Reachable on every network interface of this machine">
        <span aria-hidden="true">⚠</span> all interfaces
      </span>
    );
  }
  if (scope === 'loopback') return <span className="badge loopback">loopback only</span>;
  return (
    <span className={`badge named ${scope}`} title={`Reachable on ${address} only (a ${SCOPE_NAME[scope]} address)`}>
      <span className="badge-scope">{SCOPE_NAME[scope]}</span>
      <span className="badge-addr">{formatHost(address)}</span>
    </span>
  );
}

/** A small mark by the port of a socket in a port conflict; the Ports view explains it. */
export function ConflictMark({ conflicts }: { conflicts: readonly Conflict[] }) {
  const worst = worstSeverity(conflicts);
  const titles = conflicts.map(conflictTitle).join('; ');
  return (
    <span className={`conflict-mark sev-${worst}`} title={`Port conflict: ${titles}. The Ports view explains it.`} aria-label={`Port conflict: ${titles}`} role="img">
      ⚠
    </span>
  );
}
