// The background sweeper of a long-running server: on a timer, expired memories move to the
// archive. Several servers may sweep one database; each move is one IMMEDIATE transaction.
import type { Clock } from "../core/clock.ts";
import type { Logger } from "../core/log.ts";
import type { MemoryStore } from "../store/store.ts";

const BATCH = 1000;

/** Archive everything expired at `clock.now()`, in batches; returns how many moved. */
export async function sweepExpired(
  store: MemoryStore,
  options: { clock: Clock; actor: string },
): Promise<number> {
  let total = 0;
  for (;;) {
    const moved = await store.archive.archiveExpired({
      now: options.clock.now().toISOString(),
      actor: options.actor,
      dryRun: false,
      limit: BATCH,
    });
    total += moved.length;
    if (moved.length < BATCH) return total;
  }
}

/** Sweep now and then every `intervalMs`; returns a function that stops it. */
export function startSweeper(
  store: MemoryStore,
  options: { clock: Clock; log: Logger; intervalMs: number },
): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const actor = "system:sweeper";
      const attributed = store.attributed({
        actor,
        operation: "memory_gc",
        now: () => options.clock.now().toISOString(),
      });
      const moved = await sweepExpired(attributed, { clock: options.clock, actor });
      if (moved > 0) options.log.info("archived expired memories", { count: moved });
    } catch (err) {
      options.log.error("sweep failed", { error: String(err) });
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, options.intervalMs);
  return () => clearInterval(timer);
}
