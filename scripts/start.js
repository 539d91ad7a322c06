// `npm start`: build what is stale, then open Portwatch in Electron where its runtime is installed,
// or in the browser (`portwatch serve`) where it is not — the monitor comes up either way.
// Extra arguments (`npm start -- --no-open --port 0`) go to whichever host starts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const at = (...parts) => join(root, ...parts);
const args = process.argv.slice(2);

function fail(message) {
  console.error(`portwatch: ${message}`);
  process.exit(1);
}

/** Newest modification time of the given files and folders (recursively); 0 if none exist. */
function newest(paths) {
  let max = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    if (stat.isDirectory()) max = Math.max(max, newest(readdirSync(path).map((name) => join(path, name))));
    else max = Math.max(max, stat.mtimeMs);
  }
  return max;
}

/** Oldest modification time of the outputs, or -1 when one is missing (so it must be built). */
function oldest(paths) {
  if (!paths.every((path) => existsSync(path))) return -1;
  return Math.min(...paths.map((path) => statSync(path).mtimeMs));
}

/** Runs a build tool with this Node (no npx or shell: the same on every OS) and stops on failure. */
function build(what, script, scriptArgs) {
  const tool = at('node_modules', ...script);
  if (!existsSync(tool)) fail(`${script[0]} is not installed; run npm install first`);
  console.log(`Building ${what}…`);
  const result = spawnSync(process.execPath, [tool, ...scriptArgs], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) fail(`building ${what} failed (see above); fix it and run npm start again`);
}

// The app Electron and the browser load: main, preload and renderer bundles in out/.
const appOutputs = [at('out', 'main', 'index.js'), at('out', 'preload', 'index.cjs'), at('out', 'renderer', 'index.html')];
if (oldest(appOutputs) < newest([at('src'), at('electron.vite.config.ts')])) {
  build('the app', ['electron-vite', 'bin', 'electron-vite.js'], ['build']);
}
// The compiled engine and CLI that bin/portwatch.js runs (the same as `npm run build:node`).
const nodeSources = ['shared', 'core', 'cli', 'server'].map((dir) => at('src', dir));
if (oldest([at('dist', 'node', 'cli', 'index.js')]) < newest([...nodeSources, at('tsconfig.node.json'), at('tsconfig.base.json')])) {
  build('the command line', ['typescript', 'bin', 'tsc'], ['-p', 'tsconfig.node.json']);
}

/**
 * The Electron binary, if its runtime was downloaded. Read from the files the electron package's
 * installer writes, never by importing `electron`: that would try (and here fail) to download it.
 */
function electronBinary() {
  try {
    const relative = readFileSync(at('node_modules', 'electron', 'path.txt'), 'utf8').trim();
    const binary = at('node_modules', 'electron', 'dist', relative);
    return relative !== '' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const electron = electronBinary();
let command;
let commandArgs;
if (electron) {
  [command, commandArgs] = [electron, ['.', ...args]];
} else {
  console.log("Electron's runtime is not installed here (it cannot be downloaded on this machine); serving Portwatch in browser mode instead.");
  [command, commandArgs] = [process.execPath, [at('bin', 'portwatch.js'), 'serve', ...args]];
}

// Its own process group on POSIX, so Ctrl+C reaches it once (forwarded below), not twice.
const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], detached: process.platform !== 'win32' });
child.on('error', (e) => fail(`could not start ${command}: ${e.message}`));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
