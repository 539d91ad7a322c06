#!/usr/bin/env node
// Runs the compiled CLI (npm install builds it); from a checkout not yet built, runs the TypeScript.
import { existsSync } from 'node:fs';

const built = new URL('../dist/node/cli/index.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/index.ts', import.meta.url).href);
}
