// The signals that stop a long-running surface cleanly (its store closed, pending writes made).

/**
 * Call `stop` on SIGINT or SIGTERM (Windows has no SIGTERM: SIGINT alone there). Returns a function
 * that stops listening.
 */
export function onStopSignal(stop: () => void): () => void {
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  return () => {
    for (const signal of signals) Deno.removeSignalListener(signal, stop);
  };
}
