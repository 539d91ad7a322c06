// Electron's entry (out/main/index.js). Everything it does lives in app.ts, where tests can reach it;
// a throw while starting is said in a dialog and ends the app, never a windowless process.
import { fail, startApp, STARTUP_FAILED_TITLE } from './app.js';

try {
  startApp({ mainDir: import.meta.dirname });
} catch (e) {
  fail(STARTUP_FAILED_TITLE, e instanceof Error ? e.message : String(e));
}
