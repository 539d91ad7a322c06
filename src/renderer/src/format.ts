// How values read on screen: short ages as TCPView shows them, endpoints, counts, times.
import type { Socket } from '../../shared/model.js';
import { formatHost } from '../../shared/model.js';
import type { AddressScope } from '../../shared/address.js';

/** "12s", "5m", "2h", "3d": the age of something first seen at `since`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** tcp4, tcp6, udp4, udp6 */
export function protoLabel(s: Pick<Socket, 'protocol' | 'family'>): string {
  return `${s.protocol}${s.family}`;
}

export function hostLabel(address: string | null): string {
  return address === null ? '*' : formatHost(address);
}

const counter = new Intl.NumberFormat('en-US');
export function formatCount(n: number): string {
  return counter.format(n);
}

export function formatDateTime(epochMs: number | null): string {
  if (epochMs === null) return '—';
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export const SCOPE_LABEL: Record<AddressScope, string> = {
  all: 'all interfaces',
  loopback: 'loopback only',
  'link-local': 'link-local',
  private: 'private network',
  public: 'public address',
};
