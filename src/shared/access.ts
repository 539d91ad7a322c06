// What a client of a host shared by several users (the agent) may do. Every request of the contract
// is either watching (it reads the state) or an action (it changes what the engine runs, the machine,
// or what is saved: ending a process, trust, acknowledging, the interval, the watched ports). A
// read-only client watches; actions need full access. One table: a new request does not compile
// until it is put on one side.
import type { RequestName } from './channels.js';

/** full: every request; read-only: the watching requests only. */
export const ACCESS_LEVELS = ['full', 'read-only'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

export const REQUEST_KINDS = {
  getState: 'watch',
  pause: 'action',
  resume: 'action',
  setInterval: 'action',
  getConflicts: 'watch',
  lookupPort: 'watch',
  endProcess: 'action',
  listAlerts: 'watch',
  getAlertStatus: 'watch',
  explainAlert: 'watch',
  acknowledgeAlert: 'action',
  acknowledgeAllAlerts: 'action',
  snoozeAlert: 'action',
  trust: 'action',
  untrust: 'action',
  setWatchClosely: 'action',
  getTrustState: 'watch',
  startLearning: 'action',
  getWatchedPorts: 'watch',
  setWatchedPorts: 'action',
  getNames: 'watch',
  setReverseDns: 'action',
  queryHistory: 'watch',
  closeConnection: 'action',
  getHistoryRetention: 'watch',
  setHistoryRetention: 'action',
} as const satisfies Record<RequestName, 'watch' | 'action'>;

export function isAction(method: RequestName): boolean {
  return REQUEST_KINDS[method] === 'action';
}

/** Why a client with this access may not make this request, or null when it may. */
export function accessRefusal(access: Access, method: RequestName): string | null {
  if (access === 'full' || !isAction(method)) return null;
  return `${method} is an action, and this connection may only watch: ask the agent's owner for full access (root, the agent's user, or --group-access full)`;
}

/** The lesser of two: what a view reached through a host of a host may do. */
export function narrowest(a: Access, b: Access): Access {
  return a === 'read-only' || b === 'read-only' ? 'read-only' : 'full';
}
