// The page's Content Security Policy, written once. Three places deliver it: the meta tag vite writes
// into the built index.html (what a file:// page can rely on), the header Electron adds to our page,
// and the header browser mode sends with every response. They differ only where a host must: which
// WebSocket the page may reach, and frame-ancestors, which a meta tag cannot carry.

const DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  // React and the charts set style attributes.
  ['style-src', "'self' 'unsafe-inline'"],
  ['img-src', "'self' data:"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
];

export interface CspOptions {
  /** Sources besides 'self' the page may connect to; none leaves connect-src to default-src. */
  connect?: readonly string[];
  /** Forbid framing (a header can; a meta tag cannot). */
  frameAncestors: boolean;
}

export function contentSecurityPolicy({ connect, frameAncestors }: CspOptions): string {
  const directives = [...DIRECTIVES];
  if (connect !== undefined) directives.splice(4, 0, ['connect-src', ["'self'", ...connect].join(' ')]);
  if (frameAncestors) directives.push(['frame-ancestors', "'none'"]);
  return directives.map(([name, sources]) => `${name} ${sources}`).join('; ');
}

/**
 * The meta tag in the built index.html. The same file is served by browser mode on a port chosen at
 * start, so any loopback port here; browser mode's header narrows it to its own.
 */
export const PAGE_META_CSP = contentSecurityPolicy({ connect: ['ws://127.0.0.1:*', 'ws://localhost:*'], frameAncestors: false });

/** The header Electron adds to our file:// page: it talks over IPC and connects nowhere. */
export const ELECTRON_PAGE_CSP = contentSecurityPolicy({ frameAncestors: true });

/** The header browser mode sends: the page may reach only this server's WebSocket. */
export function browserModeCsp(port: number): string {
  return contentSecurityPolicy({ connect: [`ws://127.0.0.1:${port}`, `ws://localhost:${port}`], frameAncestors: true });
}
