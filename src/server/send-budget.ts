// What all clients of one server may have queued together. Each client has its own bound
// (request-budget.ts), but thirty clients that stop reading, each with a full state of a busy machine
// on its way (10 MB at 20,000 sockets), would still hold hundreds of MB: past this total the clients
// furthest behind are cut off (they reconnect and fetch the state anew), those reading keep going.

export const MAX_TOTAL_BUFFERED_BYTES = 64 * 1024 * 1024;

/**
 * Cuts the clients with the most bytes queued until the total is within the budget. Called after
 * each write, so the total never exceeds the budget by more than the message just written.
 * clients: a Set of them or a Map keyed by them, walked again when over the budget (an iterator
 * could not be).
 */
export function cutFurthestBehind<C>(clients: { keys(): Iterable<C> }, queued: (client: C) => number, cut: (client: C) => void, limit = MAX_TOTAL_BUFFERED_BYTES): void {
  // The usual case, after every write: one sum, nothing gathered or sorted.
  let total = 0;
  for (const client of clients.keys()) total += queued(client);
  if (total <= limit) return;
  const behind: { client: C; bytes: number }[] = [];
  for (const client of clients.keys()) {
    const bytes = queued(client);
    if (bytes > 0) behind.push({ client, bytes });
  }
  behind.sort((a, b) => b.bytes - a.bytes);
  for (const { client, bytes } of behind) {
    if (total <= limit) return;
    cut(client);
    total -= bytes;
  }
}
