import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { exposureOf, InterfaceTotals, MAX_INTERFACE_NAMES, MAX_TRAFFIC_NAMES, OTHER_INTERFACE, OTHER_PROCESS, processLabel, TrafficTotals, UNKNOWN_PROCESS } from '../../../src/server/metrics.js';
import type { InterfaceTraffic, ProcessTraffic, TrafficUpdate } from '../../../src/shared/traffic.js';

function proc(key: string, name: string | null, sent: number, received: number): ProcessTraffic {
  const pid = Number(key.split(':')[0]);
  return { key, pid, name, exe: null, startedAt: null, bytesSent: sent, bytesReceived: received, sendRate: 0, receiveRate: 0, connections: 1, closedConnections: 0 };
}

function update(seq: number, processes: ProcessTraffic[], gone: string[] = [], unattributed: TrafficUpdate['unattributed'] = null): TrafficUpdate {
  return { seq, takenAt: seq, intervalMs: 1000, sockets: [], processes, processesGone: gone, interfaces: [], unattributed };
}

describe('metrics labels', () => {
  it('names three exposures', () => {
    expect(exposureOf('0.0.0.0')).toBe('all-interfaces');
    expect(exposureOf('::')).toBe('all-interfaces');
    expect(exposureOf('127.0.0.1')).toBe('loopback');
    expect(exposureOf('127.0.0.53')).toBe('loopback');
    expect(exposureOf('::1')).toBe('loopback');
    expect(exposureOf('192.168.1.5')).toBe('specific');
    expect(exposureOf('fe80::1')).toBe('specific');
    expect(exposureOf('203.0.113.9')).toBe('specific');
  });

  it('bounds process names and names the unknown', () => {
    expect(processLabel('nginx')).toBe('nginx');
    expect(processLabel(null)).toBe(UNKNOWN_PROCESS);
    expect(processLabel('')).toBe(UNKNOWN_PROCESS);
    expect(processLabel('x'.repeat(500))).toHaveLength(64);
  });
});

describe('TrafficTotals', () => {
  it('turns per-process totals into counts that only grow, by name, across processes that come and go', () => {
    const counted = new Map<string, number>();
    const totals = new TrafficTotals((name, direction, bytes) => {
      expect(bytes).toBeGreaterThan(0);
      counted.set(`${name} ${direction}`, (counted.get(`${name} ${direction}`) ?? 0) + bytes);
    });
    totals.apply(update(1, [proc('10:1', 'curl', 100, 1000), proc('11:1', 'curl', 5, 50)]));
    expect(counted.get('curl sent')).toBe(105);
    expect(counted.get('curl received')).toBe(1050);
    // Process 10 moves on; 11 leaves the table; a new process 12 named curl arrives.
    totals.apply(update(2, [proc('10:1', 'curl', 150, 1000), proc('12:9', 'curl', 1, 2)], ['11:1']));
    expect(counted.get('curl sent')).toBe(156);
    expect(counted.get('curl received')).toBe(1052);
    // A pid reused by another process is another key: its totals count from zero.
    totals.apply(update(3, [proc('11:7', 'wget', 30, 40)]));
    expect(counted.get('wget sent')).toBe(30);
    // A total that went down never counts backwards.
    totals.apply(update(4, [proc('10:1', 'curl', 120, 900)]));
    expect(counted.get('curl sent')).toBe(156);
    totals.apply(update(5, [proc('10:1', 'curl', 125, 900)]));
    expect(counted.get('curl sent')).toBe(161);
  });

  it('counts unattributed bytes under process "unknown"', () => {
    const counted: string[] = [];
    const totals = new TrafficTotals((name, direction, bytes) => counted.push(`${name} ${direction} ${bytes}`));
    totals.apply(update(1, [], [], { bytesSent: 10, bytesReceived: 0, sendRate: 0, receiveRate: 0, closedConnections: 1 }));
    totals.apply(update(2, [], [], null));
    totals.apply(update(3, [], [], { bytesSent: 15, bytesReceived: 7, sendRate: 0, receiveRate: 0, closedConnections: 2 }));
    expect(counted).toEqual(['unknown sent 10', 'unknown sent 5', 'unknown received 7']);
  });

  it('keeps the series bounded when a local user names process after process (prctl): new names past the cap count as "other"', async () => {
    const registry = new Registry();
    const bytes = new Counter({ name: 'bytes_total', help: 'b', labelNames: ['process', 'direction'] as const, registers: [registry] });
    const totals = new TrafficTotals((process, direction, n) => bytes.inc({ process, direction }, n));
    totals.apply(update(1, [proc('1:1', 'sshd', 10, 10)]));
    // 5,000 short-lived processes, each with a fresh name, each moving a byte each way.
    for (let i = 0; i < 5000; i++) totals.apply(update(2 + i, [proc(`${100 + i}:1`, `evil-${i}`, 1, 1)], [`${99 + i}:1`]));
    totals.apply(update(6000, [proc('1:1', 'sshd', 30, 10)]));
    const series = (await registry.getSingleMetric('bytes_total')!.get()).values;
    const names = new Set(series.map((v) => v.labels.process));
    expect(names.size).toBe(MAX_TRAFFIC_NAMES + 1);
    // A name seen before the cap keeps counting under its own label; no byte is lost, only named less.
    const sum = (process: string, direction: string) => series.filter((v) => v.labels.process === process && v.labels.direction === direction).reduce((a, v) => a + v.value, 0);
    expect(sum('sshd', 'sent')).toBe(30);
    expect(sum(OTHER_PROCESS, 'sent')).toBe(5000 - (MAX_TRAFFIC_NAMES - 1));
    expect(series.filter((v) => v.labels.direction === 'sent').reduce((a, v) => a + v.value, 0)).toBe(30 + 5000);
  });
});

function iface(name: string, sent: number, received: number): InterfaceTraffic {
  return { name, bytesSent: sent, bytesReceived: received, sendRate: 0, receiveRate: 0 };
}

describe('InterfaceTotals', () => {
  it('counts each interface by name, lo included: the kernel counters first, then what they moved', () => {
    const counted = new Map<string, number>();
    const totals = new InterfaceTotals((name, direction, bytes) => {
      expect(bytes).toBeGreaterThan(0);
      counted.set(`${name} ${direction}`, (counted.get(`${name} ${direction}`) ?? 0) + bytes);
    });
    totals.apply([iface('eth0', 1000, 5000), iface('lo', 200, 200)]);
    expect(Object.fromEntries(counted)).toEqual({ 'eth0 sent': 1000, 'eth0 received': 5000, 'lo sent': 200, 'lo received': 200 });
    // An update names only what moved.
    totals.apply([iface('lo', 1200, 1200)]);
    expect(counted.get('lo sent')).toBe(1200);
    expect(counted.get('eth0 sent')).toBe(1000);
    // The interface made again (its counters start over): the bytes since count, never backwards.
    totals.apply([iface('eth0', 300, 100)]);
    expect(counted.get('eth0 sent')).toBe(1300);
    expect(counted.get('eth0 received')).toBe(5100);
    totals.apply([iface('eth0', 350, 100)]);
    expect(counted.get('eth0 sent')).toBe(1350);
  });

  it('keeps the series bounded on a host that makes a veth per container: new names past the cap count as "other"', async () => {
    const registry = new Registry();
    const bytes = new Counter({ name: 'if_bytes_total', help: 'b', labelNames: ['interface', 'direction'] as const, registers: [registry] });
    const totals = new InterfaceTotals((name, direction, n) => bytes.inc({ interface: name, direction }, n));
    totals.apply([iface('eth0', 10, 10)]);
    // 3,000 containers come and go, each with its veth moving a byte; eth0 moves all along.
    for (let i = 1; i <= 3000; i++) totals.apply([iface('eth0', 10 + i, 10), iface(`veth${i.toString(16)}`, 1, 1)]);
    const series = (await registry.getSingleMetric('if_bytes_total')!.get()).values;
    expect(new Set(series.map((v) => v.labels.interface)).size).toBe(MAX_INTERFACE_NAMES + 1);
    const sum = (name: string) => series.filter((v) => v.labels.interface === name && v.labels.direction === 'sent').reduce((a, v) => a + v.value, 0);
    expect(sum('eth0')).toBe(3010);
    expect(sum(OTHER_INTERFACE)).toBe(3000 - (MAX_INTERFACE_NAMES - 1));
  });
});
