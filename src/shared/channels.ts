// The names on the wire, with no schema library attached: the sandboxed preload bundles this file
// and nothing heavier. api.ts re-exports it and checks its request schemas against REQUEST_NAMES.

/** Every request of the API contract, by name. */
export const REQUEST_NAMES = ['getState', 'pause', 'resume', 'setInterval', 'getConflicts', 'lookupPort', 'endProcess'] as const;
export type RequestName = (typeof REQUEST_NAMES)[number];

export type EventName = 'delta' | 'status';
export const EVENT_NAMES: readonly EventName[] = ['delta', 'status'];

/** Names used on the wire: IPC channels and WebSocket message types. */
export const channel = {
  request: (name: RequestName) => `portwatch:${name}`,
  event: (name: EventName) => `portwatch:event:${name}`,
} as const;
