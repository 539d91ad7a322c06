// The renderer picks its transport once, at start-up, and never asks again which one it has:
// Electron's preload puts the contract on window.portwatch; otherwise this page came from
// `portwatch serve` and talks to it over a WebSocket, with the token its address brought.
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

/** ws://host/ws?token=… for a page served at http://host/ with that token. */
export function webSocketUrl(location: Pick<Location, 'protocol' | 'host'>, token: string): string {
  if (token === '') {
    throw new NoTransportError(
      'This page needs the address `portwatch serve` printed: it carries the token that lets the page talk to Portwatch.',
    );
  }
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws?token=${encodeURIComponent(token)}`;
}

const TOKEN_KEY = 'portwatch-token';

/**
 * The page's address without its token, the token kept in this tab's sessionStorage instead: the
 * address bar, the browser's history (synced to other machines by some browsers) and a screen share
 * then never show it, and a reload of the tab still finds it.
 */
export function tokenFromAddress(win: Pick<Window, 'location' | 'history' | 'sessionStorage'>): string {
  const url = new URL(win.location.href);
  const given = url.searchParams.get('token');
  if (given !== null && given !== '') {
    win.sessionStorage.setItem(TOKEN_KEY, given);
    url.searchParams.delete('token');
    win.history.replaceState(win.history.state, '', `${url.pathname}${url.search}${url.hash}`);
    return given;
  }
  return win.sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function pickTransport(win: Pick<Window, 'portwatch' | 'location' | 'history' | 'sessionStorage'> = window): Transport {
  if (win.portwatch) return electronTransport(win.portwatch);
  return new WsClient({ url: webSocketUrl(win.location, tokenFromAddress(win)) });
}
