// `node --import ./scripts/without-electron.mjs …`: the `electron` module resolves to a stand-in
// whose exports throw when used, so a build script can import the pure parts of src/main (the icon
// drawing) under plain Node. Importing the real package would download Electron's runtime.
import { register } from 'node:module';

const standIn = `
const unavailable = new Proxy({}, { get(_, key) { throw new Error('electron is not available to build scripts (used: ' + String(key) + ')'); } });
export const nativeImage = unavailable;
export default unavailable;
`;
const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: 'data:text/javascript,' + encodeURIComponent(${JSON.stringify(standIn)}), shortCircuit: true };
  return next(specifier, context);
}
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
