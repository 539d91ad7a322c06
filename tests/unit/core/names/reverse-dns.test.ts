// Reverse DNS against a DNS responder the test starts on loopback (never the machine's resolver):
// a PTR answer, NXDOMAIN cached negatively, a silent server answering null without holding the
// others up, bounded concurrency, and PTR text that is no host name refused.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanHostName, parseDnsServer, ReverseDns } from '../../../../src/core/names/reverse-dns.js';
import { reverseName, startDnsResponder, type DnsResponder } from '../../../helpers/dns-responder.js';

const open: Array<DnsResponder | ReverseDns> = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

async function responder(answers: Parameters<typeof startDnsResponder>[0]): Promise<DnsResponder> {
  const r = await startDnsResponder(answers);
  open.push(r);
  return r;
}

function resolver(options: ConstructorParameters<typeof ReverseDns>[0]): ReverseDns {
  const dns = new ReverseDns(options);
  open.push(dns);
  return dns;
}

describe('ReverseDns', () => {
  it('answers a PTR name, IPv4 and IPv6, and keeps it for its TTL', async () => {
    const r = await responder({ '203.0.113.7': { ptr: 'web7.example.test' }, '2001:db8::7': { ptr: 'V6.Example.Test.' } });
    let now = 1_000;
    const dns = resolver({ servers: [r.server], ttlMs: 60_000, now: () => now });
    expect(await dns.lookup('203.0.113.7')).toBe('web7.example.test');
    expect(await dns.lookup('2001:db8::7')).toBe('v6.example.test');
    expect(await dns.lookup('203.0.113.7')).toBe('web7.example.test');
    expect(r.asked.filter((n) => n === reverseName('203.0.113.7'))).toHaveLength(1);
    now += 60_001;
    expect(dns.cached('203.0.113.7')).toBeUndefined();
    expect(await dns.lookup('203.0.113.7')).toBe('web7.example.test');
    expect(r.asked.filter((n) => n === reverseName('203.0.113.7'))).toHaveLength(2);
  });

  it('caches NXDOMAIN as "no name" for the negative TTL, then asks again', async () => {
    const r = await responder({});
    let now = 1_000;
    const dns = resolver({ servers: [r.server], negativeTtlMs: 5_000, now: () => now });
    expect(await dns.lookup('198.51.100.20')).toBeNull();
    expect(dns.cached('198.51.100.20')).toBeNull();
    expect(await dns.lookup('198.51.100.20')).toBeNull();
    expect(r.asked).toEqual([reverseName('198.51.100.20')]);
    now += 5_001;
    expect(await dns.lookup('198.51.100.20')).toBeNull();
    expect(r.asked).toHaveLength(2);
  });

  it('shares one query between concurrent asks', async () => {
    const r = await responder({ '192.0.2.5': { ptr: 'five.example.test' } });
    const dns = resolver({ servers: [r.server] });
    const answers = await Promise.all([dns.lookup('192.0.2.5'), dns.lookup('192.0.2.5'), dns.lookup('192.0.2.5')]);
    expect(answers).toEqual(['five.example.test', 'five.example.test', 'five.example.test']);
    expect(r.asked).toHaveLength(1);
  });

  it('a silent server answers null after the time-out, and queries beyond the limit wait their turn', async () => {
    const r = await responder({ '192.0.2.1': 'silent', '192.0.2.2': 'silent', '192.0.2.3': { ptr: 'three.example.test' } });
    const dns = resolver({ servers: [r.server], concurrency: 2, timeoutMs: 200 });
    let answered = 0;
    const slow = [dns.lookup('192.0.2.1'), dns.lookup('192.0.2.2')].map((p) => p.finally(() => answered++));
    const third = dns.lookup('192.0.2.3');
    expect(dns.pending).toBe(3);
    await r.waitAsked(reverseName('192.0.2.1'));
    await r.waitAsked(reverseName('192.0.2.2'));
    // Two in flight, both silent: the third is sent only once one of them has timed out (checked by
    // order, not by time: on a busy machine the time-out may pass before this line runs).
    await r.waitAsked(reverseName('192.0.2.3'));
    expect(answered).toBeGreaterThanOrEqual(1);
    expect(r.asked.indexOf(reverseName('192.0.2.3'))).toBeGreaterThan(Math.max(r.asked.indexOf(reverseName('192.0.2.1')), r.asked.indexOf(reverseName('192.0.2.2'))));
    expect(await Promise.all(slow)).toEqual([null, null]);
    expect(await third).toBe('three.example.test');
  });

  it('drops the oldest wait when the queue is full (answered null, not cached)', async () => {
    const r = await responder({ '192.0.2.1': 'silent' });
    const dns = resolver({ servers: [r.server], concurrency: 1, maxQueue: 1, timeoutMs: 200 });
    const first = dns.lookup('192.0.2.1');
    const dropped = dns.lookup('192.0.2.2');
    const kept = dns.lookup('192.0.2.3');
    expect(await dropped).toBeNull();
    expect(dns.cached('192.0.2.2')).toBeUndefined();
    await Promise.all([first, kept]);
    expect(r.asked).not.toContain(reverseName('192.0.2.2'));
    expect(r.asked).toContain(reverseName('192.0.2.3'));
  });

  it('refuses PTR text that is no host name', async () => {
    const r = await responder({ '192.0.2.66': { ptr: 'evil\u001b]0;pwned\u0007.example.test' } });
    const dns = resolver({ servers: [r.server] });
    expect(await dns.lookup('192.0.2.66')).toBeNull();
    expect(cleanHostName('ok-host_1.example.test.')).toBe('ok-host_1.example.test');
    for (const bad of ['', 'a b.test', 'x'.repeat(64) + '.test', 'bad..name', '-x.test', 'x.test\n', 'é.test']) expect(cleanHostName(bad), bad).toBeNull();
  });

  it('parses server text as Resolver.setServers takes it', () => {
    expect(parseDnsServer('127.0.0.1:5353')).toBe('127.0.0.1:5353');
    expect(parseDnsServer('127.0.0.1')).toBe('127.0.0.1');
    expect(parseDnsServer('[::1]:53')).toBe('[::1]:53');
    expect(parseDnsServer('::1')).toBe('::1');
    expect(parseDnsServer('[::1]')).toBe('::1');
    for (const bad of ['', 'localhost:53', '127.0.0.1:0', '127.0.0.1:70000', '1.2.3:53', '[nope]:53']) expect(parseDnsServer(bad), bad).toBeNull();
  });
});
