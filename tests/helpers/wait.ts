// How long a test waits for a condition before calling it a hang. Polls, child processes and disk
// writes take their time on a busy machine (load 16 on 2 cores is seen here): a wait is for a
// condition, never for a time, so this only bounds a wait that would otherwise never end.
// vi.waitFor and expect.poll give up after 1 s unless told: pass WAIT to every one.
export const WAIT = { timeout: 60_000, interval: 50 } as const;
