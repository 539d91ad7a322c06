// Bytes and rates in human units, one rule for every view (CLI, tray, window): decimal prefixes
// (1 kB = 1000 B) as network tools and macOS count them, three significant digits at most.

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const;

/** "0 B", "999 B", "1.2 kB", "12 MB", "123 GB"; a count the OS does not give (null) is "n/a". */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return 'n/a';
  let n = Math.max(0, bytes);
  let unit = 0;
  // Promote before rounding up to 1000 of a unit: 999.96 kB reads "1.0 MB", not "1000 kB".
  while (unit < UNITS.length - 1 && (unit === 0 ? n >= 1000 : n >= 999.5)) {
    n /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.round(n)} B`;
  return `${n < 9.95 ? n.toFixed(1) : Math.round(n).toString()} ${UNITS[unit]}`;
}

/** "1.2 MB/s"; null (not measured here) is "n/a". */
export function formatRate(bytesPerSecond: number | null): string {
  return bytesPerSecond === null ? 'n/a' : `${formatBytes(bytesPerSecond)}/s`;
}
