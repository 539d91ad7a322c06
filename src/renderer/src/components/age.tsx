import { createContext, useContext } from 'react';
import type { Socket } from '../../../shared/model.js';
import { useNow } from '../hooks.js';
import { formatAge, readAge } from '../format.js';

/** When Portwatch's first poll was taken (see StoreSnapshot.watchStart); null until the state is read. */
export const WatchStartContext = createContext<number | null>(null);

/** "12s", "5m", "2h": ticks once a second with every other age on screen. */
export function Age({ since }: { since: number }) {
  const now = useNow();
  return <>{formatAge(now - since)}</>;
}

/** A socket's age; "≥ 2m" where it was open before Portwatch started (see readAge). */
export function SocketAge({ socket }: { socket: Pick<Socket, 'firstSeen' | 'process'> }) {
  const now = useNow();
  const age = readAge(socket, now, useContext(WatchStartContext));
  return (
    <span className={age.exact ? undefined : 'age-bound'} title={age.title}>
      {age.text}
    </span>
  );
}
