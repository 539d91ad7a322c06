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
  let snmp: Map<string, Map<string, number>>;
  try {
    snmp = parseProcCounters(readFileSync(`${procRoot}/net/snmp`, 'latin1'));
  } catch {
    return null;
  }
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
