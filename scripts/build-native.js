// Builds native/build/Release/sock_diag.node, the optional NETLINK_SOCK_DIAG reader of the Linux
// source, and peer_cred.node, the agent's reader of a Unix socket peer's uid and groups, with the
// node-gyp that ships with npm and the Node headers already on this machine: it never downloads anything. Prints one line either way and always exits 0, so `npm install` never
// fails because of it: without the addon the engine reads /proc/net instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const output = join(nativeDir, 'build', 'Release', 'sock_diag.node');
const FALLBACK = 'Linux sockets will be read from /proc/net';

function done(line) {
  console.log(`portwatch: ${line}`);
  process.exit(0);
}

/** node-gyp's bin script: npm's own (npm tells scripts where it is), or a local install. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const prefix = dirname(dirname(process.execPath));
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')); // Windows layout
  try {
    candidates.push(createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not a dependency of the project
  }
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** A directory with include/node/node_api.h for the running Node: never fetched from the network. */
function findNodeDir() {
  const candidates = [process.env.npm_config_nodedir, dirname(dirname(process.execPath)), '/usr', '/usr/local'];
  return candidates.find((d) => d && existsSync(join(d, 'include', 'node', 'node_api.h')) && existsSync(join(d, 'include', 'node', 'common.gypi'))) ?? null;
}

/** The line of a failed build that says why: the compiler's error, gyp's own, or the last line. */
function reason(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const gypError = lines.find((l) => l.startsWith('gyp ERR! stack Error:'));
  const pick =
    lines.find((l) => !l.startsWith('gyp') && /\berror\b:/i.test(l)) ?? // cc, make
    lines.find((l) => /^[A-Za-z.]*(Error|Exception): /.test(l)) ?? // gyp's Python
    gypError?.slice('gyp ERR! stack Error:'.length).trim() ??
    lines.find((l) => l.startsWith('gyp ERR!') && !/ (stack|System|command|cwd|node -v|node-gyp -v|not ok)\b/.test(l)) ??
    lines.at(-1) ??
    'unknown error';
  return pick.length > 200 ? `${pick.slice(0, 197)}...` : pick;
}

function main() {
  if (process.platform !== 'linux') done(`native sock_diag addon skipped (not Linux)`);
  const gyp = findNodeGyp();
  if (gyp === null) done(`native sock_diag addon not built: node-gyp not found; ${FALLBACK}`);
  const nodedir = findNodeDir();
  if (nodedir === null) done(`native sock_diag addon not built: no Node headers (include/node/node_api.h) next to ${process.execPath}; ${FALLBACK}`);
  // Settings for other runtimes (an Electron rebuild) would make node-gyp fetch their headers; this
  // addon uses Node-API only, which is ABI-stable across Node versions and Electron.
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^npm_config_(target|runtime|disturl|dist_url|nodedir|arch|target_arch)$/i.test(k)) delete env[k];
  }
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '--loglevel=error'], {
    cwd: nativeDir,
    env,
    encoding: 'utf8',
    timeout: 180_000,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.error) done(`native sock_diag addon not built: ${r.error.message}; ${FALLBACK}`);
  if (r.status !== 0 || !existsSync(output)) done(`native sock_diag addon not built: ${reason(`${r.stdout}\n${r.stderr}`)}; ${FALLBACK}`);
  try {
    const addon = createRequire(import.meta.url)(output);
    if (typeof addon.Reader !== 'function') throw new Error('no Reader');
  } catch (e) {
    done(`native sock_diag addon built but does not load (${String(e.message).split('\n')[0]}); ${FALLBACK}`);
  }
  // peer_cred (the agent's SO_PEERCRED reader) is built by the same gyp run; without it the agent
  // falls back to its socket file's mode alone.
  let peerCred = 'and native/build/Release/peer_cred.node (SO_PEERCRED)';
  try {
    const addon = createRequire(import.meta.url)(join(nativeDir, 'build', 'Release', 'peer_cred.node'));
    if (typeof addon.peerCredentials !== 'function') throw new Error('no peerCredentials');
  } catch (e) {
    peerCred = `(peer_cred addon not usable: ${String(e.message).split('\n')[0]})`;
  }
  done(`built native/build/Release/sock_diag.node (NETLINK_SOCK_DIAG) ${peerCred} in ${seconds.toFixed(1)} s`);
}

try {
  main();
} catch (e) {
  done(`native sock_diag addon not built: ${e instanceof Error ? e.message : String(e)}; ${FALLBACK}`);
}
