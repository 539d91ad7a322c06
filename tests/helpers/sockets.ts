// Constructed sockets for the pure analysis functions: the shape a source produces, filled in.
import type { ProcessInfo, Socket, SocketState } from '../../src/shared/model.js';
import { socketId } from '../../src/shared/model.js';

let nextInode = 1000;

export function proc(pid: number, name: string, more: Partial<ProcessInfo> = {}): ProcessInfo {
  return {
    pid,
    name,
    exe: `/usr/bin/${name}`,
    cmdline: `${name} --serve`,
    user: 'dev',
    uid: 1000,
    ppid: 1,
    startedAt: 1_700_000_000_000 + pid,
    ...more,
  };
}

interface SockSpec {
  protocol?: 'tcp' | 'udp';
  address: string;
  port: number;
  state?: SocketState;
  remote?: [string, number];
  owner?: ProcessInfo | null;
}

/** A socket: TCP LISTEN (or UDP UNCONN) unless a state or remote end is given. */
export function sock({ protocol = 'tcp', address, port, state, remote, owner = null }: SockSpec): Socket {
  const family = address.includes(':') ? 6 : 4;
  const resolvedState: SocketState = state ?? (protocol === 'tcp' ? (remote ? 'ESTABLISHED' : 'LISTEN') : remote ? 'ESTABLISHED' : 'UNCONN');
  const inode = resolvedState === 'TIME_WAIT' ? 0 : nextInode++;
  const base = {
    protocol,
    family,
    localAddress: address,
    localPort: port,
    remoteAddress: remote?.[0] ?? null,
    remotePort: remote?.[1] ?? null,
    inode,
  } as const;
  return {
    ...base,
    id: socketId(base),
    state: resolvedState,
    listening: resolvedState === 'LISTEN' || resolvedState === 'UNCONN',
    pid: owner?.pid ?? null,
    process: owner,
    otherHolders: [],
    firstSeen: 0,
    bytesSent: null,
    bytesReceived: null,
    rttMs: null,
  };
}
