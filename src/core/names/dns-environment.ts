// PORTWATCH_DNS_SERVER: where reverse-DNS queries go, for every host of the engine (the app, serve,
// watch, the CLI). "off" turns lookups off; "HOST[:PORT]" (comma-separated for more than one) sends
// them there instead of the system's resolver. The test suites set it so that no test ever asks the
// machine's resolver; a user can point Portwatch at a resolver they trust.
import { parseDnsServer } from './reverse-dns.js';

export const DNS_SERVER_VARIABLE = 'PORTWATCH_DNS_SERVER';

export type DnsChoice = { reverseDns: false } | { reverseDns: true; servers?: string[] };

/** The choice the variable makes; throws a one-line error for a malformed value. */
export function dnsFromEnvironment(env: NodeJS.ProcessEnv = process.env): DnsChoice {
  const value = env[DNS_SERVER_VARIABLE]?.trim();
  if (value === undefined || value === '') return { reverseDns: true };
  if (value.toLowerCase() === 'off') return { reverseDns: false };
  const servers = value.split(',').map((part) => {
    const server = parseDnsServer(part.trim());
    if (server === null) throw new Error(`${DNS_SERVER_VARIABLE}: ${JSON.stringify(part.trim()).slice(0, 80)} is not an IP address with an optional port (or "off")`);
    return server;
  });
  return { reverseDns: true, servers };
}
