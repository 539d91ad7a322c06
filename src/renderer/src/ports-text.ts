// How port conflicts, verdicts and the end of a process read on screen.
import { normaliseAddress, unmapped } from '../../shared/address.js';
import type { BindVerdict, Conflict, ConflictSeverity, EndProcessResult, PortProcess } from '../../shared/api.js';
import type { Socket } from '../../shared/model.js';
import { formatEndpoint, formatHost } from '../../shared/model.js';

const WILDCARDS = new Set(['0.0.0.0', '::']);

function boundAddress(s: Pick<Socket, 'localAddress'>): string {
  return unmapped(normaliseAddress(s.localAddress));
}

export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** Distinct owners among the sockets: a socket whose owner Portwatch cannot see counts as one. */
export function holderCount(c: Pick<Conflict, 'pids' | 'sockets'>): number {
  return c.pids.length + (c.sockets.some((s) => s.pid === null) ? 1 : 0);
}

/** The card title: what kind of trouble, on which port, in a few words. */
export function conflictTitle(c: Conflict): string {
  const P = c.protocol.toUpperCase();
  switch (c.kind) {
    case 'localhost-split':
      return `localhost split on port ${c.port} (${P})`;
    case 'dual-stack-split':
      return `IPv4 and IPv6 split on port ${c.port} (${P})`;
    case 'shared-port':
      return `Port ${c.port} shared by ${holderCount(c)} processes${c.protocol === 'udp' ? ' (UDP)' : ''}`;
    case 'wildcard-specific': {
      const wild = new Set<string>();
      const specific = new Set<string>();
      for (const s of c.sockets) (WILDCARDS.has(boundAddress(s)) ? wild : specific).add(boundAddress(s));
      const ends = (set: Set<string>) => joinWords([...set].map((a) => formatEndpoint(a, c.port)));
      return `${ends(wild)} shadows ${ends(specific)}${c.protocol === 'udp' ? ' (UDP)' : ''}`;
    }
    case 'still-busy':
      return `Port ${c.port} still busy`;
  }
}

export const SEVERITY_LABEL: Record<ConflictSeverity, string> = { info: 'info', warning: 'warning', danger: 'danger' };

/** "node (pid 123)" for a socket's owner, or what can be said of one Portwatch cannot see. */
export function ownerText(s: Pick<Socket, 'pid' | 'process'>): string {
  if (s.pid === null) return 'a process Portwatch cannot see';
  return `${s.process?.name ?? 'a process'} (pid ${s.pid})`;
}

/** 127.0.0.1 → "loopback, IPv4"; what each bind address of a verdict stands for. */
export function addressMeaning(address: string): string {
  switch (address) {
    case '127.0.0.1':
      return 'loopback, IPv4';
    case '::1':
      return 'loopback, IPv6';
    case '0.0.0.0':
      return 'every IPv4 address';
    case '::':
      return 'every IPv6 address (and IPv4 when dual-stack)';
    default:
      return 'this address only';
  }
}

/** The verdict's text without its leading word, which the badge already says ("by node (pid 1)"). */
export function verdictDetail(v: BindVerdict): string {
  if (v.verdict === 'taken') return v.text.replace(/^taken /, '');
  const rest = v.text.replace(/^free\s*/, '').replace(/^\((.*)\)$/, '$1');
  return rest;
}

/** Distinct processes a verdict names: more than one means clients are split between them. */
export function verdictHolders(v: BindVerdict): number {
  return new Set(v.takenBy.map((t) => t.pid ?? 'unknown')).size;
}

export const ROLE_LABEL: Record<PortProcess['role'], string> = {
  listener: 'listener',
  connection: 'connection',
  client: 'client',
};

export const ROLE_HELP: Record<PortProcess['role'], string> = {
  listener: 'Listens on the port (or holds it bound, for UDP)',
  connection: 'Holds accepted or connected sockets on the port, but does not listen on it',
  client: 'A client on this machine connected to the port',
};

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** What happened, in one line: "node (pid 1234) ended". */
export function endOutcomeText(result: EndProcessResult, fallbackName: string, graceMs: number): string {
  const who = `${result.name ?? fallbackName} (pid ${result.pid})`;
  switch (result.outcome) {
    case 'terminated':
      return `${who} ended`;
    case 'already-gone':
      return `${who} was already gone`;
    case 'killed':
      if (!result.exited) return `${who} did not stop on SIGTERM and is still there after SIGKILL: it may be stuck in the kernel`;
      return result.signals[0] === 'SIGKILL' ? `${who} was killed` : `${who} did not stop on SIGTERM; killed after ${formatSeconds(graceMs)}`;
  }
}

/** The detail under the outcome: signals sent and how long it took. */
export function endOutcomeDetail(result: EndProcessResult): string {
  if (result.signals.length === 0) return 'No signal was sent: the process had exited before Portwatch got to it.';
  const took = result.elapsedMs < 1000 ? `${Math.round(result.elapsedMs)} ms` : formatSeconds(result.elapsedMs);
  return `Sent ${joinWords(result.signals)}; ${result.exited ? 'gone' : 'gave up waiting'} after ${took}.`;
}

export function endpointText(s: Pick<Socket, 'localAddress' | 'localPort' | 'protocol' | 'family'>): string {
  return `${s.protocol}${s.family} ${formatHost(s.localAddress)}:${s.localPort}`;
}
