// Traffic: bytes and rates per TCP connection, per process and per network interface, as the engine
// measures them each poll (Linux: tcp_info through sock_diag, the kernel's TCP-destroy messages for
// connections that close between two polls, /proc/net/dev; elsewhere interface totals only).
//
// How a view follows it (the 'traffic' event of api.ts, and FullState.traffic):
// - Counters move on every active connection every poll, so they never make a socket "changed" in a
//   Delta. Each poll the engine emits its Delta (seq N) and then one TrafficUpdate with the same seq N,
//   carrying only what moved: sockets, processes and interfaces whose counters or rates changed.
// - Start from getState(): FullState.snapshot's sockets carry their counters (bytesSent, bytesReceived,
//   rttMs) and FullState.traffic the rates, both as of FullState.seq.
// - Apply the Delta N first, then the TrafficUpdate N (applyTraffic and applySocketCounters below).
//   An update whose seq is below the state you hold is stale: drop it. One above it means you missed a
//   Delta: call getState() again, as for a gap in deltas.
// - Something absent from an update did not change: a rate that drops to zero is sent once, as zero.
//   Rates are bytes per second over the update's intervalMs, rounded to whole bytes.

/**
 * One TCP socket's counters, as a tuple to keep updates small: 1,000 moving sockets are ~80 KB of JSON
 * (see bench/engine.ts). A socket is keyed by its Socket.id.
 */
export type SocketTraffic = [id: string, bytesSent: number, bytesReceived: number, rttMs: number | null, sendRate: number, receiveRate: number];

export interface ProcessTraffic {
  /** The process identity "pid:startedAt" (startedAt 0 when unknown): a reused pid is another process. */
  key: string;
  pid: number;
  name: string | null;
  exe: string | null;
  startedAt: number | null;
  /**
   * Bytes of every TCP connection of this process Portwatch has seen, over each connection's life:
   * open ones as they are now, closed ones with their final counts.
   */
  bytesSent: number;
  bytesReceived: number;
  /** Bytes per second over the last interval, connections that closed in it included. */
  sendRate: number;
  receiveRate: number;
  /** TCP connections it holds now (listeners not counted). */
  connections: number;
  /** Connections of it that closed while Portwatch watched. */
  closedConnections: number;
}

export interface InterfaceTraffic {
  name: string;
  /** Since the interface came up (the kernel's counters). */
  bytesSent: number;
  bytesReceived: number;
  sendRate: number;
  receiveRate: number;
}

/**
 * Traffic no process could be credited with: connections that opened and closed between two polls
 * whose local port was no listener's (the client end of a short connection), and sockets whose owner
 * is unknown (another user's without root). Counted here, never dropped.
 */
export interface UnattributedTraffic {
  bytesSent: number;
  bytesReceived: number;
  sendRate: number;
  receiveRate: number;
  closedConnections: number;
}

/** What traffic measuring works on this machine, said plainly (also in MonitorStatus.traffic). */
export interface TrafficAvailability {
  /** Per-connection counters (bytesSent, bytesReceived, rttMs on each TCP socket). */
  connections: boolean;
  /** Final counters of connections that close between two polls (the kernel's TCP-destroy messages). */
  closedConnections: boolean;
  /** Per-interface totals. */
  interfaces: boolean;
  /** Why something is missing, or what was lost, in one line each; empty when all works. */
  notes: string[];
}

export interface TrafficUpdate {
  /** The seq of the Delta this update follows (the same poll). */
  seq: number;
  takenAt: number;
  /** What the rates are measured over: milliseconds since the previous poll. */
  intervalMs: number;
  /** Sockets whose counters or rates changed. */
  sockets: SocketTraffic[];
  /** Processes whose totals, rates or connection counts changed (whole records). */
  processes: ProcessTraffic[];
  /** Processes that left the table: no connection left and nothing moving. */
  processesGone: string[];
  /** Interfaces whose counters or rates changed; an interface gone is absent from the next FullState. */
  interfaces: InterfaceTraffic[];
  /** The unattributed totals, when they changed; null otherwise. */
  unattributed: UnattributedTraffic | null;
}

/** The full traffic picture a view starts from, as of `seq` (part of FullState). */
export interface TrafficState {
  seq: number;
  takenAt: number;
  intervalMs: number;
  /** Sockets whose rates are not zero now; every socket's counters are in its Socket record. */
  sockets: SocketTraffic[];
  /** Every process with a TCP connection, or traffic counted since Portwatch started and still alive. */
  processes: ProcessTraffic[];
  interfaces: InterfaceTraffic[];
  unattributed: UnattributedTraffic;
  availability: TrafficAvailability;
}

/** The state after an update (the input is not changed); a stale update returns the state as it was. */
export function applyTraffic(state: TrafficState, update: TrafficUpdate): TrafficState {
  if (update.seq <= state.seq) return state;
  const sockets = new Map(state.sockets.map((t) => [t[0], t]));
  for (const t of update.sockets) {
    if (t[4] === 0 && t[5] === 0) sockets.delete(t[0]);
    else sockets.set(t[0], t);
  }
  const processes = new Map(state.processes.map((p) => [p.key, p]));
  for (const key of update.processesGone) processes.delete(key);
  for (const p of update.processes) processes.set(p.key, p);
  const interfaces = new Map(state.interfaces.map((i) => [i.name, i]));
  for (const i of update.interfaces) interfaces.set(i.name, i);
  return {
    seq: update.seq,
    takenAt: update.takenAt,
    intervalMs: update.intervalMs,
    sockets: [...sockets.values()],
    processes: [...processes.values()],
    interfaces: [...interfaces.values()],
    unattributed: update.unattributed ?? state.unattributed,
    availability: state.availability,
  };
}

/**
 * Puts an update's counters into the socket records it names (new objects for those, the others kept).
 * Generic over the record type so a view can use it on its own socket arrays.
 */
export function applySocketCounters<S extends { id: string; bytesSent: number | null; bytesReceived: number | null; rttMs: number | null }>(
  sockets: readonly S[],
  update: Pick<TrafficUpdate, 'sockets'>,
): S[] {
  if (update.sockets.length === 0) return sockets as S[];
  const byId = new Map(update.sockets.map((t) => [t[0], t]));
  return sockets.map((s) => {
    const t = byId.get(s.id);
    if (t === undefined || (t[1] === s.bytesSent && t[2] === s.bytesReceived && t[3] === s.rttMs)) return s;
    return { ...s, bytesSent: t[1], bytesReceived: t[2], rttMs: t[3] };
  });
}

/** The key of a process in traffic records: pid and start time. */
export function processKey(pid: number, startedAt: number | null): string {
  return `${pid}:${startedAt ?? 0}`;
}

/** Names of loopback interfaces (Linux lo, macOS lo0, Windows' Loopback Pseudo-Interface). */
export function isLoopbackInterface(name: string): boolean {
  return name === 'lo' || /^lo\d+$/.test(name) || /loopback/i.test(name);
}

/** The machine's traffic right now, for the header and the tray: what leaves and enters it. */
export interface TotalRate {
  sendRate: number;
  receiveRate: number;
  /**
   * 'interfaces': the network interfaces but loopback (what goes over the wire, UDP included);
   * 'connections': the TCP connections Portwatch counts, where no interface totals exist.
   */
  basis: 'interfaces' | 'connections';
}

/**
 * The total rate of a traffic state: the interfaces (loopback left out: a local transfer is not
 * network traffic, and it would count twice), or where there are none the connections' sum; null
 * before anything is measured.
 */
export function totalRate(state: Pick<TrafficState, 'interfaces' | 'processes' | 'unattributed' | 'availability'> | null): TotalRate | null {
  if (state === null) return null;
  if (state.availability.interfaces && state.interfaces.length > 0) {
    let sendRate = 0;
    let receiveRate = 0;
    for (const i of state.interfaces) {
      if (isLoopbackInterface(i.name)) continue;
      sendRate += i.sendRate;
      receiveRate += i.receiveRate;
    }
    return { sendRate, receiveRate, basis: 'interfaces' };
  }
  if (!state.availability.connections) return null;
  let sendRate = state.unattributed.sendRate;
  let receiveRate = state.unattributed.receiveRate;
  for (const p of state.processes) {
    sendRate += p.sendRate;
    receiveRate += p.receiveRate;
  }
  return { sendRate, receiveRate, basis: 'connections' };
}
