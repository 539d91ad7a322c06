// `npm run bench:names`: what confirming a PTR name (its forward A/AAAA lookup must include the
// address) costs in how soon names appear. A DNS responder on loopback answers every question after
// a set delay (a resolver's round trip); ReverseDns looks up peers as before confirmation (PTR only,
// 4 lookups in flight), confirming with 4 in flight, and confirming as shipped (8 in flight, each
// lookup one query at a time: at most 8 queries out).
//
// - one peer at a time (a new connection now and then: the usual case), the time to its name;
// - a burst of BENCH_NAMES_BURST new peers at once (a browser opening a page), the time to each name.
// A view sees a name one NameService batch (250 ms) after the answer, on top of these figures.
//
// BENCH_NAMES_RTT (ms, default 0,20), BENCH_NAMES_BURST (default 200).
import { ReverseDns } from '../src/core/names/reverse-dns.js';
import { startDnsResponder } from '../tests/helpers/dns-responder.js';

const RTTS = (process.env.BENCH_NAMES_RTT ?? '0,20').split(',').map(Number);
const BURST = Number(process.env.BENCH_NAMES_BURST ?? 200);
const SINGLES = 30;

/** Peers 10.77.x.y, each with an honest PTR name that resolves back to it. */
function peers(n: number, offset: number): string[] {
  return Array.from({ length: n }, (_, i) => `10.77.${Math.floor((i + offset) / 250)}.${((i + offset) % 250) + 1}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

interface Figures {
  single: number[];
  burst: number[];
}

async function measure(rtt: number, forwardConfirm: boolean, concurrency?: number): Promise<Figures> {
  const all = peers(SINGLES + BURST, 0);
  const answers = Object.fromEntries(all.map((a) => [a, { ptr: `h-${a.replace(/\./g, '-')}.example.test` }]));
  const forward = Object.fromEntries(all.map((a) => [`h-${a.replace(/\./g, '-')}.example.test`, [a]]));
  const responder = await startDnsResponder(answers, { forward, delayMs: rtt });
  const dns = new ReverseDns({ servers: [responder.server], forwardConfirm, ...(concurrency ? { concurrency } : {}) });
  try {
    const single: number[] = [];
    for (const address of all.slice(0, SINGLES)) {
      const t0 = performance.now();
      const name = await dns.lookup(address);
      if (name === null) throw new Error(`${address} got no name`);
      single.push(performance.now() - t0);
    }
    const t0 = performance.now();
    const burst = await Promise.all(
      all.slice(SINGLES).map((address) =>
        dns.lookup(address).then((name) => {
          if (name === null) throw new Error(`${address} got no name`);
          return performance.now() - t0;
        }),
      ),
    );
    return { single: single.sort((a, b) => a - b), burst: burst.sort((a, b) => a - b) };
  } finally {
    dns.close();
    await responder.close();
  }
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
console.log(`names: time to a host name (${SINGLES} single peers, a burst of ${BURST})`);
console.log(`  ${''.padEnd(30)} ${'PTR only, 4'.padStart(12)} ${'confirmed, 4'.padStart(12)} ${'confirmed, 8'.padStart(12)}  shipped ÷ before`);
for (const rtt of RTTS) {
  const runs = [await measure(rtt, false, 4), await measure(rtt, true, 4), await measure(rtt, true)];
  for (const [what, pick] of [
    ['one peer, median', (f: Figures) => percentile(f.single, 50)],
    ['burst, median name', (f: Figures) => percentile(f.burst, 50)],
    ['burst, last name', (f: Figures) => percentile(f.burst, 100)],
  ] as const) {
    const [before, four, shipped] = runs.map(pick) as [number, number, number];
    console.log(`  rtt ${String(rtt).padStart(3)} ms, ${what.padEnd(20)} ${ms(before).padStart(12)} ${ms(four).padStart(12)} ${ms(shipped).padStart(12)}  ${(shipped / before).toFixed(2)}×`);
  }
}
