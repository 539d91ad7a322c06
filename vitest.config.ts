import { defineConfig } from 'vitest/config';
import { netnsPool, netnsPrefix } from './tests/netns-pool.js';

// Test files run in parallel, beside whatever else runs on this machine: none may assume a port, a pid
// or a folder stays free or theirs (tests/helpers has reserved ports, private folders and waits on
// conditions). The files below are about the socket table at rest, or the kernel's per-namespace
// counters, which only a network namespace of their own gives them (tests/netns-pool.ts); without one
// they share the machine's.
const OWN_NETNS = ['tests/unit/main/app.test.ts', 'tests/integration/linux-proc.test.ts', 'tests/integration/netlink-established.test.ts'];
const prefix = netnsPrefix();

export default defineConfig({
  test: {
    // Integration tests start real processes and wait for real polls, which a busy machine slows down
    // several times over (two watch runs of 24 polls took over 30 s at a load of 14 on 2 cores). The
    // tests wait on conditions, never on time: the timeout only catches a hang.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // No test asks the machine's DNS resolver: reverse DNS is off in every engine and CLI a test
    // starts, unless the test points it at a DNS responder of its own on loopback.
    env: { PORTWATCH_DNS_SERVER: 'off' },
    fileParallelism: true,
    // What integration files run or pack (the CLI's build, out/, the addon) is built once, up front.
    globalSetup: ['tests/global-setup.ts'],
    // Most files wait on child processes and polls rather than compute: more workers than cores pays.
    maxWorkers: 4,
    projects: [
      {
        extends: true,
        test: { name: 'shared-netns', include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'], exclude: OWN_NETNS },
      },
      {
        extends: true,
        test: { name: 'own-netns', include: OWN_NETNS, ...(prefix ? { pool: netnsPool(prefix) } : {}) },
      },
    ],
  },
});
