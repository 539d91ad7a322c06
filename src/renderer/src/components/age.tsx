import { useNow } from '../hooks.js';
import { formatAge } from '../format.js';

/** "12s", "5m", "2h": ticks once a second with every other age on screen. */
export function Age({ since }: { since: number }) {
  const now = useNow();
  return <>{formatAge(now - since)}</>;
}
