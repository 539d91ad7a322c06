// What a trust rule covers, decided once for the engine and the views alike: the key a rule names a
// program by, the questions the alert analysis asks of what is trusted (TrustView), whether trusting
// silences an alert, and the host ranges destination rules carry. Pure: no Node, no schema library.
import { normaliseHost, parseIPv4, parseIPv6 } from './address.js';
import type { Alert, TrustRule } from './alerts.js';
import type { ProcessInfo, Protocol } from './model.js';

/** The owner key of a socket Portwatch could not attribute (another user's, without root). */
export const UNKNOWN_OWNER = 'unknown';

/** What Linux appends to /proc/PID/exe once the file was deleted after the program started. */
export const DELETED_MARK = ' (deleted)';

/** The key of an owner: the executable path (a "(deleted)" mark dropped), or "name:<comm>" when the path is hidden. */
export function exeKey(p: ProcessInfo | null): string {
  if (p === null) return UNKNOWN_OWNER;
  if (p.exe === null || p.exe === '') return `name:${p.name}`;
  return p.exe.endsWith(DELETED_MARK) ? p.exe.slice(0, -DELETED_MARK.length) : p.exe;
}

/**
 * The key a new rule may name a program by: exeKey, or null where no rule can name it: no process,
 * or an executable deleted since it started (nothing at that path is what ran).
 */
export function programKey(p: ProcessInfo | null): string | null {
  if (p === null || p.exe?.endsWith(DELETED_MARK)) return null;
  return exeKey(p);
}

/**
 * Whether a rule may name a program by this text: an absolute path (POSIX, or Windows with a drive or
 * a share), or name:<comm> where the path is hidden. Anything else ("python3", "./x") names no program
 * for certain, so the CLI and the API refuse it alike.
 */
export function isProgramKey(text: string): boolean {
  return text.startsWith('/') || /^[A-Za-z]:[\\/]/.test(text) || text.startsWith('\\\\') || /^name:./.test(text);
}

/** The questions the alert analysis asks; TrustStore answers them from its indexes in O(1) (ranges: per rule of that exe). */
export interface TrustView {
  /** Trusted by an executable rule, or seen using the network while learning. */
  knowsProcess(exe: string): boolean;
  /**
   * An executable rule for exe (a program you trust may open its ports, as a Little Snitch program
   * rule allows), a listener rule for exe+protocol+port, or a baseline listener there bound as wide or wider.
   */
  knowsListener(exe: string, protocol: Protocol, port: number, address: string): boolean;
  knowsDestination(exe: string, host: string, port: number): boolean;
  /** A peer connecting to exe's listener: an executable or listener rule (connections expected), a destination rule covering the peer, or the baseline. */
  knowsInbound(exe: string, protocol: Protocol, port: number, host: string): boolean;
  isWatchedClosely(exe: string): boolean;
  /** An explicit executable rule for exactly this path (the only thing that quiets suspicious-exe). */
  trustsExecutable(exe: string): boolean;
}

/** Whether what is trusted silences this alert (trust() acknowledges those), from the alert's own sockets. */
export function silencedBy(alert: Pick<Alert, 'kind' | 'process' | 'sockets'>, trust: TrustView): boolean {
  const key = exeKey(alert.process);
  const s = alert.sockets[0];
  switch (alert.kind) {
    case 'new-process':
      return alert.process !== null && trust.knowsProcess(key);
    case 'new-listener':
      return alert.sockets.length > 0 && alert.sockets.every((x) => trust.knowsListener(key, x.protocol, x.localPort, x.localAddress));
    case 'inbound':
      return s !== undefined && s.remoteAddress !== null && trust.knowsInbound(key, s.protocol, s.localPort, normaliseHost(s.remoteAddress));
    case 'new-destination':
      return s !== undefined && s.remoteAddress !== null && s.remotePort !== null && trust.knowsDestination(key, normaliseHost(s.remoteAddress), s.remotePort);
    case 'suspicious-exe':
      return alert.process?.exe !== null && alert.process?.exe !== undefined && trust.trustsExecutable(alert.process.exe);
    case 'port-scan':
      return false;
  }
}

/** A TrustView that knows exactly one rule: which alerts does this rule cover? */
export function ruleView(rule: TrustRule): TrustView {
  const range = rule.kind === 'destination' ? parseHostRange(rule.host) : null;
  const destination = (exe: string, host: string, port: number) =>
    rule.kind === 'destination' && rule.exe === exe && range !== null && inHostRange(range, normaliseHost(host)) && (rule.port === null || rule.port === port);
  const program = (exe: string) => rule.kind === 'executable' && rule.exe === exe;
  return {
    knowsProcess: program,
    knowsListener: (exe, protocol, port) => program(exe) || (rule.kind === 'listener' && rule.exe === exe && rule.protocol === protocol && rule.port === port),
    knowsDestination: destination,
    knowsInbound: (exe, protocol, port, host) =>
      program(exe) || (rule.kind === 'listener' && rule.exe === exe && rule.protocol === protocol && rule.port === port) || destination(exe, host, port),
    isWatchedClosely: () => false,
    trustsExecutable: (exe) => rule.kind === 'executable' && rule.exe === exe,
  };
}

/** Whether trusting this one rule silences the alert: what the engine checks when trust() acknowledges. */
export function ruleClears(alert: Pick<Alert, 'kind' | 'process' | 'sockets'>, rule: TrustRule): boolean {
  return silencedBy(alert, ruleView(rule));
}

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
