// Saving an export from the page: a Blob handed to the browser's (or Electron's) download, which asks
// where to save it; nothing is written by the page itself.
export function saveText(fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own reference by now; the URL need not outlive this task.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** "portwatch-connections-2026-12-02T08-15-03.csv": sortable, and no characters a file system refuses. */
export function exportFileName(what: string, extension: string, at = Date.now()): string {
  return `portwatch-${what}-${new Date(at).toISOString().slice(0, 19).replace(/:/g, '-')}.${extension}`;
}

export const MIME: Record<'csv' | 'json' | 'ndjson', string> = {
  csv: 'text/csv;charset=utf-8',
  json: 'application/json',
  ndjson: 'application/x-ndjson',
};

/** Copies text; resolves with what to tell the user. */
export function copyText(text: string, what: string): Promise<string> {
  if (typeof navigator === 'undefined' || typeof navigator.clipboard?.writeText !== 'function') return Promise.resolve(`Could not copy ${what}: no clipboard here`);
  return navigator.clipboard.writeText(text).then(
    () => `Copied ${what}`,
    () => `Could not copy ${what}: the clipboard refused`,
  );
}
