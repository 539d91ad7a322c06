import type { EventEmitter } from 'node:events';
import type { ForkOptions } from 'electron';

export declare class StandInUtilityProcess extends EventEmitter {
  static forked: StandInUtilityProcess[];
  constructor(modulePath: string, args?: string[], options?: ForkOptions);
  pid: number | undefined;
  readonly childPid: number | undefined;
  postMessage(message: unknown): void;
  kill(): boolean;
}

export declare function standInUtilityProcess(options?: { resolve?: (path: string) => string; execArgv?: string[] }): {
  fork(modulePath: string, args?: string[], options?: ForkOptions): StandInUtilityProcess;
};
