// The Alerts list as a person reads it: alerts of one kind from one program are one row with a count
// (thirteen loopback listeners of one python3 are one thing to look at, not thirteen), expandable to
// its members; each row leads with the port and the program. Grouping is the view's: the engine raises
// and logs one alert per subject, so acknowledging, trusting and the counts stay exact per alert.
import type { Alert, AlertKind, Severity } from '../../shared/alerts.js';
import { severityRank } from '../../shared/alerts.js';
import { formatEndpoint, formatHost } from '../../shared/model.js';
import { kindLabel } from '../../shared/notify-policy.js';
import { programKey } from '../../shared/trust-rules.js';
import { addressScope } from '../../shared/address.js';
import { SCOPE_LABEL } from './format.js';

export interface AlertGroup {
  /** "kind|program": stable while the group exists. */
  key: string;
  kind: AlertKind;
  /** Who: the program's name, a scan's remote address, or what stands for them. */
  who: string;
  /** The worst severity among the members. */
  severity: Severity;
  /** Newest first. */
  alerts: readonly Alert[];
  /** Members not acknowledged. */
  unacknowledged: number;
}

/** The program an alert is about (or, for a scan, where it came from), as a grouping key and a name. */
export function alertOwner(alert: Alert): { key: string; name: string } {
  if (alert.kind === 'port-scan') {
    const remote = alert.scan?.remoteAddress ?? null;
    return remote === null ? { key: 'scan:kernel', name: 'kernel counters' } : { key: `scan:${remote}`, name: formatHost(remote) };
  }
  const p = alert.process;
  if (p !== null) return { key: programKey(p) ?? `exe:${p.exe ?? p.name}`, name: p.name };
  if (alert.pid !== null) return { key: `pid:${alert.pid}`, name: `pid ${alert.pid}` };
  return { key: 'unknown', name: 'a process Portwatch cannot see' };
}

/**
 * Groups alerts (newest first) by kind and program, in the order of each group's newest member.
 * Port scans are episodes, each one worth its own row: they are grouped by where they came from too.
 */
export function groupAlerts(list: readonly Alert[]): AlertGroup[] {
  const groups = new Map<string, { kind: AlertKind; who: string; alerts: Alert[] }>();
  for (const a of list) {
    const owner = alertOwner(a);
    const key = `${a.kind}|${owner.key}`;
    const g = groups.get(key);
    if (g) g.alerts.push(a);
    else groups.set(key, { kind: a.kind, who: owner.name, alerts: [a] });
  }
  return [...groups].map(([key, g]) => {
    let severity: Severity = 'low';
    let unacknowledged = 0;
    for (const a of g.alerts) {
      if (severityRank(a.severity) > severityRank(severity)) severity = a.severity;
      if (a.acknowledgedAt === null) unacknowledged++;
    }
    return { key, kind: g.kind, who: g.who, severity, alerts: g.alerts, unacknowledged };
  });
}

/** A row's lead: the port (when there is one), the program, and what it did, in a few words. */
export interface Headline {
  port: string | null;
  who: string;
  what: string;
}

function firstListening(a: Alert) {
  return a.sockets.find((s) => s.listening) ?? a.sockets[0];
}

/** "what" for one alert of a kind, short enough for a row; the whole sentence is the alert's message. */
export function alertHeadline(a: Alert): Headline {
  const who = alertOwner(a).name;
  const s = firstListening(a);
  switch (a.kind) {
    case 'new-listener': {
      if (s === undefined) return { port: null, who, what: 'opened a new listening port' };
      const scope = addressScope(s.localAddress);
      const where = scope === 'all' ? 'on all interfaces' : scope === 'loopback' ? `on ${formatHost(s.localAddress)}, loopback only` : `on ${formatHost(s.localAddress)} (${SCOPE_LABEL[scope]})`;
      return { port: `${s.localPort}/${s.protocol}`, who, what: `listens ${where}` };
    }
    case 'inbound': {
      if (s === undefined) return { port: null, who, what: 'accepted a connection from another machine' };
      return { port: `${s.localPort}/${s.protocol}`, who, what: `accepted ${s.remoteAddress === null ? 'a connection' : `${formatHost(s.remoteAddress)}`} — another machine connected` };
    }
    case 'new-destination': {
      if (s === undefined || s.remoteAddress === null) return { port: null, who, what: 'reached a new destination' };
      return { port: `${s.remotePort ?? '*'}/${s.protocol}`, who, what: `connected to ${formatEndpoint(s.remoteAddress, s.remotePort)}, a destination it was not known to use` };
    }
    case 'new-process': {
      if (s === undefined) return { port: null, who, what: 'used the network for the first time' };
      if (s.listening) return { port: `${s.localPort}/${s.protocol}`, who, what: 'first seen: listening' };
      return { port: s.remotePort === null ? null : `${s.remotePort}/${s.protocol}`, who, what: `first seen: connected to ${formatEndpoint(s.remoteAddress, s.remotePort)}` };
    }
    case 'suspicious-exe': {
      const exe = a.process?.exe ?? '';
      return { port: null, who, what: exe.endsWith(' (deleted)') ? `runs from a deleted executable: ${exe}` : `runs from a temporary folder: ${exe}` };
    }
    case 'port-scan': {
      const ports = a.scan?.localPorts ?? [];
      if (ports.length > 0) return { port: null, who, what: `touched ${ports.length} ports (${ports.slice(0, 6).join(', ')}${ports.length > 6 ? ', …' : ''})` };
      const r = a.scan?.refused;
      return { port: null, who, what: r ? `${r.tcpResets - (r.explainedResets ?? 0) + r.udpNoPorts} connection attempts refused, sender unknown` : 'a burst of refused connection attempts' };
    }
  }
}

/** A group's lead: what its members share, with their ports listed. */
export function groupHeadline(g: AlertGroup): Headline {
  const first = alertHeadline(g.alerts[0]!);
  if (g.alerts.length === 1) return first;
  const ports = [...new Set(g.alerts.flatMap((a) => (alertHeadline(a).port ?? '').split('/')[0]!).filter((p) => p !== ''))].sort((a, b) => Number(a) - Number(b));
  const n = g.alerts.length;
  const list = ports.length === 0 ? '' : `: ${ports.slice(0, 8).join(', ')}${ports.length > 8 ? ', …' : ''}`;
  let what = `${n} ${kindLabel(g.kind, n)}${list}`;
  if (g.kind === 'new-listener') {
    const scopes = new Set(g.alerts.map((a) => addressScope(firstListening(a)?.localAddress ?? '0.0.0.0')));
    if (scopes.size === 1) what += ` — ${scopes.has('all') ? 'all interfaces' : SCOPE_LABEL[[...scopes][0]!]}`;
  }
  return { port: ports.length === 1 ? first.port : null, who: first.who, what };
}

/** Whether an alert matches the Alerts search: every word must appear in its message, program, pid, ports or addresses. */
export function matchAlert(a: Alert, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return true;
  const text = searchTextOf(a);
  return words.every((w) => text.includes(w));
}

const texts = new WeakMap<Alert, string>();
function searchTextOf(a: Alert): string {
  let t = texts.get(a);
  if (t === undefined) {
    const p = a.process;
    const parts = [a.message, a.kind, kindLabel(a.kind), a.severity, p?.name ?? '', p?.exe ?? '', p?.cmdline ?? '', p?.user ?? '', a.pid ?? ''];
    for (const s of a.sockets) parts.push(formatEndpoint(s.localAddress, s.localPort), formatEndpoint(s.remoteAddress, s.remotePort));
    if (a.scan) parts.push(a.scan.remoteAddress ?? '', ...a.scan.localPorts.map(String));
    t = parts.join('\u0000').toLowerCase();
    texts.set(a, t);
  }
  return t;
}
