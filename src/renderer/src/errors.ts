// Errors said to the user as the engine worded them: no stack, no transport wrapping.

/**
 * The message of a failed request. Electron wraps a handler's error as "Error invoking remote method
 * 'portwatch:x': ApiError[code]: …"; the engine's own words are what follows. (The code: errorCode() in shared/api-errors.ts.)
 */
export function errorText(e: unknown): string {
  let text = e instanceof Error ? e.message : typeof e === 'string' ? e : String(e);
  text = text.replace(/^Error invoking remote method '[^']*': /, '');
  text = text.replace(/^[A-Z]\w*Error(\[[a-z-]+\])?: /, '');
  // Only the first line: a stack or a trace never reaches the screen.
  const line = text.split('\n')[0]?.trim() ?? '';
  return line === '' ? 'Portwatch could not do that (no reason given)' : line;
}
