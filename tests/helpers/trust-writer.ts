// A child for the durability test: trusts rule after rule in the store at argv[2], printing "saved N"
// once each trust() has resolved (the rule is on disk), until it is killed.
import { TrustStore } from '../../src/core/store/trust-store.js';

const [dir, prefix] = process.argv.slice(2);
if (!dir || !prefix) throw new Error('usage: trust-writer DIR PREFIX');
const { store } = await TrustStore.open(dir, { learnSeconds: 0 });
for (let i = 0; ; i++) {
  // Alternate kinds, and learn a little too, so the file grows the way a real one does.
  if (i % 3 === 0) await store.trust({ kind: 'executable', exe: `/opt/${prefix}/app${i}` });
  else if (i % 3 === 1) await store.trust({ kind: 'listener', exe: `/opt/${prefix}/app${i}`, port: i % 65536, protocol: 'tcp' });
  else await store.trust({ kind: 'destination', exe: `/opt/${prefix}/app${i}`, host: `10.${i % 256}.0.0/16`, port: null });
  process.stdout.write(`saved ${i}\n`);
}
