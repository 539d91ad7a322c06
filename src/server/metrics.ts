// The engine in Prometheus's terms (prom-client, text format at /metrics): what fleets scrape from
// `portwatch agent --metrics` and `serve --metrics`. Gauges are read from the engine at scrape time;
// counters (traffic, alerts) and the poll histogram follow the engine's events as they come.
//
// Labels stay bounded: protocol, state, port, process name, interface, exposure, kind, severity,
// direction.
// Never a pid, an IP address or a command line: those would make one series per connection.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Engine } from '../core/engine.js';
import { addressScope } from '../shared/address.js';
import { ALERT_KINDS, SEVERITIES } from '../shared/alerts.js';
import { CONFLICT_KINDS } from '../shared/conflicts.js';
import type { Socket } from '../shared/model.js';
import type { InterfaceTraffic, ProcessTraffic, TrafficState, TrafficUpdate, UnattributedTraffic } from '../shared/traffic.js';

/** A process name is at most this long as a label (the kernel's comm is 15; full names can be long). */
const MAX_NAME = 64;
/** The process label of sockets and bytes no process could be credited with. */
export const UNKNOWN_PROCESS = 'unknown';
/**
 * Traffic counters are kept for good, one series per process name: any local user can name
 * processes at will (prctl), so past this many names the bytes of new ones count under OTHER_PROCESS.
 */
export const MAX_TRAFFIC_NAMES = 500;
export const OTHER_PROCESS = 'other';
/**
 * Interface counters too, one series per name: container hosts make a veth with a new name for each
 * container, so past this many names the bytes of new ones count under OTHER_INTERFACE.
 */
export const MAX_INTERFACE_NAMES = 100;
export const OTHER_INTERFACE = 'other';
/**
 * The last counters of this many interfaces are kept, those updated longest ago dropped first: an
 * update names only interfaces that moved, so one that went is never said to have gone.
 */
const MAX_INTERFACES_KEPT = 1000;

export type Exposure = 'all-interfaces' | 'loopback' | 'specific';

/** How exposed a listener is, in three words a dashboard can group by. */
export function exposureOf(localAddress: string): Exposure {
  const scope = addressScope(localAddress);
  return scope === 'all' ? 'all-interfaces' : scope === 'loopback' ? 'loopback' : 'specific';
}

/** The process label of a socket: its short name, cut to a bounded length; 'unknown' without one. */
export function processLabel(name: string | null | undefined): string {
  if (name === null || name === undefined || name === '') return UNKNOWN_PROCESS;
  return name.length > MAX_NAME ? name.slice(0, MAX_NAME) : name;
}

export interface EngineMetrics {
  readonly registry: Registry;
  /** Stops following the engine (the registry keeps its last values). */
  close(): void;
}

export interface EngineMetricsOptions {
  /** Add prom-client's process-level defaults (CPU, memory, event loop, handles). Default true. */
  defaults?: boolean;
  /** The build's version, for portwatch_engine_info. */
  version?: string;
}

export function createEngineMetrics(engine: Engine, options: EngineMetricsOptions = {}): EngineMetrics {
  const registry = new Registry();
  if (options.defaults !== false) collectDefaultMetrics({ register: registry });
  const { monitor, service } = engine;
  const sockets = () => monitor.getState().snapshot.sockets;

  new Gauge({
    name: 'portwatch_engine_info',
    help: 'The engine behind these metrics: which host runs it, its rights, its socket source (always 1).',
    labelNames: ['host', 'rights', 'source', 'version'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const status = monitor.getStatus();
      const e = status.engine;
      this.set({ host: e?.host ?? 'unknown', rights: e?.rights ?? 'unknown', source: status.source, version: options.version ?? 'unknown' }, 1);
    },
  });

  new Gauge({
    name: 'portwatch_sockets',
    help: 'Sockets on this machine by protocol and state.',
    labelNames: ['protocol', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, n] of countBy(sockets(), (s) => `${s.protocol}\0${s.state}`)) {
        const [protocol, state] = key.split('\0') as [string, string];
        this.set({ protocol, state }, n);
      }
    },
  });

  new Gauge({
    name: 'portwatch_listening_ports',
    help: 'Listening sockets (TCP LISTEN, bound UDP) by port, protocol, process name and exposure (all-interfaces, loopback, specific).',
    labelNames: ['port', 'protocol', 'process', 'exposure'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const seen = new Map<string, ReturnType<typeof listenerLabels>>();
      const counts = countBy(
        sockets().filter((s) => s.listening),
        (s) => {
          const labels = listenerLabels(s);
          const key = `${labels.port}\0${labels.protocol}\0${labels.process}\0${labels.exposure}`;
          seen.set(key, labels);
          return key;
        },
      );
      for (const [key, n] of counts) this.set(seen.get(key)!, n);
    },
  });

  new Gauge({
    name: 'portwatch_connections',
    help: 'Connected sockets (not listening) by protocol and process name.',
    labelNames: ['protocol', 'process'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const connected = sockets().filter((s) => !s.listening);
      for (const [key, n] of countBy(connected, (s) => `${s.protocol}\0${processLabel(s.process?.name)}`)) {
        const [protocol, process] = key.split('\0') as [string, string];
        this.set({ protocol, process }, n);
      }
    },
  });

  new Gauge({
    name: 'portwatch_conflicts',
    help: 'Port conflicts by kind (localhost-split, dual-stack-split, shared-port, wildcard-specific, still-busy).',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      const conflicts = await service.getConflicts();
      this.reset();
      for (const kind of CONFLICT_KINDS) this.set({ kind }, 0);
      for (const c of conflicts) this.inc({ kind: c.kind });
    },
  });

  new Gauge({
    name: 'portwatch_alerts_unacknowledged',
    help: 'Alerts neither acknowledged nor snoozed.',
    registers: [registry],
    collect() {
      this.set(engine.alerts?.status().unacknowledged ?? 0);
    },
  });

  new Gauge({
    name: 'portwatch_poll_consecutive_failures',
    help: 'Polls that failed in a row (0 while polling works).',
    registers: [registry],
    collect() {
      this.set(monitor.getStatus().consecutiveFailures);
    },
  });

  const alertsRaised = new Counter({
    name: 'portwatch_alerts_raised_total',
    help: 'Alerts raised since the engine started, by kind and severity.',
    labelNames: ['kind', 'severity'] as const,
    registers: [registry],
  });
  // Every series from the start, so increase() sees the first alert of a kind.
  for (const kind of ALERT_KINDS) for (const severity of SEVERITIES) alertsRaised.inc({ kind, severity }, 0);
  const stopAlerts = engine.alerts?.subscribe((e) => {
    if (e.type === 'alert') alertsRaised.inc({ kind: e.alert.kind, severity: e.alert.severity });
  });

  const pollSeconds = new Histogram({
    name: 'portwatch_poll_duration_seconds',
    help: 'Wall time of one poll of the socket tables.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  let observedSeq = -1;
  const stopPolls = monitor.subscribe((e) => {
    if (e.type !== 'status') return;
    const poll = e.status.lastPoll;
    if (poll === null || poll.seq === observedSeq) return;
    observedSeq = poll.seq;
    pollSeconds.observe(poll.durationMs / 1000);
  });

  const trafficBytes = new Counter({
    name: 'portwatch_traffic_bytes_total',
    help: "TCP bytes by process name and direction (sent, received), counted from each connection's kernel counters; process 'unknown' for bytes no process could be credited with.",
    labelNames: ['process', 'direction'] as const,
    registers: [registry],
  });
  const traffic = new TrafficTotals((process, direction, bytes) => trafficBytes.inc({ process, direction }, bytes));
  const stopTraffic = monitor.subscribeTraffic((update) => traffic.apply(update));
  const initial = monitor.getTraffic();
  if (initial !== null) traffic.seed(initial);

  const interfaceBytes = new Counter({
    name: 'portwatch_interface_bytes_total',
    help: "Bytes by network interface (lo included) and direction (sent, received), from the kernel's interface counters (/proc/net/dev on Linux).",
    labelNames: ['interface', 'direction'] as const,
    registers: [registry],
  });
  const interfaces = new InterfaceTotals((name, direction, bytes) => interfaceBytes.inc({ interface: name, direction }, bytes));
  const stopInterfaces = monitor.subscribeTraffic((update) => interfaces.apply(update.interfaces));
  if (initial !== null) interfaces.apply(initial.interfaces);

  return {
    registry,
    close() {
      stopAlerts?.();
      stopPolls();
      stopTraffic();
      stopInterfaces();
    },
  };
}

function countBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/**
 * Turns the engine's per-process byte totals (which drop when a process goes away) into monotonic
 * counts by name: each update adds what each process moved since the last one it was seen in.
 */
export class TrafficTotals {
  private readonly last = new Map<string, { sent: number; received: number }>();
  private readonly names = new Set<string>();
  private unattributed: { sent: number; received: number } | null = null;

  constructor(private readonly add: (process: string, direction: 'sent' | 'received', bytes: number) => void) {}

  seed(state: TrafficState): void {
    for (const p of state.processes) this.process(p);
    this.unknown(state.unattributed);
  }

  apply(update: TrafficUpdate): void {
    for (const key of update.processesGone) this.last.delete(key);
    for (const p of update.processes) this.process(p);
    if (update.unattributed !== null) this.unknown(update.unattributed);
  }

  private process(p: ProcessTraffic): void {
    const before = this.last.get(p.key) ?? { sent: 0, received: 0 };
    this.last.set(p.key, { sent: p.bytesSent, received: p.bytesReceived });
    this.credit(this.label(p.name), before, p);
  }

  /** The process's label: its name while names are few, OTHER_PROCESS for new ones past the cap. */
  private label(name: string | null): string {
    const label = processLabel(name);
    if (this.names.has(label)) return label;
    if (this.names.size >= MAX_TRAFFIC_NAMES) return OTHER_PROCESS;
    this.names.add(label);
    return label;
  }

  private unknown(u: UnattributedTraffic): void {
    const before = this.unattributed ?? { sent: 0, received: 0 };
    this.unattributed = { sent: u.bytesSent, received: u.bytesReceived };
    this.credit(UNKNOWN_PROCESS, before, u);
  }

  private credit(name: string, before: { sent: number; received: number }, now: { bytesSent: number; bytesReceived: number }): void {
    // A total that went down (a process's record rebuilt) counts from there, never backwards.
    const sent = now.bytesSent - before.sent;
    const received = now.bytesReceived - before.received;
    if (sent > 0) this.add(name, 'sent', sent);
    if (received > 0) this.add(name, 'received', received);
  }
}

/**
 * Turns each interface's kernel counters (bytes since it came up) into counts by name: the first
 * reading counts whole, as node_exporter exposes them; a counter that went back (the interface made
 * again, a 32-bit wrap) counts what it holds now, the bytes since.
 */
export class InterfaceTotals {
  private readonly last = new Map<string, { sent: number; received: number }>();
  private readonly names = new Set<string>();

  constructor(private readonly add: (name: string, direction: 'sent' | 'received', bytes: number) => void) {}

  apply(interfaces: readonly InterfaceTraffic[]): void {
    for (const i of interfaces) {
      const before = this.last.get(i.name) ?? { sent: 0, received: 0 };
      // Delete, then set: the map's order is the order of the last update.
      this.last.delete(i.name);
      this.last.set(i.name, { sent: i.bytesSent, received: i.bytesReceived });
      if (this.last.size > MAX_INTERFACES_KEPT) this.last.delete(this.last.keys().next().value!);
      const label = this.label(i.name);
      const sent = i.bytesSent >= before.sent ? i.bytesSent - before.sent : i.bytesSent;
      const received = i.bytesReceived >= before.received ? i.bytesReceived - before.received : i.bytesReceived;
      if (sent > 0) this.add(label, 'sent', sent);
      if (received > 0) this.add(label, 'received', received);
    }
  }

  private label(name: string): string {
    if (this.names.has(name)) return name;
    if (this.names.size >= MAX_INTERFACE_NAMES) return OTHER_INTERFACE;
    this.names.add(name);
    return name;
  }
}

/** A listener's labels in portwatch_listening_ports. */
export function listenerLabels(s: Socket): { port: string; protocol: string; process: string; exposure: Exposure } {
  return { port: String(s.localPort), protocol: s.protocol, process: processLabel(s.process?.name), exposure: exposureOf(s.localAddress) };
}
