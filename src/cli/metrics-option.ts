// --metrics HOST:PORT, as `agent` and `serve` share it: Prometheus metrics of the engine on their
// own listener, with the failure to listen said in one line.
import { Option } from 'commander';
import type { Engine } from '../core/engine.js';
import type { RunningMetricsServer } from '../server/metrics-server.js';
import { addressScope } from '../shared/address.js';
import { parseListenAddress, type ListenAddress } from './parse.js';
import { packageVersion } from './package-root.js';

export function metricsOption(): Option {
  return new Option('--metrics <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (a port alone listens on 127.0.0.1)').argParser(parseListenAddress);
}

export interface CliMetrics {
  url: string;
  close(): Promise<void>;
}

/** Starts the metrics listener for engine; throws one line when it cannot listen. */
export async function startCliMetrics(engine: Engine, at: ListenAddress, warn: (line: string) => void): Promise<CliMetrics> {
  // Loaded only when metrics are asked for: prom-client costs every other command ~80 ms to load.
  const [{ createEngineMetrics }, { startMetricsServer }] = await Promise.all([import('../server/metrics.js'), import('../server/metrics-server.js')]);
  const metrics = createEngineMetrics(engine, { version: packageVersion() });
  let server: RunningMetricsServer;
  try {
    server = await startMetricsServer({ registry: metrics.registry, host: at.host, port: at.port });
  } catch (e) {
    metrics.close();
    const code = (e as NodeJS.ErrnoException).code;
    const where = `${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}`;
    if (code === 'EADDRINUSE') throw new Error(`cannot serve metrics on ${where}: the port is already in use (choose another, or port 0 for any free one)`, { cause: e });
    if (code === 'EADDRNOTAVAIL') throw new Error(`cannot serve metrics on ${where}: no interface of this machine has that address`, { cause: e });
    if (code === 'EACCES') throw new Error(`cannot serve metrics on ${where}: not allowed to listen there (choose a port above 1023)`, { cause: e });
    throw new Error(`cannot serve metrics on ${where}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (addressScope(server.host) !== 'loopback') warn(`metrics are served on ${server.host}, reachable from other machines; firewall the port to your Prometheus`);
  return {
    url: server.url,
    async close() {
      metrics.close();
      await server.close();
    },
  };
}
