// The names on the wire, with no schema library attached: the sandboxed preload bundles this file
// and nothing heavier. api.ts re-exports it and checks its request schemas against REQUEST_NAMES.

/** Every request of the API contract, by name. */
export const REQUEST_NAMES = [
  'getState',
  'pause',
  'resume',
  'setInterval',
  'getConflicts',
  'lookupPort',
  'endProcess',
  'listAlerts',
  'getAlertStatus',
  'explainAlert',
  'acknowledgeAlert',
  'acknowledgeAllAlerts',
  'snoozeAlert',
  'trust',
  'untrust',
  'setWatchClosely',
  'getTrustState',
  'startLearning',
  'getWatchedPorts',
  'setWatchedPorts',
  'getNames',
  'setReverseDns',
  'queryHistory',
  'closeConnection',
  'getHistoryRetention',
  'setHistoryRetention',
] as const;
export type RequestName = (typeof REQUEST_NAMES)[number];

/**
 * 'open-alert' comes from the Electron host only (a tray or notification click): id, or null for the list.
 * 'traffic' follows each 'delta' with the same seq (shared/traffic.ts). 'names': remote addresses
 * whose looked-up names changed (shared/names.ts), never sockets.
 */
export type EventName = 'delta' | 'traffic' | 'status' | 'alert' | 'open-alert' | 'watched-port' | 'names';
export const EVENT_NAMES: readonly EventName[] = ['delta', 'traffic', 'status', 'alert', 'open-alert', 'watched-port', 'names'];

/** Names used on the wire: IPC channels and WebSocket message types. */
export const channel = {
  request: (name: RequestName) => `portwatch:${name}`,
  event: (name: EventName) => `portwatch:event:${name}`,
} as const;
