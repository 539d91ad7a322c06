import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';

// Placeholder window; the desktop app issue fills it in.
app.whenReady().then(() => {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    webPreferences: { preload: join(import.meta.dirname, '../preload/index.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false },
  });
  void win.loadFile(join(import.meta.dirname, '../renderer/index.html'));
});
