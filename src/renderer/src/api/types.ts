// What the store needs of a transport, with no DOM in sight (so Node code, such as the renderer
// benchmark, can drive the store too).
import type { PortwatchApi, Unsubscribe } from '../../../shared/api.js';

/** 'connecting' before the first answer, 'lost' while the browser mode is reconnecting. */
export type ConnectionState = 'connecting' | 'open' | 'lost';
export type ConnectionListener = (state: ConnectionState) => void;

export interface Transport {
  kind: 'electron' | 'browser';
  api: PortwatchApi;
  /** Calls back at once with the current state, then on every change. */
  onConnection(listener: ConnectionListener): Unsubscribe;
}
