// Whether this machine measures traffic per connection, and why not: one poll of the real source with
// traffic wanted. Tests that need counters skip, with the reason, where the kernel gives none.
import { Monitor } from '../../src/core/monitor.js';
import { LinuxProcSource } from '../../src/core/sources/linux-proc.js';

export interface TrafficMeasured {
  /** tcp_info counters per connection. */
  connections: boolean;
  /** Final counters of closed connections (the kernel's TCP-destroy messages). */
  closedConnections: boolean;
  /** The source's notes when something is not measured. */
  whyNot: string;
}

export async function trafficMeasured(): Promise<TrafficMeasured> {
  const source = new LinuxProcSource();
  try {
    const monitor = new Monitor({ source });
    monitor.wantTraffic();
    await monitor.pollOnce();
    const availability = monitor.getStatus().traffic;
    return { connections: availability?.connections === true, closedConnections: availability?.closedConnections === true, whyNot: availability?.notes.join(' ') ?? 'no traffic status' };
  } finally {
    source.close?.();
  }
}
