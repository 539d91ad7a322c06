// Electron's entry (out/main/index.js). Everything it does lives in app.ts, where tests can reach it.
import { startApp } from './app.js';

startApp({ mainDir: import.meta.dirname });
