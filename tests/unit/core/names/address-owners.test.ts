// The offline owner databases answer for known public addresses with no network at all (the test
// runs them in a network namespace of their own, with no interface up), and the compact AS table holds what the
// registry package's CSV says.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AddressOwners, findAsnTable, findCountryDatabase } from '../../../../src/core/names/address-owners.js';
import { AsnDatabase } from '../../../../src/core/names/asn-database.js';

const require = createRequire(import.meta.url);

describe('AddressOwners', () => {
  it('finds both databases where the package keeps them', () => {
    expect(findCountryDatabase()).toMatch(/geo-whois-asn-country\.mmdb$/);
    expect(findAsnTable()).toMatch(/generated[/\\]asn-owners\.bin\.gz$/);
  });

  it('answers country, AS number and organisation for known public addresses, v4, v6 and IPv4-mapped', () => {
    const owners = new AddressOwners();
    expect(owners.lookup('8.8.8.8')).toEqual({ country: 'US', asn: 15169, org: 'Google LLC' });
    expect(owners.lookup('2001:4860:4860::8888')).toEqual({ country: 'US', asn: 15169, org: 'Google LLC' });
    expect(owners.lookup('::ffff:1.1.1.1')).toMatchObject({ asn: 13335, org: 'Cloudflare, Inc.' });
    expect(owners.lookup('193.0.6.139')).toMatchObject({ country: 'NL', asn: 3333 });
    // Private and reserved space has no owner in either database.
    expect(owners.lookup('10.1.2.3')).toEqual({ country: null, asn: null, org: null });
    expect(owners.problems).toEqual([]);
  });

  it('loads off the event loop for the engine, with the same answers', async () => {
    const owners = new AddressOwners();
    expect(owners.loaded).toBe(false);
    await owners.ready();
    expect(owners.loaded).toBe(true);
    expect(owners.lookup('8.8.8.8')).toEqual({ country: 'US', asn: 15169, org: 'Google LLC' });
    const broken = new AddressOwners({ countryPath: '/nonexistent/country.mmdb', asnPath: '/nonexistent/asn.bin.gz' });
    await broken.ready();
    expect(broken.problems).toHaveLength(2);
  });

  it('needs no network: the same answers in a network namespace with no interface up', () => {
    // unshare --net: a fresh network namespace whose only interface (lo) is down; nothing can be reached.
    const script = `
      const { AddressOwners } = await import('./src/core/names/address-owners.ts');
      const net = await import('node:net');
      const reach = await new Promise((resolve) => net.connect(53, '8.8.4.4').on('connect', () => resolve('reached')).on('error', (e) => resolve(e.code)));
      process.stdout.write(JSON.stringify({ reach, owner: new AddressOwners().lookup('8.8.4.4') }));
    `;
    const out = execFileSync('unshare', ['--net', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ reach: 'ENETUNREACH', owner: { country: 'US', asn: 15169, org: 'Google LLC' } });
  });

  it('says what it could not open, once, and answers nulls', () => {
    const owners = new AddressOwners({ countryPath: '/nonexistent/country.mmdb', asnPath: '/nonexistent/asn.bin.gz' });
    expect(owners.lookup('8.8.8.8')).toEqual({ country: null, asn: null, org: null });
    expect(owners.lookup('1.1.1.1')).toEqual({ country: null, asn: null, org: null });
    expect(owners.problems).toHaveLength(2);
    expect(() => new AsnDatabase(Buffer.from('not a table at all, no'))).toThrow(/not a Portwatch ASN table/);
  });
});

describe('the compact AS table', () => {
  it('holds the CSV rows: every 997th row of both files, its first and last address', () => {
    const table = AsnDatabase.open(findAsnTable()!);
    const folder = dirname(require.resolve('@ip-location-db/asn/package.json'));
    for (const file of ['asn-ipv4.csv', 'asn-ipv6.csv']) {
      const lines = readFileSync(join(folder, file), 'utf8').split('\n').filter(Boolean);
      for (let i = 0; i < lines.length; i += 997) {
        const m = /^([^,]+),([^,]+),(\d+),(.*)$/.exec(lines[i]!)!;
        const org = m[4]!.startsWith('"') ? m[4]!.slice(1, -1).replaceAll('""', '"') : m[4]!;
        for (const address of [m[1]!, m[2]!]) expect(table.lookup(address), `${file}:${i + 1} ${address}`).toEqual({ asn: Number(m[3]), org: org === '' ? null : org });
      }
    }
  });
});
