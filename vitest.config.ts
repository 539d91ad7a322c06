import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    // Integration tests start real processes and poll real sockets: give them room on a busy machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Socket tests read the whole machine's tables; running files one at a time keeps them honest.
    fileParallelism: false,
    // No test asks the machine's DNS resolver: reverse DNS is off in every engine and CLI a test
    // starts, unless the test points it at a DNS responder of its own on loopback.
    env: { PORTWATCH_DNS_SERVER: 'off' },
  },
});
