// How alerts read on screen, and what "Trust…" can offer for one: the trust rules that apply to an
// alert (this program, this listener, this destination), built the way the engine builds alert.rule,
// with what each allows in plain words and whether it would clear the alert at hand.
import { normaliseHost } from '../../shared/address.js';
import type { Alert, AlertKind, Severity, TrustRule } from '../../shared/alerts.js';
import { formatEndpoint, type Socket } from '../../shared/model.js';
import { DELETED_MARK, programKey, ruleClears, sameRule, UNKNOWN_OWNER } from '../../shared/trust-rules.js';
import { kindLabel } from '../../shared/notify-policy.js';
import type { ConflictSeverity } from '../../shared/api.js';

export const SEVERITY_TEXT: Record<Severity, string> = { high: 'High', medium: 'Medium', low: 'Low' };

/** The colours the rest of the UI uses for how bad something is. */
export const SEVERITY_TONE: Record<Severity, ConflictSeverity> = { high: 'danger', medium: 'warning', low: 'info' };

/** "New listener", "Port scan". */
export function kindTitle(kind: AlertKind): string {
  const label = kindLabel(kind);
  return label[0]!.toUpperCase() + label.slice(1);
}

const SHORT_KIND: Record<AlertKind, string> = {
  'new-process': 'New process',
  'new-listener': 'New listener',
  inbound: 'Inbound',
  'new-destination': 'New destination',
  'suspicious-exe': 'Suspicious exe',
  'port-scan': 'Port scan',
};

/** The kind in a word or two, for the list's column and the filter chips. */
export function kindShort(kind: AlertKind): string {
  return SHORT_KIND[kind];
}

/** What each kind means, for the filter chips' tooltips and the detail. */
export const KIND_HELP: Record<AlertKind, string> = {
  'new-process': 'A program Portwatch had not seen before used the network',
  'new-listener': 'A port opened that was not open before (or on a wider address)',
  inbound: 'Another machine connected to a port of this one',
  'new-destination': 'A program you watch closely reached a destination it was not known to use',
  'suspicious-exe': 'A program runs from a temporary folder, or from an executable deleted since it started',
  'port-scan': 'One remote touched many ports, or the kernel refused a burst of connection attempts',
};

export const SNOOZES: readonly { label: string; ms: number }[] = [
  { label: '15 minutes', ms: 15 * 60_000 },
  { label: '1 hour', ms: 3_600_000 },
  { label: '1 day', ms: 86_400_000 },
];

/** The executable's file name, for a sentence ("python3.12"); "name:x" keys read as x. */
export function programName(exe: string): string {
  if (exe.startsWith('name:')) return exe.slice(5);
  if (exe === UNKNOWN_OWNER) return 'a process Portwatch cannot see';
  const parts = exe.split(/[\\/]/);
  return parts[parts.length - 1] || exe;
}

export type TrustChoiceId = 'executable' | 'listener' | 'destination';

export interface TrustChoice {
  id: TrustChoiceId;
  /** "This program". */
  label: string;
  rule: TrustRule;
  /** What the rule allows from now on, in one sentence. */
  detail: string;
  /** Whether trusting it silences (and so acknowledges) this alert. */
  clears: boolean;
}

const CHOICE_LABEL: Record<TrustChoiceId, string> = { executable: 'This program', listener: 'This listener', destination: 'This destination' };

function describeRule(rule: TrustRule, inbound: boolean): string {
  const who = programName(rule.exe);
  switch (rule.kind) {
    case 'executable':
      return `${who} is a program you know (${rule.exe}): no alerts for what it does — new processes, its listeners and the connections they accept. Destinations still alert if you watch it closely.`;
    case 'listener':
      return `${who} may listen on ${rule.protocol.toUpperCase()} port ${rule.port}, and accept connections there.`;
    case 'destination':
      return inbound
        ? `${rule.host} may connect to ${who} on port ${rule.port ?? 'any'}.`
        : `${who} may connect to ${rule.port === null ? `${rule.host} on any port` : formatEndpoint(rule.host, rule.port)}.`;
  }
}

function hasRemote(s: Socket): s is Socket & { remoteAddress: string; remotePort: number } {
  return s.remoteAddress !== null && s.remotePort !== null && s.remotePort !== 0;
}

/**
 * The rules "Trust…" offers for an alert, in the order program, listener, destination: only those that
 * apply (a listener rule needs a listening socket, a destination rule a remote). The engine's own
 * alert.rule is always among them. None for port scans and executables deleted since they started.
 */
export function trustChoices(alert: Alert): TrustChoice[] {
  const engine = alert.rule ?? null;
  const key = programKey(alert.process);
  const inbound = alert.kind === 'inbound';
  const byId = new Map<TrustChoiceId, TrustRule>();
  if (alert.kind !== 'port-scan' && key !== null) {
    byId.set('executable', { kind: 'executable', exe: alert.kind === 'suspicious-exe' ? alert.process!.exe! : key });
    const listening = alert.sockets.find((s) => s.listening);
    if (listening !== undefined) byId.set('listener', { kind: 'listener', exe: key, port: listening.localPort, protocol: listening.protocol });
    const remote = alert.sockets.find((s) => !s.listening && hasRemote(s));
    if (remote !== undefined && hasRemote(remote)) {
      const host = normaliseHost(remote.remoteAddress);
      byId.set('destination', { kind: 'destination', exe: key, host, port: inbound ? remote.localPort : remote.remotePort });
    }
  }
  // The engine's rule for the alert wins over the one built here for the same kind.
  if (engine !== null) byId.set(engine.kind, engine);
  const order: TrustChoiceId[] = ['executable', 'listener', 'destination'];
  return order.flatMap((id) => {
    const rule = byId.get(id);
    if (rule === undefined) return [];
    return [{ id, label: CHOICE_LABEL[id], rule, detail: describeRule(rule, inbound), clears: ruleClears(alert, rule) }];
  });
}

/**
 * The choice to pre-select: the engine's rule when there is one, else the narrowest that clears the
 * alert (a program rule covers its listeners too, but trusting one listener asks for less).
 */
export function defaultChoice(alert: Alert, choices: readonly TrustChoice[]): TrustChoiceId | null {
  const engine = alert.rule ?? null;
  if (engine !== null) {
    const match = choices.find((c) => sameRule(c.rule, engine));
    if (match) return match.id;
  }
  return (choices.find((c) => c.clears && c.id !== 'executable') ?? choices.find((c) => c.clears) ?? choices[0])?.id ?? null;
}

/** Why "Trust…" offers nothing, when it offers nothing. */
export function noTrustReason(alert: Alert): string {
  if (alert.kind === 'port-scan')
    return alert.process === null
      ? 'A port scan comes from a remote, not a program: there is nothing to trust. Acknowledge it once you know where it came from.'
      : `A port scan is not something to trust: ${alert.process.name} (pid ${alert.process.pid}) on this machine did it. End it, or acknowledge the alert once you know why it scanned.`;
  if (alert.process === null) return 'Portwatch cannot see the process behind this alert (another user’s; run Portwatch as root to name it), so no rule can name it.';
  if (alert.process.exe?.endsWith(DELETED_MARK)) return 'Its executable was deleted after it started: nothing at that path is what ran, so it cannot be trusted by path. Restart the program, then trust it.';
  return 'No trust rule applies to this alert.';
}

/** "python3 (pid 4242)". */
export function ownerLine(alert: Pick<Alert, 'process' | 'pid'>): string {
  if (alert.process !== null) return `${alert.process.name} (pid ${alert.process.pid})`;
  if (alert.pid !== null) return `pid ${alert.pid}`;
  return '—';
}

/** "12 s", "3 min", "2 h 5 min": a countdown. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 && m < 5 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  const d = Math.floor(h / 24);
  return `${d} day${d === 1 ? '' : 's'}${h % 24 ? ` ${h % 24} h` : ''}`;
}

/** What the evidence of a port scan says, one line per kind of evidence, honestly. */
export function scanEvidence(alert: Alert): string[] {
  const scan = alert.scan;
  const evidence = alert.evidence ?? [];
  const lines: string[] = [];
  const seconds = scan ? Math.round(scan.windowMs / 1000) : null;
  if (evidence.includes('sockets')) {
    const ports = scan?.localPorts ?? [];
    const shown = ports.slice(0, 12).join(', ') + (ports.length > 12 ? `, … (${ports.length} in all)` : '');
    lines.push(
      `Sockets: ${scan?.remoteAddress ?? 'one remote'} was seen connecting to ${ports.length || 'many'} different local ports${seconds !== null ? ` within ${seconds} s` : ''}${shown ? ` (${shown})` : ''}.`,
    );
  }
  if (evidence.includes('kernel-counters')) {
    const r = scan?.refused;
    const explained = r?.explainedResets ?? 0;
    const parts = r ? [`${r.tcpResets - explained} TCP resets sent`] : [];
    if (r && r.udpNoPorts > 0) parts.push(`${r.udpNoPorts} UDP datagrams to closed ports`);
    lines.push(
      `Kernel counters: ${parts.length ? parts.join(', ') : 'a burst of refused attempts'}${seconds !== null ? ` in ${seconds} s` : ''}. The counters say how many, not who sent them.`,
    );
    // What the engine did not count as refusals, so the numbers add up for whoever checks them.
    const aside: string[] = [];
    if (explained > 0) aside.push(`${explained} more resets ended this machine's own connections`);
    if (r && r.listenDrops > 0) aside.push(`${r.listenDrops} SYNs were dropped at a full listen queue`);
    if (aside.length > 0) lines.push(`Not counted as refusals: ${aside.join('; ')}.`);
    if (scan?.localAttemptFails) lines.push(`${scan.localAttemptFails} connection attempts by programs on this machine failed in the same window: the scanner may be local.`);
  } else if (evidence.includes('sockets')) {
    lines.push('Kernel counters: no burst of refused attempts (it reached only open ports, or the counters are not readable here).');
  }
  return lines;
}
