// Exposes the API contract as window.portwatch, and nothing else: named functions that invoke one
// channel each, listeners that receive the payload only, and an unsubscribe for each listener. The
// page never sees ipcRenderer or an Electron event object.
import type { IpcRendererEvent } from 'electron';
import { contextBridge, ipcRenderer } from 'electron';
import type { Alert, AlertExplanation, AlertStatus, TrustState } from '../shared/alerts.js';
import type { CloseConnectionResult, Conflict, EndProcessResult, EventPayloads, FullState, HistoryResult, HistoryRetention, PortLookup, PortwatchApi, Unsubscribe } from '../shared/api.js';
import { channel, type EventName } from '../shared/channels.js';
import type { NamesState } from '../shared/names.js';

/** onDelta, onOpenAlert, …: the name the page called, for its error message. */
function listenerName(event: EventName): string {
  return `on${event.replace(/(^|-)(\w)/g, (_m, _dash: string, c: string) => c.toUpperCase())}`;
}

function listen<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): Unsubscribe {
  if (typeof listener !== 'function') throw new TypeError(`${listenerName(event)} needs a function`);
  const name = channel.event(event);
  const forward = (_event: IpcRendererEvent, payload: EventPayloads[E]) => listener(payload);
  ipcRenderer.on(name, forward);
  return () => {
    ipcRenderer.removeListener(name, forward);
  };
}

const api: PortwatchApi = {
  getState: () => ipcRenderer.invoke(channel.request('getState')) as Promise<FullState>,
  pause: () => ipcRenderer.invoke(channel.request('pause')) as Promise<void>,
  resume: () => ipcRenderer.invoke(channel.request('resume')) as Promise<void>,
  // The main process checks ms (type and range); the preload only carries it.
  setInterval: (ms: number) => ipcRenderer.invoke(channel.request('setInterval'), ms) as Promise<void>,
  getConflicts: () => ipcRenderer.invoke(channel.request('getConflicts')) as Promise<Conflict[]>,
  lookupPort: (port) => ipcRenderer.invoke(channel.request('lookupPort'), port) as Promise<PortLookup>,
  // Ending a process is checked on the main side too (schema, pid identity, refusals).
  endProcess: (request) => ipcRenderer.invoke(channel.request('endProcess'), request) as Promise<EndProcessResult>,
  // Alerts and trust: rules, ids and filters are checked on the main side (schemas, then the engine).
  listAlerts: (filter) => ipcRenderer.invoke(channel.request('listAlerts'), ...(filter === undefined ? [] : [filter])) as Promise<Alert[]>,
  getAlertStatus: () => ipcRenderer.invoke(channel.request('getAlertStatus')) as Promise<AlertStatus>,
  explainAlert: (id) => ipcRenderer.invoke(channel.request('explainAlert'), id) as Promise<AlertExplanation | null>,
  acknowledgeAlert: (id) => ipcRenderer.invoke(channel.request('acknowledgeAlert'), id) as Promise<Alert>,
  acknowledgeAllAlerts: () => ipcRenderer.invoke(channel.request('acknowledgeAllAlerts')) as Promise<number>,
  snoozeAlert: (id, ms) => ipcRenderer.invoke(channel.request('snoozeAlert'), id, ms) as Promise<Alert>,
  trust: (rule) => ipcRenderer.invoke(channel.request('trust'), rule) as Promise<{ added: boolean; acknowledged: string[] }>,
  untrust: (rule) => ipcRenderer.invoke(channel.request('untrust'), rule) as Promise<boolean>,
  setWatchClosely: (exe, on) => ipcRenderer.invoke(channel.request('setWatchClosely'), exe, on) as Promise<void>,
  getTrustState: () => ipcRenderer.invoke(channel.request('getTrustState')) as Promise<TrustState>,
  startLearning: (seconds) => ipcRenderer.invoke(channel.request('startLearning'), seconds) as Promise<number | null>,
  getWatchedPorts: () => ipcRenderer.invoke(channel.request('getWatchedPorts')) as Promise<number[]>,
  // The list is checked on the main side (schema: 1–65535, at most 64, no duplicates).
  setWatchedPorts: (ports) => ipcRenderer.invoke(channel.request('setWatchedPorts'), ports) as Promise<number[]>,
  onDelta: (listener) => listen('delta', listener),
  onStatus: (listener) => listen('status', listener),
  onAlert: (listener) => listen('alert', listener),
  onOpenAlert: (listener) => listen('open-alert', listener),
  onWatchedPort: (listener) => listen('watched-port', listener),
  getNames: () => ipcRenderer.invoke(channel.request('getNames')) as Promise<NamesState>,
  setReverseDns: (on) => ipcRenderer.invoke(channel.request('setReverseDns'), on) as Promise<NamesState>,
  onNames: (listener) => listen('names', listener),
  onTraffic: (listener) => listen('traffic', listener),
  // The query and the two ends are checked on the main side (schemas), and the engine closes only a
  // connection it shows.
  queryHistory: (query) => ipcRenderer.invoke(channel.request('queryHistory'), ...(query === undefined ? [] : [query])) as Promise<HistoryResult>,
  closeConnection: (request) => ipcRenderer.invoke(channel.request('closeConnection'), request) as Promise<CloseConnectionResult>,
  getHistoryRetention: () => ipcRenderer.invoke(channel.request('getHistoryRetention')) as Promise<HistoryRetention>,
  // Checked on the main side (schema: 1–3650 days, 1–100,000 MB).
  setHistoryRetention: (retention) => ipcRenderer.invoke(channel.request('setHistoryRetention'), retention) as Promise<HistoryRetention>,
};

contextBridge.exposeInMainWorld('portwatch', api);
