// What the Electron preload puts on the page. Absent in browser mode, where the renderer talks to the
// WebSocket transport instead: check for it, never assume it.
import type { PortwatchApi } from './api.js';

declare global {
  interface Window {
    portwatch?: PortwatchApi;
  }
}

export {};
