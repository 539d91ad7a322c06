// The one rule for what the engine looks up about an address, used by the live NameService and by
// the one-shot commands (snapshot, ip): loopback is "localhost" with no query; public addresses get
// the offline owner; PTR queries go out only for addresses a DNS server could name.
import type { AddressRange } from '../../shared/address.js';
import { addressRange } from '../../shared/address.js';
import type { AddressNames } from '../../shared/names.js';
import type { AddressOwners } from './address-owners.js';
import type { ReverseDns } from './reverse-dns.js';

/** The name loopback addresses go by, as /etc/hosts says and netstat shows: no query needed. */
export const LOOPBACK_NAME = 'localhost';

/** Whether a PTR query could name an address of this range (a multicast group or 0.0.0.0 has no owner to ask). */
export function asksDns(range: AddressRange): boolean {
  return range !== 'loopback' && range !== 'unspecified' && range !== 'multicast';
}

/** What is known at once, without DNS: the loopback name and the offline owner of a public address. */
export function offlineNames(key: string, owners: AddressOwners, range: AddressRange = addressRange(key)): AddressNames {
  const owner = range === 'public' ? owners.lookup(key) : null;
  return {
    host: range === 'loopback' ? LOOPBACK_NAME : null,
    country: owner?.country ?? null,
    asn: owner?.asn ?? null,
    org: owner?.org ?? null,
  };
}

/**
 * Names for a set of addresses, once: the offline ones, then forward-confirmed PTR names (when dns is given) for as
 * long as timeoutMs allows; a query still out then leaves its host null.
 */
export async function nameAddresses(keys: Iterable<string>, owners: AddressOwners, dns: ReverseDns | null, timeoutMs: number): Promise<Map<string, AddressNames>> {
  const out = new Map<string, AddressNames>();
  const asked: Promise<void>[] = [];
  for (const key of keys) {
    const range = addressRange(key);
    const names = offlineNames(key, owners, range);
    out.set(key, names);
    if (dns !== null && asksDns(range)) {
      asked.push(
        dns.lookup(key).then((host) => {
          out.set(key, { ...names, host });
        }),
      );
    }
  }
  if (asked.length > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(asked), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }
  return new Map(out);
}
