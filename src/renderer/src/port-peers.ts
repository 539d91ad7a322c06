// The port lookup's summaries: who is on the other end of a port's connections, counted, before any
// list of sockets. A busy port has thousands of clients from a handful of programs and addresses; the
// summary is what a user reads, the list is for looking one up.
import type { Socket } from '../../shared/model.js';
import { formatHost, stateLabel } from '../../shared/model.js';

export interface PeerSummary {
  key: string;
  /** The program ("curl · pid 777") or the address ("192.168.1.77"). */
  label: string;
  /** Said under the label: "this machine", "user ada", the command line. */
  detail: string | null;
  count: number;
  /** Connections per state, most first. */
  states: readonly { state: string; count: number }[];
}

function summarise(sockets: readonly Socket[], keyOf: (s: Socket) => { key: string; label: string; detail: string | null }): PeerSummary[] {
  const groups = new Map<string, { label: string; detail: string | null; count: number; states: Map<string, number> }>();
  for (const s of sockets) {
    const { key, label, detail } = keyOf(s);
    let g = groups.get(key);
    if (g === undefined) {
      g = { label, detail, count: 0, states: new Map() };
      groups.set(key, g);
    }
    g.count++;
    const state = stateLabel(s);
    g.states.set(state, (g.states.get(state) ?? 0) + 1);
  }
  return [...groups]
    .map(([key, g]) => ({
      key,
      label: g.label,
      detail: g.detail,
      count: g.count,
      states: [...g.states].map(([state, count]) => ({ state, count })).sort((a, b) => b.count - a.count || a.state.localeCompare(b.state)),
    }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}

/** The port's own connections (accepted by its server), by the address they come from. */
export function connectionsByAddress(holders: readonly Socket[]): PeerSummary[] {
  return summarise(
    holders.filter((s) => !s.listening && s.remoteAddress !== null),
    (s) => ({ key: s.remoteAddress!, label: formatHost(s.remoteAddress!), detail: null }),
  );
}

/** This machine's clients of the port, by the program that holds them. */
export function clientsByProcess(clients: readonly Socket[]): PeerSummary[] {
  return summarise(clients, (s) =>
    s.pid === null
      ? { key: 'none', label: 'No process', detail: 'closing, or another user’s' }
      : { key: `pid:${s.pid}`, label: `${s.process?.name ?? '?'} · pid ${s.pid}`, detail: s.process?.cmdline || null },
  );
}

/** "ESTABLISHED 4,900 · TIME_WAIT 80" */
export function statesText(states: PeerSummary['states'], format: (n: number) => string): string {
  return states.map((s) => `${s.state} ${format(s.count)}`).join(' · ');
}
