// Playwright: the UI in Debian's Chromium against the real browser mode (`portwatch serve`), plus
// Electron specs where Electron's runtime exists. The renderer benchmark (@bench) runs only when
// asked for: npx playwright test --grep @bench
import { defineConfig } from '@playwright/test';

// No spec asks the machine's DNS resolver: the servers the specs start inherit this (reverse DNS off).
process.env.PORTWATCH_DNS_SERVER = 'off';

const askedForBench = process.argv.some((a) => a.includes('@bench'));

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/playwright',
  globalSetup: './e2e/global-setup.ts',
  grepInvert: askedForBench ? undefined : /@bench/,
  // Specs wait on conditions; the timeouts only catch a hang. The UI follows real polls, and on a
  // machine busy with other work (load 16 on 2 cores) a spec that takes 5 s alone took 46 s and a
  // conflict badge more than 20 s.
  timeout: 300_000,
  expect: { timeout: 60_000 },
  // The specs share one `portwatch serve` (global-setup.ts), and some change its state for every page
  // (connections.spec pauses its monitor, watched-ports.spec edits its list): one spec at a time.
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  use: {
    viewport: { width: 1440, height: 860 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        // performance.memory in the renderer benchmark reports real heap sizes with this.
        '--enable-precise-memory-info',
      ],
    },
  },
});
