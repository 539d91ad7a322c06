// `npm start`: build what is stale, then open Portwatch in Electron. When Electron's runtime is
// missing it runs the electron package's own installer first, as `require('electron')` would. Only
// where Electron cannot run (the runtime cannot be had, or a Linux reality below) does it serve the
// same UI in the browser (`portwatch serve`), and says why in one line.
// Extra arguments (`npm start -- --no-open --port 0`) go to whichever host starts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const at = (...parts) => join(root, ...parts);
const args = process.argv.slice(2);
const electronPackage = at('node_modules', 'electron');

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
// Text from outside (an installer's error, a path) reaches the terminal only through this.
const { printable } = await import(pathToFileURL(at('dist', 'node', 'shared', 'printable.js')).href);

/**
 * The Electron binary, where the electron package's installer put it (its path.txt names it), the
 * way the package's index.js finds it; null when the runtime is not installed. Never by importing
 * `electron`, which would start a download of its own, with its output and no way to bound it.
 */
function electronBinary() {
  let relativePath = null;
  try {
    relativePath = readFileSync(join(electronPackage, 'path.txt'), 'utf8').trim() || null;
  } catch {
    // not installed yet
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!override && !relativePath) return null;
  const binary = override ? join(override, relativePath ?? 'electron') : join(electronPackage, 'dist', relativePath);
  return existsSync(binary) ? binary : null;
}

/** The message of a failed installer: its error's first line without the class name, or its exit. */
function installerReason(stderr, status, signal) {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  const error = lines.find((line) => /^[\w.]*(Error|Exception)\b:/.test(line));
  if (error) return error.replace(/^[\w.]*(Error|Exception)\b:\s*/, '');
  if (lines.length > 0) return lines[lines.length - 1];
  return signal ? `the installer was stopped by ${signal}` : `the installer exited with code ${status}`;
}

/**
 * Runs node_modules/electron/install.js, the download `require('electron')` starts when the binary
 * is missing (electron 43+ has no install script), with electron-install-guard.cjs preloaded: a stalled
 * download then fails in seconds, and a network error names its cause. Resolves to null on success,
 * else to the installer's own reason.
 */
function installElectron() {
  const installer = join(electronPackage, 'install.js');
  if (!existsSync(installer)) return Promise.resolve('the electron package is not installed (run npm install)');
  const { version } = JSON.parse(readFileSync(join(electronPackage, 'package.json'), 'utf8'));
  console.log(`Downloading Electron's runtime (electron ${version} for ${process.platform}-${process.arch}); this happens once…`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', at('scripts', 'electron-install-guard.cjs'), installer], {
      cwd: electronPackage,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-64 * 1024)));
    child.on('error', (e) => resolve(`could not run the installer: ${e.message}`));
    child.on('close', (status, signal) => resolve(status === 0 ? null : installerReason(stderr, status, signal)));
  });
}

/** Whether this user may create a user namespace, as Chromium's namespace sandbox must. */
function userNamespacesWork() {
  const probe = spawnSync('unshare', ['--user', '--map-root-user', 'true'], { stdio: 'ignore', timeout: 5000 });
  if (!probe.error) return probe.status === 0;
  // No unshare(1): judge by the switches distributions use to turn them off.
  const read = (path) => {
    try {
      return readFileSync(path, 'utf8').trim();
    } catch {
      return null;
    }
  };
  return (
    read('/proc/sys/user/max_user_namespaces') !== '0' &&
    read('/proc/sys/kernel/unprivileged_userns_clone') !== '0' &&
    read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') !== '1'
  );
}

/**
 * Why Chromium's sandbox would abort on start here (a FATAL and a core dump), with the remedy; or
 * null. It sandboxes through user namespaces where the kernel lets this user create them, and only
 * otherwise through the setuid helper next to the binary, which must then be root's with mode 4755.
 */
function sandboxProblem(binary) {
  if (userNamespacesWork()) return null;
  const helper = join(dirname(binary), 'chrome-sandbox');
  try {
    const stat = statSync(helper);
    if (stat.uid === 0 && (stat.mode & 0o4000) !== 0) return null;
  } catch {
    // missing: said below like a helper without the setuid bit
  }
  const shown = printable(relative(process.cwd(), helper) || helper);
  const quoted = `'${helper.replaceAll("'", "'\\''")}'`;
  return [
    `Electron's sandbox cannot start here: this system does not let you create user namespaces, and ${shown} is not owned by root with mode 4755.`,
    `  Fix it once with:  sudo chown root:root ${printable(quoted)} && sudo chmod 4755 ${printable(quoted)}`,
    '  (or allow unprivileged user namespaces: see README, "Linux: the sandbox"). Serving Portwatch in browser mode meanwhile.',
  ].join('\n');
}

/** Set when running as root: browser mode then prints its URL rather than opening a browser. */
let rootServe = false;

/** The Linux realities that stop Electron before it is worth installing; null where none applies. */
function linuxBlocker() {
  if (process.platform !== 'linux') return null;
  if (process.getuid() === 0) {
    // Not xdg-open as root: the browser would run as root too.
    rootServe = true;
    const user = process.env.SUDO_USER ? ` (run it without sudo, as ${printable(process.env.SUDO_USER)})` : '';
    return [
      "Electron does not run as root: Chromium's sandbox refuses it. Serving Portwatch in browser mode instead: open the URL below in your own browser.",
      `  Better: open the window as your own user${user}; to see every user's sockets, give the engine the rights, not the window`,
      '  (the coming `portwatch agent`; see README, "Linux: running as root").',
    ].join('\n');
  }
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'No graphical session here (neither DISPLAY nor WAYLAND_DISPLAY is set); serving Portwatch in browser mode instead.';
  }
  return null;
}

/** Decides the host: Electron's binary, or the reason it cannot be used (printed as is). */
async function chooseElectron() {
  const blocker = linuxBlocker();
  if (blocker) return { reason: blocker };
  let binary = electronBinary();
  if (!binary) {
    const failure = await installElectron();
    if (failure) return { reason: `Electron's runtime could not be installed (${printable(failure)}); serving Portwatch in browser mode instead.` };
    binary = electronBinary();
    if (!binary) return { reason: "Electron's installer finished but left no runtime in node_modules/electron; serving Portwatch in browser mode instead." };
  }
  if (process.platform === 'linux') {
    const problem = sandboxProblem(binary);
    if (problem) return { reason: problem };
  }
  return { binary };
}

const choice = await chooseElectron();
let command;
let commandArgs;
if (choice.binary) {
  [command, commandArgs] = [choice.binary, ['.', ...args]];
} else {
  console.log(choice.reason);
  const noOpen = rootServe && !args.includes('--no-open') ? ['--no-open'] : [];
  [command, commandArgs] = [process.execPath, [at('bin', 'portwatch.js'), 'serve', ...noOpen, ...args]];
}

// Its own process group on POSIX, so Ctrl+C reaches it once (forwarded below), not twice.
const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], detached: process.platform !== 'win32' });
child.on('error', (e) => fail(`could not start ${printable(command)}: ${e.message}`));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
