// The engine process's entry (out/main/engine.js), run by Electron's utilityProcess.fork: the whole
// engine — socket tables, the /proc walk, alerts, stores — lives here, off the main process's thread.
// It talks to main only through process.parentPort (see core/engine-protocol.ts).
import { serveEngine } from '../core/engine-process.js';

const parentPort = (process as Partial<Pick<NodeJS.Process, 'parentPort'>>).parentPort;
if (parentPort === undefined || parentPort === null) {
  console.error('portwatch: this is the engine of the Portwatch app; the app starts it (run `portwatch` for the command line)');
  process.exit(2);
}

serveEngine(
  {
    postMessage: (message) => parentPort.postMessage(message),
    onMessage: (listener) => void parentPort.on('message', (event) => listener(event.data)),
  },
  { exit: (code) => process.exit(code) },
);
