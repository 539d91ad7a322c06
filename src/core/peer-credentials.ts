// Who is at the other end of a Unix domain socket, as the kernel recorded it when the peer connected
// (native/peer_cred.c: SO_PEERCRED and SO_PEERGROUPS on Linux, getpeereid elsewhere). The agent gives
// full or read-only access by it; the peer cannot claim another identity.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { findNativeAddon } from './native-addon.js';

export const PEER_CRED_ADDON = join('native', 'build', 'Release', 'peer_cred.node');

export interface PeerCredentials {
  /** null where the OS does not say (macOS). */
  pid: number | null;
  uid: number;
  gid: number;
  /** Supplementary groups; empty where the OS does not say (before Linux 4.13, macOS). */
  groups: number[];
}

interface PeerCredAddon {
  peerCredentials(fd: number): number[] | number;
}

let addon: PeerCredAddon | null | undefined;

/** The addon, or why it is missing (one line). */
export function loadPeerCredAddon(path: string | null = findNativeAddon(PEER_CRED_ADDON)): PeerCredAddon | string {
  if (process.platform === 'win32') return 'Windows named pipes carry no peer credentials Portwatch reads';
  if (path === null) return `${PEER_CRED_ADDON} is not built (run node scripts/build-native.js)`;
  try {
    const loaded = createRequire(import.meta.url)(path) as Partial<PeerCredAddon> | null;
    if (typeof loaded?.peerCredentials !== 'function') return `${path} is not the peer_cred addon (rebuild it)`;
    return loaded as PeerCredAddon;
  } catch (e) {
    return `could not load ${path}: ${(e as Error).message.split('\n')[0]}`;
  }
}

/** Why peer credentials cannot be read here, or null when they can. */
export function peerCredentialsUnavailable(): string | null {
  if (addon === undefined) {
    const loaded = loadPeerCredAddon();
    if (typeof loaded === 'string') {
      addon = null;
      return loaded;
    }
    addon = loaded;
  }
  return addon === null ? (loadPeerCredAddon() as string) : null;
}

/** The peer of a connected Unix socket; null when it cannot be known (no addon, not a Unix socket). */
export function peerCredentials(socket: Socket): PeerCredentials | null {
  if (peerCredentialsUnavailable() !== null || addon === null || addon === undefined) return null;
  // libuv's handle holds the descriptor (Pipe.fd on Unix); -1 once closed.
  const fd = (socket as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  const r = addon.peerCredentials(fd);
  if (typeof r === 'number' || r.length < 3) return null;
  const [pid, uid, gid, ...groups] = r as [number, number, number, ...number[]];
  return { pid: pid > 0 ? pid : null, uid, gid, groups };
}
