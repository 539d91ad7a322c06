// Alerts and trust: what the engine raises about sockets nobody can explain, and what the user has
// said is normal. Plain data, shared by the engine, the hosts and the views.
import type { Protocol, ProcessInfo, Socket } from './model.js';

export const ALERT_KINDS = ['new-process', 'new-listener', 'inbound', 'new-destination', 'suspicious-exe', 'port-scan'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Least to most severe: the one order every sort, badge and threshold uses. */
export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** 0 for low up to 2 for high: compare severities by this, never by their names. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** The longest learning period anyone may ask for: one week. */
export const MAX_LEARN_SECONDS = 7 * 24 * 3600;

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
  refused: {
    tcpResets: number;
    udpNoPorts: number;
    listenDrops: number;
    /** Of tcpResets, those that ended this machine's own connections (not refusals); absent in older logs. */
    explainedResets?: number;
  } | null;
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

/** The most alerts one list() returns. */
export const MAX_ALERT_LIMIT = 100_000;

/** list() filter; newest first. */
export interface AlertFilter {
  /** 1 to MAX_ALERT_LIMIT. */
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

/** Not acknowledged, and not snoozed past now: what the badge, the tray and the status count. */
export function isActive(alert: Pick<Alert, 'acknowledgedAt' | 'snoozedUntil'>, now: number): boolean {
  return alert.acknowledgedAt === null && (alert.snoozedUntil === null || alert.snoozedUntil <= now);
}

/** Not acknowledged, and snoozed until later than now. */
export function isSnoozed(alert: Pick<Alert, 'acknowledgedAt' | 'snoozedUntil'>, now: number): boolean {
  return alert.acknowledgedAt === null && alert.snoozedUntil !== null && alert.snoozedUntil > now;
}
