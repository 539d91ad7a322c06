// Exposes the API contract as window.portwatch, and nothing else: named functions that invoke one
// channel each, listeners that receive the payload only, and an unsubscribe for each listener. The
// page never sees ipcRenderer or an Electron event object.
import type { IpcRendererEvent } from 'electron';
import { contextBridge, ipcRenderer } from 'electron';
import type { Conflict, EndProcessResult, EventPayloads, FullState, PortLookup, PortwatchApi, Unsubscribe } from '../shared/api.js';
import { channel, type EventName } from '../shared/channels.js';

function listen<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): Unsubscribe {
  if (typeof listener !== 'function') throw new TypeError(`on${event[0]!.toUpperCase()}${event.slice(1)} needs a function`);
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
  onDelta: (listener) => listen('delta', listener),
  onStatus: (listener) => listen('status', listener),
};

contextBridge.exposeInMainWorld('portwatch', api);
