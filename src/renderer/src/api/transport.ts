// The renderer picks its transport once, at start-up, and never asks again which one it has:
// Electron's preload puts the contract on window.portwatch; otherwise this page came from
// `portwatch serve` and talks to it over a WebSocket, with the token from its own address.
import type { PortwatchApi } from '../../../shared/api.js';
import type { Transport } from './types.js';
import { WsClient } from './ws-client.js';

export type { ConnectionListener, ConnectionState, Transport } from './types.js';

/** Why no transport could be made: said to the user as it is. */
export class NoTransportError extends Error {
  override name = 'NoTransportError';
}

export function electronTransport(api: PortwatchApi): Transport {
  return {
    kind: 'electron',
    api,
    // IPC does not drop: the main process is there for as long as the window is.
    onConnection(listener) {
      listener('open');
      return () => {};
    },
  };
}

/** ws://host/ws?token=… for a page at http://host/?token=… */
export function webSocketUrl(location: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const token = new URLSearchParams(location.search).get('token');
  if (token === null || token === '') {
    throw new NoTransportError(
      'This page needs the address `portwatch serve` printed: it carries the token that lets the page talk to Portwatch.',
    );
  }
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`;
}

export function pickTransport(win: Pick<Window, 'portwatch' | 'location'> = window): Transport {
  if (win.portwatch) return electronTransport(win.portwatch);
  return new WsClient({ url: webSocketUrl(win.location) });
}
