// /proc/net/{tcp,tcp6,udp,udp6} read whole each poll and compared with the previous read by row key,
// for the Linux source when the sock_diag addon is missing or refuses a protocol. A row's key holds
// its state and inode, so a socket that changes reads as one row gone and another come.
import { readFileSync } from 'node:fs';
import type { Family, Protocol } from '../../shared/model.js';
import { parseProcNet, type ProcNetRow } from './proc-net.js';

const TABLES: ReadonlyArray<readonly [string, Protocol, Family]> = [
  ['tcp', 'tcp', 4],
  ['tcp6', 'tcp', 6],
  ['udp', 'udp', 4],
  ['udp6', 'udp', 6],
];

export interface TableChanges {
  added: ProcNetRow[];
  /** Keys of rows gone. */
  removed: Array<string | number>;
  /** Malformed or cut-short lines. */
  skipped: number;
}

export class ProcTables {
  private rows = new Map<string | number, ProcNetRow>();

  constructor(private readonly proc: string) {}

  /** Reads the tables of the given protocols; rows of the others are left as they were. */
  read(protocols: ReadonlySet<Protocol>): TableChanges {
    const next = new Map<string | number, ProcNetRow>();
    const added: ProcNetRow[] = [];
    let skipped = 0;
    for (const [file, protocol, family] of TABLES) {
      if (!protocols.has(protocol)) continue;
      let text: string;
      try {
        text = readFileSync(`${this.proc}/net/${file}`, 'latin1');
      } catch {
        continue; // IPv6 disabled, or no UDP table: nothing of that kind exists.
      }
      const parsed = parseProcNet(text, protocol, family);
      skipped += parsed.skipped;
      for (const r of parsed.rows) {
        if (next.has(r.key)) continue; // a line repeated by a table that changed under the read
        next.set(r.key, r);
        if (!this.rows.has(r.key)) added.push(r);
      }
    }
    const removed: Array<string | number> = [];
    for (const [key, r] of this.rows) {
      if (!protocols.has(r.protocol)) next.set(key, r);
      else if (!next.has(key)) removed.push(key);
    }
    this.rows = next;
    return { added, removed, skipped };
  }

  /** Forgets every row: the next read reports all as added. */
  reset(): void {
    this.rows.clear();
  }
}
