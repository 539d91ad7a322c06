// The engine as `watch` and `serve` open it (core's composition root), with its warnings in the
// CLI's words: each names the remedy as a flag.
import { openEngine, type Engine, type EngineWarning } from '../core/engine.js';
import type { SocketSource } from '../core/sources/source.js';
import { resolveDataDir } from '../core/store/data-dir.js';
import type { EngineIdentity } from '../shared/status.js';
import { printable } from '../shared/printable.js';

export interface AlertFlags {
  /** --no-alerts makes this false: no alerts, and nothing read or written in the data folder. */
  alerts: boolean;
  learn?: number;
  dataDir?: string | undefined;
}

/** One line for the user (no "portwatch: " prefix, no newline), its paths and file bytes escaped. */
export function warningText(w: EngineWarning): string {
  return printable(warningWords(w));
}

function warningWords(w: EngineWarning): string {
  switch (w.code) {
    case 'data-dir-unusable':
    case 'alerts-unavailable':
      return `cannot keep alerts in ${w.dataDir}: ${w.reason}. Going on without alerts (--data-dir DIR picks another folder, --no-alerts turns them off).`;
    case 'settings-unavailable':
      return `cannot keep settings in ${w.dataDir}: ${w.reason}. Going on with the default watched ports, unsaved (--data-dir DIR picks another folder).`;
    case 'store':
      return w.message;
  }
}

/** Opens the engine on source; warnings now and later go to warn, each once. Not started. */
export async function openCliEngine(
  source: SocketSource,
  flags: AlertFlags & { interval: number },
  warn: (message: string) => void,
  host: EngineIdentity['host'],
): Promise<Engine> {
  const engine = await openEngine({
    host,
    // --no-alerts: the folder is not touched; watched ports follow the default list in memory.
    dataDir: flags.alerts ? resolveDataDir(flags.dataDir) : null,
    source,
    intervalMs: flags.interval,
    alerts: flags.alerts ? (flags.learn !== undefined ? { learnSeconds: flags.learn } : {}) : false,
    // watch prints no host or owner names: loading the owner databases would cost it ~0.3 s of CPU
    // for nothing (its history entries go without the peer's names).
    ...(host === 'watch' ? { names: false as const } : {}),
  });
  for (const w of engine.warnings) warn(warningText(w));
  engine.onWarning((w) => warn(warningText(w)));
  return engine;
}
