import { describe, expect, it } from 'vitest';
import { hostAllowed, newToken, originAllowed, securityHeaders, tokenMatches } from '../../../src/server/guards.js';

describe('browser-mode guards', () => {
  it('makes a fresh url-safe token of 24 random bytes each time', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newToken()).not.toBe(a);
  });

  it('matches the token exactly, whatever the length of the guess', () => {
    const token = newToken();
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(token.slice(0, -1), token)).toBe(false);
    expect(tokenMatches(token + 'x', token)).toBe(false);
    expect(tokenMatches('', token)).toBe(false);
    expect(tokenMatches(null, token)).toBe(false);
    expect(tokenMatches(undefined, token)).toBe(false);
  });

  it('accepts only loopback names with our port as Host', () => {
    expect(hostAllowed('127.0.0.1:7437', 7437)).toBe(true);
    expect(hostAllowed('localhost:7437', 7437)).toBe(true);
    expect(hostAllowed('LOCALHOST:7437', 7437)).toBe(true);
    expect(hostAllowed('[::1]:7437', 7437)).toBe(true);
    for (const bad of ['evil.example:7437', '127.0.0.1', '127.0.0.1:80', 'localhost', '127.0.0.1:7437.evil.example', '', '0.0.0.0:7437']) {
      expect(hostAllowed(bad, 7437), bad).toBe(false);
    }
    expect(hostAllowed(undefined, 7437)).toBe(false);
  });

  it('accepts a missing Origin (not a browser) or our own, and nothing else', () => {
    expect(originAllowed(undefined, 7437)).toBe(true);
    expect(originAllowed('http://127.0.0.1:7437', 7437)).toBe(true);
    expect(originAllowed('http://localhost:7437', 7437)).toBe(true);
    for (const bad of ['http://evil.example', 'http://127.0.0.1:7438', 'https://127.0.0.1:7437', 'null', 'file://', 'http://127.0.0.1:7437.evil.example']) {
      expect(originAllowed(bad, 7437), bad).toBe(false);
    }
  });

  it('sends a strict CSP that lets the page reach only its own WebSocket', () => {
    const h = securityHeaders(7437);
    const csp = h['Content-Security-Policy']!;
    for (const part of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
      expect(csp).toContain(part);
    }
    expect(csp).toContain('connect-src \'self\' ws://127.0.0.1:7437');
    expect(csp).not.toContain('unsafe-eval');
    expect(h['X-Content-Type-Options']).toBe('nosniff');
    expect(h['Referrer-Policy']).toBe('no-referrer');
    expect(h['X-Frame-Options']).toBe('DENY');
  });
});
