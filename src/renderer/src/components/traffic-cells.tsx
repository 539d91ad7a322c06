// The traffic cells of the socket tables: bytes and rates of one socket, read from the traffic store
// (counters move every poll without touching a row), so only the cells whose socket moved re-render.
// A socket the engine gives no counters for (UDP; a platform that measures none) says "n/a", not 0.
import { useSyncExternalStore } from 'react';
import type { Socket } from '../../../shared/model.js';
import type { SocketTraffic } from '../../../shared/traffic.js';
import { formatBytes, formatRate } from '../../../shared/units.js';
import { useStore } from '../hooks.js';

export type TrafficField = 'sent' | 'received' | 'sendRate' | 'receiveRate' | 'rtt';

/**
 * A socket's value for a field: the latest update's counters where one named it, else its record's
 * (rates 0 where it has counters: it did not move); null where it has none.
 */
export function trafficValue(s: Socket, field: TrafficField, counters: SocketTraffic | undefined): number | null {
  if (counters !== undefined) {
    switch (field) {
      case 'sent':
        return counters[1];
      case 'received':
        return counters[2];
      case 'rtt':
        return counters[3];
      case 'sendRate':
        return counters[4];
      case 'receiveRate':
        return counters[5];
    }
  }
  switch (field) {
    case 'sent':
      return s.bytesSent;
    case 'received':
      return s.bytesReceived;
    case 'rtt':
      return s.rttMs;
    default:
      return s.bytesSent === null ? null : 0;
  }
}

function text(field: TrafficField, value: number): string {
  if (field === 'rtt') return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
  return field === 'sent' || field === 'received' ? formatBytes(value) : formatRate(value);
}

const NOT_AVAILABLE = 'Not available: the system gives no counters for this socket (UDP, or a platform Portwatch cannot read them on)';

export function TrafficCell({ socket, field }: { socket: Socket; field: TrafficField }) {
  const { traffic } = useStore();
  const counters = useSyncExternalStore(traffic.subscribe, () => traffic.counters(socket.id));
  const value = trafficValue(socket, field, counters);
  if (value === null) {
    return (
      <span className="dim" title={NOT_AVAILABLE}>
        n/a
      </span>
    );
  }
  const moving = field === 'sendRate' || field === 'receiveRate' ? value > 0 : true;
  return <span className={moving ? (field === 'sendRate' ? 'rate-up' : field === 'receiveRate' ? 'rate-down' : undefined) : 'dim'}>{text(field, value)}</span>;
}
