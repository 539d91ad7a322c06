// Electron's utilityProcess.fork, played by child_process.fork: a real process running the module,
// with process.parentPort bridged over Node's IPC (parent-port.mjs) and structured-clone messages
// ('advanced' serialization), and the UtilityProcess events main listens to: spawn, message, exit.
import { fork as forkChild } from 'node:child_process';
import { EventEmitter } from 'node:events';

const shim = new URL('./parent-port.mjs', import.meta.url).href;

export class StandInUtilityProcess extends EventEmitter {
  /** Every process forked so far, for tests that check none is left behind. */
  static forked = [];

  constructor(modulePath, args = [], options = {}) {
    super();
    const execArgv = [...(options.execArgv ?? []), '--import', shim];
    this.child = forkChild(modulePath, args, {
      execArgv,
      env: options.env ?? process.env,
      cwd: options.cwd,
      serialization: 'advanced',
      stdio: ['ignore', options.stdio === 'pipe' ? 'pipe' : 'inherit', options.stdio === 'pipe' ? 'pipe' : 'inherit', 'ipc'],
    });
    this.pid = undefined;
    this.stdout = this.child.stdout;
    this.stderr = this.child.stderr;
    this.child.once('spawn', () => {
      this.pid = this.child.pid;
      this.emit('spawn');
    });
    this.child.on('message', (message) => this.emit('message', message));
    this.child.once('exit', (code, signal) => {
      this.pid = undefined;
      // Electron reports the waitpid status; a signal shows as a non-zero code.
      this.emit('exit', code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1));
    });
    this.child.on('error', (e) => this.emit('error', 'FatalError', String(e), ''));
    StandInUtilityProcess.forked.push(this);
  }

  postMessage(message) {
    if (!this.child.connected) throw new Error('the utility process is gone');
    this.child.send(message);
  }

  kill() {
    return this.child.kill('SIGTERM');
  }

  /** The child's pid even after it exited (pid is undefined then, as in Electron). */
  get childPid() {
    return this.child.pid;
  }
}

function signalNumber(signal) {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11, SIGABRT: 6 }[signal];
}

/**
 * utilityProcess as Electron exports it; resolve maps the module path the app asks for to the file
 * to run, and execArgv what the child needs to run it (tsx for the TypeScript entry).
 */
export function standInUtilityProcess({ resolve = (p) => p, execArgv = [] } = {}) {
  return {
    fork(modulePath, args, options = {}) {
      return new StandInUtilityProcess(resolve(modulePath), args, { ...options, execArgv: [...execArgv, ...(options.execArgv ?? [])] });
    },
  };
}
