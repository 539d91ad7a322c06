// The kernel's own tally of refused connections: /proc/net/snmp and /proc/net/netstat on Linux. A port
// scan against closed ports leaves no socket to see, but every refused SYN makes the kernel send a reset
// (Tcp: OutRsts) and every datagram to a closed UDP port counts in Udp: NoPorts. The counters say how
// many, never from whom.
//
// Not every reset is a refusal. The kernel also resets connections of its own: a program closing a
// socket with unread data, or data arriving for one it has closed (TcpExt: TCPAbortOn*), and a server
// that goes away resets its clients' late segments (the clients' connections are reset: Tcp:
// EstabResets, when they are on this machine). Those are read too, so the analysis can tell a scan
// from a server's own shutdown. A full listen queue drops SYNs (TcpExt: ListenDrops) without refusing
// anything, unless net.ipv4.tcp_abort_on_overflow makes it answer each with a reset.
import { readFileSync } from 'node:fs';

export interface KernelCounters {
  /** Epoch ms when read. */
  at: number;
  /** Tcp: OutRsts — resets sent, which includes every refused connection attempt. */
  tcpResets: number;
  /** Tcp: AttemptFails — this machine's own connection attempts that failed (a local scanner raises it). */
  attemptFails: number;
  /** Tcp: PassiveOpens / ActiveOpens — connections accepted / started. */
  passiveOpens: number;
  activeOpens: number;
  /** Udp: NoPorts — datagrams to a port nothing listens on. */
  udpNoPorts: number;
  /** TcpExt: ListenDrops — SYNs dropped at a listener (full queue, SYN flood); 0 where not readable. */
  listenDrops: number;
  /** TcpExt: ListenOverflows — of those, the ones dropped because the accept queue was full. */
  listenOverflows: number;
  /** Tcp: EstabResets — this machine's connections (ESTABLISHED or CLOSE_WAIT) that were reset. */
  estabResets: number;
  /** TcpExt: TCPAbortOnClose + OnData + OnLinger + OnMemory + OnTimeout — resets of this machine's own connections. */
  abortResets: number;
  /** net.ipv4.tcp_abort_on_overflow: a full accept queue answers with a reset instead of dropping the SYN. */
  abortOnOverflow: boolean;
}

/** The TcpExt counters of resets this machine sends to end its own connections. */
const ABORTS = ['TCPAbortOnClose', 'TCPAbortOnData', 'TCPAbortOnLinger', 'TCPAbortOnMemory', 'TCPAbortOnTimeout'];

/**
 * Parses the paired-line format of /proc/net/snmp and /proc/net/netstat ("Tcp: Name Name…" then
 * "Tcp: 1 2…") into group → field → value. Lines that do not pair up are skipped.
 */
export function parseProcCounters(text: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const head = lines[i]!.trim().split(/\s+/);
    const values = lines[i + 1]!.trim().split(/\s+/);
    const group = head[0];
    if (group === undefined || !group.endsWith(':') || values[0] !== group || head.length !== values.length) continue;
    if (head.slice(1).some((h) => /^-?\d+$/.test(h))) continue; // a value line, not a header
    const fields = new Map<string, number>();
    for (let j = 1; j < head.length; j++) fields.set(head[j]!, Number(values[j]));
    out.set(group.slice(0, -1), fields);
    i++;
  }
  return out;
}

/** Reads the counters; null where there is no procfs (macOS, Windows) or it cannot be read. */
export function readKernelCounters(procRoot = '/proc', now = Date.now()): KernelCounters | null {
  return new KernelCounterReader(procRoot).read(now);
}

/**
 * The counters poll after poll, for the alert engine. /proc/net/snmp is read each time; the TcpExt
 * counters (/proc/net/netstat, ~120 fields the kernel sums per CPU) and the sysctl only when a Tcp or
 * Udp counter moved since the last reading, else that reading stands. Listen drops and overflows move
 * only with a segment received (Tcp InSegs); resets the machine sends move OutRsts. An abort on timeout
 * of a closed connection can move alone: it is read with the next reset it could explain.
 */
export class KernelCounterReader {
  private tcpUdp: string | null = null;
  private last: KernelCounters | null = null;

  constructor(private readonly procRoot = '/proc') {}

  read(now = Date.now()): KernelCounters | null {
    let snmpText: string;
    try {
      snmpText = readFileSync(`${this.procRoot}/net/snmp`, 'latin1');
    } catch {
      this.last = this.tcpUdp = null;
      return null;
    }
    const moved = valueLine(snmpText, 'Tcp') + valueLine(snmpText, 'Udp');
    if (this.last !== null && moved === this.tcpUdp) return { ...this.last, at: now };
    this.last = countersFrom(snmpText, this.procRoot, now);
    this.tcpUdp = this.last === null ? null : moved;
    return this.last;
  }
}

/** The value line of a group ("Tcp: 1 200 …", the second line that starts so); '' when missing. */
function valueLine(text: string, group: string): string {
  const head = text.indexOf(`${group}: `);
  if (head < 0) return '';
  const start = text.indexOf(`\n${group}: `, head);
  if (start < 0) return '';
  const end = text.indexOf('\n', start + 1);
  return text.slice(start + 1, end < 0 ? text.length : end);
}

function countersFrom(snmpText: string, procRoot: string, now: number): KernelCounters | null {
  const snmp = parseProcCounters(snmpText);
  const tcp = snmp.get('Tcp');
  if (tcp === undefined) return null;
  const n = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : 0);
  let ext: Map<string, number> | undefined;
  try {
    ext = parseProcCounters(readFileSync(`${procRoot}/net/netstat`, 'latin1')).get('TcpExt');
  } catch {
    // Older kernels or restricted procfs: the SNMP counters still tell the main story.
  }
  let abortOnOverflow = false;
  try {
    abortOnOverflow = readFileSync(`${procRoot}/sys/net/ipv4/tcp_abort_on_overflow`, 'latin1').trim() === '1';
  } catch {
    // Not readable: the default (0, drop) is by far the common case.
  }
  return {
    at: now,
    tcpResets: n(tcp.get('OutRsts')),
    attemptFails: n(tcp.get('AttemptFails')),
    passiveOpens: n(tcp.get('PassiveOpens')),
    activeOpens: n(tcp.get('ActiveOpens')),
    udpNoPorts: n(snmp.get('Udp')?.get('NoPorts')),
    listenDrops: n(ext?.get('ListenDrops')),
    listenOverflows: n(ext?.get('ListenOverflows')),
    estabResets: n(tcp.get('EstabResets')),
    abortResets: ABORTS.reduce((sum, k) => sum + n(ext?.get(k)), 0),
    abortOnOverflow,
  };
}
