// Which engine the desktop app shows: a running agent's (a privileged engine for an unprivileged
// window) or its own in a utility process. --agent PATH (or PORTWATCH_AGENT=PATH) names an agent;
// --no-agent (or PORTWATCH_AGENT=off) keeps the app's own; otherwise an agent's socket at a
// well-known path (agent-path.ts) is used when there is one.
import { lstatSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { agentSocketCandidates } from '../core/agent-path.js';

export type EngineChoice = { kind: 'own' } | { kind: 'agent'; path: string };

function isSocket(path: string): boolean {
  try {
    return lstatSync(path).isSocket();
  } catch {
    return false;
  }
}

export function chooseEngine(argv: readonly string[], env: NodeJS.ProcessEnv, dataDir: string | null, socketAt: (path: string) => boolean = isSocket): EngineChoice {
  if (argv.includes('--no-agent')) return { kind: 'own' };
  const i = argv.findIndex((a) => a === '--agent' || a.startsWith('--agent='));
  if (i !== -1) {
    const path = argv[i]!.startsWith('--agent=') ? argv[i]!.slice('--agent='.length) : argv[i + 1];
    if (path) return { kind: 'agent', path };
  }
  const fromEnv = env.PORTWATCH_AGENT;
  if (fromEnv === 'off') return { kind: 'own' };
  if (fromEnv) return { kind: 'agent', path: fromEnv };
  const found = agentSocketCandidates(dataDir ?? '', env).find((p) => isAbsolute(p) && socketAt(p));
  return found === undefined ? { kind: 'own' } : { kind: 'agent', path: found };
}
