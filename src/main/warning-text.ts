// The engine's warnings in the app's words: what the user loses, and until when.
import type { EngineWarning } from '../core/engine.js';

export function warningText(w: EngineWarning): string {
  switch (w.code) {
    case 'data-dir-unusable':
      return `Portwatch cannot keep alerts or settings in ${w.dataDir}: ${w.reason}. It shows connections, but raises no alerts, and changes to watched ports last only until it quits.`;
    case 'alerts-unavailable':
      return `Portwatch cannot keep alerts in ${w.dataDir}: ${w.reason}. It shows connections, but raises no alerts until it can write there.`;
    case 'settings-unavailable':
      return `Portwatch cannot keep settings in ${w.dataDir}: ${w.reason}. It follows the default watched ports, and changes to them last only until it quits.`;
    case 'store':
      return w.message;
  }
}
