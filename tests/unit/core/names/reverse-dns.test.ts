// Reverse DNS against a DNS responder the test starts on loopback (never the machine's resolver):
// a PTR answer, NXDOMAIN cached negatively, a silent server answering null without holding the
// others up, bounded concurrency, PTR text that is no host name refused, and a lying PTR (a name
// whose own addresses do not include the peer) never shown.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanHostName, parseDnsServer, ReverseDns } from '../../../../src/core/names/reverse-dns.js';
import { reverseName, startDnsResponder, type DnsResponder } from '../../../helpers/dns-responder.js';

const open: Array<DnsResponder | ReverseDns> = [];
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
});

async function responder(answers: Parameters<typeof startDnsResponder>[0], options?: Parameters<typeof startDnsResponder>[1]): Promise<DnsResponder> {
  const r = await startDnsResponder(answers, options);
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
    const r = await responder(
      { '203.0.113.7': { ptr: 'web7.example.test' }, '2001:db8::7': { ptr: 'V6.Example.Test.' } },
      // The AAAA answer in another spelling of the same address still confirms it.
      { forward: { 'web7.example.test': ['203.0.113.7'], 'v6.example.test': ['2001:db8:0:0:0:0:0:7'] } },
    );
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
    const r = await responder({ '192.0.2.5': { ptr: 'five.example.test' } }, { forward: { 'five.example.test': ['192.0.2.5'] } });
    const dns = resolver({ servers: [r.server] });
    const answers = await Promise.all([dns.lookup('192.0.2.5'), dns.lookup('192.0.2.5'), dns.lookup('192.0.2.5')]);
    expect(answers).toEqual(['five.example.test', 'five.example.test', 'five.example.test']);
    expect(r.asked).toEqual([reverseName('192.0.2.5'), 'five.example.test']);
  });

  it('a silent server answers null after the time-out, and queries beyond the limit wait their turn', async () => {
    const r = await responder({ '192.0.2.1': 'silent', '192.0.2.2': 'silent', '192.0.2.3': { ptr: 'three.example.test' } }, { forward: { 'three.example.test': ['192.0.2.3'] } });
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

  describe('forward confirmation: whoever controls a PTR record cannot name an address anything', () => {
    // 203.0.113.66's reverse zone says it is www.google.com; www.google.com's own records disagree.
    const LIAR = '203.0.113.66';
    const HONEST = '203.0.113.80';
    const answers = { [LIAR]: { ptr: 'www.google.com' }, [HONEST]: { ptr: 'mail.example.test' }, '2001:db8::66': { ptr: 'www.google.com' } } as const;
    const forward = { 'www.google.com': ['142.250.74.36', '2a00:1450:4001:82b::2004'], 'mail.example.test': ['203.0.113.79', '203.0.113.80'] };

    it('shows the honest name and not the lying one, IPv4 and IPv6, and remembers both verdicts', async () => {
      const r = await responder(answers, { forward });
      const dns = resolver({ servers: [r.server] });
      expect(await dns.lookup(HONEST)).toBe('mail.example.test');
      expect(await dns.lookup(LIAR)).toBeNull();
      expect(await dns.lookup('2001:db8::66')).toBeNull();
      expect(dns.unconfirmed).toBe(2);
      // The forward question was asked (A for IPv4, AAAA for IPv6); the verdicts are cached.
      expect(r.asked.filter((n) => n === 'www.google.com')).toHaveLength(2);
      expect(await dns.lookup(LIAR)).toBeNull();
      expect(await dns.lookup(HONEST)).toBe('mail.example.test');
      expect(r.asked).toHaveLength(6);
    });

    it('without confirmation the lie would be shown (what the check prevents)', async () => {
      const r = await responder(answers, { forward });
      expect(await resolver({ servers: [r.server], forwardConfirm: false }).lookup(LIAR)).toBe('www.google.com');
    });

    it('refuses a name that does not resolve, or resolves only in the other family', async () => {
      const r = await responder({ '192.0.2.40': { ptr: 'gone.example.test' }, '192.0.2.41': { ptr: 'v6only.example.test' } }, { forward: { 'v6only.example.test': ['2001:db8::41'] } });
      const dns = resolver({ servers: [r.server] });
      expect(await dns.lookup('192.0.2.40')).toBeNull();
      expect(await dns.lookup('192.0.2.41')).toBeNull();
    });

    it('a forward lookup that never answers times out as "no name", and the next waiting address goes on', async () => {
      const r = await responder({ '192.0.2.50': { ptr: 'slow.example.test' }, '192.0.2.51': { ptr: 'ok.example.test' } }, { forward: { 'slow.example.test': 'silent', 'ok.example.test': ['192.0.2.51'] } });
      const dns = resolver({ servers: [r.server], concurrency: 1, timeoutMs: 200 });
      const slow = dns.lookup('192.0.2.50');
      const next = dns.lookup('192.0.2.51');
      expect(await slow).toBeNull();
      expect(await next).toBe('ok.example.test');
      // The forward query ran in the first lookup's slot: the second PTR went out only after it.
      expect(r.asked.indexOf(reverseName('192.0.2.51'))).toBeGreaterThan(r.asked.lastIndexOf('slow.example.test'));
    });
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
