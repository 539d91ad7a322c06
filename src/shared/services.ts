// IANA service names by port and protocol ("ssh", "http", "postgresql"): one lookup for the engine,
// the CLI and the views. The table is generated from a maintained registry package
// (scripts/gen-service-names.mjs) and parsed on first use.
import type { Protocol } from './model.js';
import { SERVICE_NAMES_DATA } from './service-names-data.js';

let tables: { tcp: Map<number, string>; udp: Map<number, string> } | null = null;

function load(): { tcp: Map<number, string>; udp: Map<number, string> } {
  if (tables !== null) return tables;
  const tcp = new Map<number, string>();
  const udp = new Map<number, string>();
  for (const line of SERVICE_NAMES_DATA.split('\n')) {
    const parts = line.split(' ');
    const port = Number(parts[0]);
    if (parts.length === 2) {
      tcp.set(port, parts[1]!);
      udp.set(port, parts[1]!);
    } else if (parts[1] === 't') tcp.set(port, parts[2]!);
    else udp.set(port, parts[2]!);
  }
  tables = { tcp, udp };
  return tables;
}

/** The IANA service name for a port, or null when it has none (or the port is null). */
export function serviceName(port: number | null, protocol: Protocol): string | null {
  if (port === null || port === 0) return null;
  return load()[protocol].get(port) ?? null;
}
