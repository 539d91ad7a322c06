// The Electron utility process (src/main/engine-entry.ts) without Electron: the same serveEngine over
// the same openEngine, with Node's IPC channel (structured clones, as parentPort carries) in place of
// process.parentPort. The bench forks it from the built code (dist/node) and measures it whole.
import { serveEngine } from '../dist/node/core/engine-process.js';

serveEngine(
  {
    postMessage: (message) => process.send(message),
    onMessage: (listener) => void process.on('message', listener),
  },
  { exit: (code) => process.exit(code) },
);
