// A sleep that a stop ends at once: the one wait of every background loop (embedding worker,
// webhook dispatcher, federation pushers and loops), so stopping never waits out an interval.

/** Resolve after `ms`, or as soon as `signal` aborts (at once if it already has). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
