// Boots a built main bundle under Node as Electron would: `node main.mjs out/main/index.js`, with
// 'electron' resolved to the stand-in (hooks.mjs). Start it with child_process.fork: what the app
// shows is reported over the IPC channel (see electron.mjs).
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

register('./hooks.mjs', import.meta.url);
const bundle = process.argv[2];
if (!bundle) {
  console.error('usage: node main.mjs PATH/TO/out/main/index.js');
  process.exit(2);
}
await import(pathToFileURL(resolve(bundle)).href);
