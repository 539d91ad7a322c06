// The checks every browser-mode request passes before it reaches a file or the API. Pure functions,
// so the rules are tested on their own and read in one place.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { browserModeCsp } from '../shared/csp.js';

/** The only address browser mode listens on: other machines (and other hosts' pages) cannot reach it. */
export const LOOPBACK = '127.0.0.1';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Constant-time comparison. Hashing first gives equal-length buffers, so neither the content nor the
 * length of the real token leaks through timing.
 */
export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** Host header values a page we served could send; anything else is DNS rebinding or a stray client. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

export function hostAllowed(host: string | undefined, port: number): boolean {
  return host !== undefined && allowedHosts(port).includes(host.toLowerCase());
}

/** A browser always sends Origin on a WebSocket upgrade; it must be our own page's origin. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true; // not a browser (a script or test client holding the token)
  return allowedHosts(port).some((h) => origin.toLowerCase() === `http://${h}`);
}

/** Security headers sent with every HTTP response, files and errors alike. */
export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': browserModeCsp(port),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
