// Vitest's forks pool, with each worker process started in a network namespace of its own (unshare):
// the socket tables it reads hold only the sockets of the test and its children, whatever else runs
// on the machine. For the few files whose subject is the whole table at rest (a poll that reads no
// fd because nothing changed; an engine that raises no alert but the test's own), which no amount of
// filtering makes independent of other programs. Loopback is brought up before node starts.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { PoolOptions, PoolRunnerInitializer, PoolWorker, WorkerRequest } from 'vitest/node';

/** How this machine lets us make a network namespace: as root, in a user namespace, or not at all. */
export function netnsPrefix(): string[] | null {
  if (process.platform !== 'linux') return null;
  for (const flags of [['--net'], ['--user', '--map-root-user', '--net']]) {
    const probe = spawnSync('unshare', [...flags, '--', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' });
    if (probe.status === 0) return ['unshare', ...flags, '--'];
  }
  return null;
}

class NetnsForksWorker implements PoolWorker {
  readonly name = 'netns-forks';
  readonly cacheFs = true;
  private child: ChildProcess | null = null;
  private readonly entrypoint: string;

  constructor(
    private readonly options: PoolOptions,
    private readonly prefix: string[],
  ) {
    this.entrypoint = resolve(options.distPath, 'workers/forks.js');
  }

  private get fork(): ChildProcess {
    if (this.child === null) throw new Error('netns worker not started');
    return this.child;
  }

  on(event: string, callback: (arg: unknown) => void): void {
    this.fork.on(event, callback);
  }

  off(event: string, callback: (arg: unknown) => void): void {
    this.fork.off(event, callback);
  }

  send(message: WorkerRequest): void {
    this.fork.send(message);
  }

  deserialize(data: unknown): unknown {
    return data;
  }

  async start(): Promise<void> {
    const [command, ...flags] = this.prefix;
    // unshare … -- sh -c 'ip link set lo up && exec node …': the IPC channel's fd survives both execs.
    this.child ??= fork(this.entrypoint, [], {
      execPath: command!,
      execArgv: [...flags, 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', process.execPath, ...this.options.execArgv],
      env: this.options.env,
      stdio: 'pipe',
      serialization: 'advanced',
    });
    this.child.stdout?.pipe(process.stdout);
    this.child.stderr?.pipe(process.stderr);
  }

  async stop(): Promise<void> {
    const child = this.fork;
    const exited = new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())));
    const kill = setTimeout(() => child.kill('SIGKILL'), 500);
    child.kill();
    await exited;
    clearTimeout(kill);
    child.stdout?.unpipe(process.stdout);
    child.stderr?.unpipe(process.stderr);
    this.child = null;
  }
}

export function netnsPool(prefix: string[]): PoolRunnerInitializer {
  return { name: 'netns-forks', createPoolWorker: (options) => new NetnsForksWorker(options, prefix) };
}
