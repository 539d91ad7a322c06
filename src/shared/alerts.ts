// Alerts and trust: what the engine raises about sockets nobody can explain, and what the user has
// said is normal. Plain data, shared by the engine, the hosts and the views.
import { parseIPv4, parseIPv6 } from './address.js';
import type { Protocol, ProcessInfo, Socket } from './model.js';

export const ALERT_KINDS = ['new-process', 'new-listener', 'inbound', 'new-destination', 'suspicious-exe', 'port-scan'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Alert {
  /** Unique and stable across restarts (it names the alert in the log). */
  id: string;
  kind: AlertKind;
  severity: Severity;
  /** One plain-language sentence: what happened, and who did it. */
  message: string;
  /** Epoch ms when it was raised. */
  at: number;
  pid: number | null;
  process: ProcessInfo | null;
  sockets: Socket[];
  /** For port-scan: which evidence was seen ('sockets': one remote touching many ports; 'kernel-counters': refused attempts in /proc/net/snmp). */
  evidence?: Array<'sockets' | 'kernel-counters'>;
  acknowledgedAt: number | null;
  snoozedUntil: number | null;
  /**
   * What the alert is about, e.g. "new-listener|/usr/bin/python3|tcp|8000|network". An alert is raised once
   * per subject (remembered in the alert log across restarts); port scans are episodes instead. Always set
   * by the engine; optional so alerts built elsewhere (tests, older logs) still type-check.
   */
  subject?: string;
  /** The trust rule that would silence this alert ("Trust" in the UI); null where none can (scans, deleted executables). */
  rule?: TrustRule | null;
  /** Port scans only. */
  scan?: PortScanDetails;
}

/** What the user trusts. Executables by path, not name: anyone can name a binary "sshd". */
export type TrustRule =
  | { kind: 'executable'; exe: string }
  | { kind: 'listener'; exe: string; port: number; protocol: Protocol }
  /** host: an address or a CIDR range; port null for any port. */
  | { kind: 'destination'; exe: string; host: string; port: number | null };

export interface TrustState {
  rules: TrustRule[];
  /** Executables whose destinations are watched closely (new-destination alerts). */
  watchClosely: string[];
  /** While learning, everything seen becomes the baseline instead of raising alerts. */
  learningUntil: number | null;
  /** When the store was created (epoch ms). */
  createdAt?: number;
  /** How much the baseline holds, for the UI ("learned 41 programs, 12 listeners, 300 destinations"). */
  baselineSize?: { processes: number; listeners: number; destinations: number; inbound: number };
}

/** What a port-scan alert saw: the sockets of one remote, the kernel's refusal counters, or both. */
export interface PortScanDetails {
  /** The remote that touched many local ports; null when only the kernel counters saw the scan. */
  remoteAddress: string | null;
  /** Distinct local ports that remote touched within the window (empty for counters only). */
  localPorts: number[];
  windowMs: number;
  /**
   * Refused attempts the kernel counted in the window (/proc/net/snmp): TCP resets sent, UDP datagrams
   * to closed ports, SYNs dropped at a full listen queue; null when the counters are not readable.
   */
  refused: { tcpResets: number; udpNoPorts: number; listenDrops: number } | null;
  /** Connection attempts of this machine's own programs that failed in the window: a local scanner. */
  localAttemptFails: number | null;
}

/** What was seen during learning. Executables are keys: an absolute path, or "name:<comm>" where the path was hidden. */
export interface BaselineListener {
  exe: string;
  protocol: Protocol;
  port: number;
  /** The bound address; a later bind to a wider scope (loopback → all interfaces) is new. */
  address: string;
}
export interface BaselineDestination {
  exe: string;
  host: string;
  port: number;
}
export interface BaselineInbound {
  exe: string;
  protocol: Protocol;
  /** The local (listening) port the peer connected to. */
  port: number;
  host: string;
}
export interface Baseline {
  processes: string[];
  listeners: BaselineListener[];
  destinations: BaselineDestination[];
  inbound: BaselineInbound[];
}

/** list() filter; newest first. */
export interface AlertFilter {
  limit?: number;
  kinds?: AlertKind[];
  severities?: Severity[];
  /** Only alerts not acknowledged (snoozed ones included; see AlertStatus for what is active). */
  unacknowledged?: boolean;
}

/** The engine's summary for the tray and the header. */
export interface AlertStatus {
  learning: boolean;
  learningUntil: number | null;
  /** Active alerts (not acknowledged, not snoozed) by severity. */
  counts: Record<Severity, number>;
  /** Active alerts in all. */
  unacknowledged: number;
  /** Alerts in the log (the current file and what was carried into it). */
  total: number;
  /** Things the user must be told: a store kept aside as a backup, a torn log line skipped, a failed write. */
  warnings: string[];
}

/** explain(): the alert and its process's parent chain, the process itself first, up to pid 1; null where a process is gone. */
export interface AlertExplanation {
  alert: Alert;
  processTree: Array<ProcessInfo | null>;
}

/** What an alert engine tells its subscribers; hosts forward 'alert' as notifications and the others to keep views current. */
export type AlertEvent =
  | { type: 'alert'; alert: Alert }
  /** Acknowledged, snoozed, or back from a snooze. */
  | { type: 'updated'; alert: Alert }
  | { type: 'status'; status: AlertStatus };

/** An address or CIDR range ("10.0.0.0/8", "2001:db8::/32", "::ffff:1.2.3.4"), as bytes and a prefix length. */
export interface HostRange {
  bytes: Uint8Array;
  prefix: number;
}

/** Parses a destination rule's host; IPv4-mapped IPv6 and IPv4 are one family. Null when it is neither. */
export function parseHostRange(text: string): HostRange | null {
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  let prefixText = slash >= 0 ? text.slice(slash + 1) : null;
  const v4 = parseIPv4(addr.startsWith('::ffff:') ? addr.slice(7) : addr);
  let bytes: Uint8Array;
  let max: number;
  if (v4 !== null) {
    bytes = Uint8Array.from(v4);
    max = 32;
    if (addr.startsWith('::ffff:') && prefixText !== null) {
      // ::ffff:a.b.c.d/N counts N over the 128-bit address: turn it into an IPv4 prefix.
      const n = Number(prefixText) - 96;
      prefixText = String(n);
    }
  } else {
    const v6 = parseIPv6(addr);
    if (v6 === null) return null;
    bytes = v6;
    max = 128;
  }
  if (prefixText === null) return { bytes, prefix: max };
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix < 0 || prefix > max) return null;
  return { bytes, prefix };
}

/** Whether an address (text) lies in a range. IPv4-mapped addresses match IPv4 ranges. */
export function inHostRange(range: HostRange, address: string): boolean {
  const a = parseHostRange(address);
  if (a === null || a.bytes.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((a.bytes[i] ?? 0) & mask) !== ((range.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** Two rules are the same rule (trusting twice adds nothing; untrust removes it). */
export function sameRule(a: TrustRule, b: TrustRule): boolean {
  if (a.kind !== b.kind || a.exe !== b.exe) return false;
  if (a.kind === 'listener' && b.kind === 'listener') return a.port === b.port && a.protocol === b.protocol;
  if (a.kind === 'destination' && b.kind === 'destination') return a.host === b.host && a.port === b.port;
  return true;
}
