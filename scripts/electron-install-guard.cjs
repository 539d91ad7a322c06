// Preloaded (node --require) into the electron package's own installer by `npm start`, changing two
// things about its downloads and nothing else:
// - a download that goes quiet fails after PORTWATCH_ELECTRON_STALL_SECONDS (default 20) without a
//   byte, connecting included, instead of waiting on undici's five-minute timeouts;
// - a network failure names its cause: undici says only "fetch failed" and keeps the reason
//   ("getaddrinfo ENOTFOUND github.com") in error.cause, which the installer does not print.
'use strict';

const stallSeconds = Number(process.env.PORTWATCH_ELECTRON_STALL_SECONDS) > 0 ? Number(process.env.PORTWATCH_ELECTRON_STALL_SECONDS) : 20;
const realFetch = globalThis.fetch;

globalThis.fetch = async function guardedFetch(input, init = {}) {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  const quiet = new AbortController();
  let timer;
  const arm = (why) => {
    clearTimeout(timer);
    timer = setTimeout(() => quiet.abort(new Error(why)), stallSeconds * 1000);
    timer.unref();
  };
  arm(`no answer from ${url.host} within ${stallSeconds} s`);
  const signal = init.signal ? AbortSignal.any([init.signal, quiet.signal]) : quiet.signal;
  let response;
  try {
    response = await realFetch(input, { ...init, signal });
  } catch (error) {
    clearTimeout(timer);
    if (quiet.signal.aborted) throw quiet.signal.reason;
    const cause = error && error.cause;
    if (cause) throw new Error(`${error.message}: ${cause.message || cause.code || String(cause)}`, { cause: error });
    throw error;
  }
  if (!response.ok || !response.body) {
    clearTimeout(timer);
    return response;
  }
  const stalled = `the download from ${url.host} stalled for ${stallSeconds} s`;
  arm(stalled);
  const body = response.body.pipeThrough(
    new TransformStream({
      transform(chunk, controller) {
        arm(stalled);
        controller.enqueue(chunk);
      },
      flush() {
        clearTimeout(timer);
      },
    }),
  );
  const guarded = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(guarded, 'url', { value: response.url });
  return guarded;
};
