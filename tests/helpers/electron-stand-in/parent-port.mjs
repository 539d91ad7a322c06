// Loaded with --import into a child_process.fork child: plays Electron's process.parentPort, the
// utility process's line to main, over Node's IPC channel. Messages from the parent arrive as
// MessageEvent-like objects ({ data, ports }), and wait in a queue until a 'message' listener is
// registered, as Electron's do. When the parent goes, the child ends, as a utility process does
// when its main process exits.
import { EventEmitter } from 'node:events';

const port = new EventEmitter();
const queued = [];
port.postMessage = (message) => {
  if (process.connected) process.send(message);
};
process.on('message', (data) => {
  if (port.listenerCount('message') === 0) queued.push(data);
  else port.emit('message', { data, ports: [] });
});
port.on('newListener', (event) => {
  if (event !== 'message') return;
  queueMicrotask(() => {
    for (const data of queued.splice(0)) port.emit('message', { data, ports: [] });
  });
});
process.on('disconnect', () => process.exit(0));
process.parentPort = port;
