// Electronegativity over the Electron glue and the page: fails on any HIGH or MEDIUM finding.
// Its CLI breaks on our commander version, so this calls its runner directly. Findings we reviewed
// are marked where they stand with the tool's own `eng-disable CHECK_ID` comment and a reason.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const run = require('@doyensec/electronegativity');
const root = fileURLToPath(new URL('../', import.meta.url));
const electron = require('electron/package.json').version;

const result = await run({
  input: `${root}src`,
  output: undefined,
  isSarif: false,
  customScan: [],
  excludeFromScan: [],
  severitySet: undefined,
  confidenceSet: undefined,
  isRelative: true,
  isVerbose: false,
  electronUpgrade: undefined,
  electronVersionOverride: electron,
  parserPlugins: [],
});
const serious = result.issues.filter((i) => i.severity.value >= 2 /* MEDIUM */);
for (const i of result.issues) {
  console.log(`${i.severity.name.padEnd(13)} ${i.id.padEnd(28)} ${i.file}:${i.location.line}${i.manualReview ? '  (review)' : ''}`);
}
console.log(
  `electronegativity ${result.atomicChecks + result.globalChecks} checks over src/ (Electron ${electron}): ` +
    `${result.issues.length} findings, ${serious.length} HIGH or MEDIUM`,
);
process.exit(serious.length > 0 ? 1 : 0);
