// How the one-shot commands (snapshot, ip) name addresses: the shared --no-dns and --dns-server
// options, PORTWATCH_DNS_SERVER beneath them, and one bounded wait for PTR answers.
import type { Command } from 'commander';
import { nameAddresses } from '../core/names/address-names.js';
import { AddressOwners } from '../core/names/address-owners.js';
import { dnsFromEnvironment } from '../core/names/dns-environment.js';
import { ReverseDns } from '../core/names/reverse-dns.js';
import type { AddressNames } from '../shared/names.js';
import { parseDnsServerArg } from './parse.js';

export interface NameOptions {
  /** commander's --no-dns: false when given. */
  dns?: boolean;
  dnsServer?: string;
}

/** How long a one-shot command waits for PTR answers before it prints what it has. */
export const CLI_DNS_WAIT_MS = 3000;

export function addNameOptions(command: Command): Command {
  return command
    .option('--no-dns', 'do not ask DNS for host names (reverse lookups tell the DNS server whom this machine talks to)')
    .option('--dns-server <host:port>', 'ask this DNS server for host names instead of the system resolver', parseDnsServerArg);
}

/**
 * The names of these addresses: offline ones always, host names unless DNS is off; and the PTR names
 * that forward lookups refuted (unconfirmed, by address).
 */
export async function lookupNames(keys: Iterable<string>, options: NameOptions & { numeric?: boolean }): Promise<{ names: Map<string, AddressNames>; unconfirmed: Map<string, string>; problems: readonly string[] }> {
  const owners = new AddressOwners();
  let dns: ReverseDns | null = null;
  if (options.dns !== false && options.numeric !== true) {
    if (options.dnsServer !== undefined) dns = new ReverseDns({ servers: [options.dnsServer] });
    else {
      const choice = dnsFromEnvironment();
      if (choice.reverseDns) dns = new ReverseDns(choice.servers ? { servers: choice.servers } : {});
    }
  }
  try {
    const names = await nameAddresses(keys, owners, dns, CLI_DNS_WAIT_MS);
    const unconfirmed = new Map<string, string>();
    for (const key of names.keys()) {
      const claimed = dns?.unconfirmedName(key) ?? null;
      if (claimed !== null) unconfirmed.set(key, claimed);
    }
    return { names, unconfirmed, problems: owners.problems };
  } finally {
    dns?.close();
  }
}
