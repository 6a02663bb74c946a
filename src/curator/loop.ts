// The curator inside a server (serve/mcp with curator.enabled): a cycle at start-up and then every
// interval, never two at once. Off the write path: it only waits on the LLM between small writes.
import type { Deps } from "../ops/operation.ts";
import { runCuratorCycle } from "./cycle.ts";

/** Start the loop; the returned function stops it, waiting for a running cycle to end. */
export function startCurator(deps: Deps, options: { intervalMs: number }): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = () => {
    running = (async () => {
      try {
        const report = await runCuratorCycle(deps, { dryRun: false });
        deps.log.info("curator cycle", {
          examined: report.examined,
          tagged: report.tagged.length,
          contradictions: report.contradictions.length,
          proposals: report.proposals.length,
          expired: report.expired,
          errors: report.errors.length,
          stopped_by: report.stopped_by,
          ms: report.timing.total_ms,
        });
      } catch (err) {
        deps.log.error("curator cycle failed", { error: (err as Error).message });
      }
      if (!stopped) timer = setTimeout(tick, options.intervalMs);
    })();
  };
  tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
