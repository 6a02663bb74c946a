// The embedding worker of a long-running server: it leases queued memories, embeds them with the
// process's embedder and saves the vectors, off the write path. Several processes may run one each.
import type { Clock } from "../core/clock.ts";
import type { Logger } from "../core/log.ts";
import { pause } from "../core/pause.ts";
import type { Embedder } from "../models/onnx.ts";
import type { VectorStore } from "../store/vector_store.ts";

// Inference blocks the event loop while it runs (tokenizing and ONNX Runtime's run): a batch of 4
// holds other requests about 10 ms at most and embeds fastest (400 texts of ~128 tokens with the
// fixture: 1 at a time 759 ms, max lag 12 ms; 4: 516 ms, 11 ms; 8: 547 ms, 20 ms).
const BATCH = 4;
// A batch takes well under a second with small models and a few seconds with MiniLM-class ones on
// two cores; a worker killed mid-batch holds its rows this long before another takes them.
const LEASE_MS = 15_000;
// Requests come first: a batch waits until no operation has run for QUIET_MS, but under a steady
// stream of requests it still runs at least every MAX_DEFER_MS (the queue keeps moving; the stall
// of one batch then touches about one request in a hundred instead of every few).
const QUIET_MS = 25;
const MAX_DEFER_MS = 2_000;
const MAX_ATTEMPTS = 5;

/** Embed one batch of queued memories; returns how many vectors were saved (0 when idle). */
export async function embedBatch(
  vectors: VectorStore,
  options: { embedder: Embedder; clock: Clock; limit?: number },
): Promise<{ leased: number; saved: number }> {
  const now = options.clock.now();
  const jobs = await vectors.claim({
    now: now.toISOString(),
    leaseUntil: new Date(now.getTime() + LEASE_MS).toISOString(),
    limit: options.limit ?? BATCH,
    maxAttempts: MAX_ATTEMPTS,
  });
  if (jobs.length === 0) return { leased: 0, saved: 0 };
  let embedded: Float32Array[];
  try {
    embedded = await options.embedder.embed(jobs.map((j) => j.text));
  } catch (error) {
    await vectors.fail(jobs.map((j) => j.seq), { error: (error as Error).message });
    throw error;
  }
  const saved = await vectors.save(
    jobs.map((j, i) => ({ seq: j.seq, gen: j.gen, vector: embedded[i]! })),
    { model: options.embedder.model, now: options.clock.now().toISOString() },
  );
  return { leased: jobs.length, saved };
}

/** Embed everything queued now; returns how many vectors were saved. */
export async function drainQueue(
  vectors: VectorStore,
  options: { embedder: Embedder; clock: Clock },
): Promise<number> {
  let total = 0;
  for (;;) {
    const { leased, saved } = await embedBatch(vectors, options);
    total += saved;
    if (leased === 0) return total;
  }
}

/**
 * Run the worker until the returned function is called: it drains the queue, then looks again
 * every `idleMs`. `afterBatch` runs after each saved batch (e.g. to fold vectors into the index).
 */
export function startEmbedWorker(
  vectors: VectorStore,
  options: {
    embedder: Embedder;
    clock: Clock;
    log: Logger;
    idleMs: number;
    afterBatch?: () => Promise<void>;
    /** Milliseconds since the process last served a request (0 while it serves one). */
    quietMs?: () => number;
    /** How long a batch may wait for a quiet moment (default MAX_DEFER_MS). */
    maxDeferMs?: number;
  },
): () => Promise<void> {
  const stop = new AbortController();
  let lastBatch = performance.now();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      const quiet = options.quietMs;
      const maxDefer = options.maxDeferMs ?? MAX_DEFER_MS;
      if (quiet && quiet() < QUIET_MS && performance.now() - lastBatch < maxDefer) {
        await pause(QUIET_MS, stop.signal);
        continue;
      }
      lastBatch = performance.now();
      let leased = 0;
      try {
        const result = await embedBatch(vectors, options);
        leased = result.leased;
        if (result.saved > 0) await options.afterBatch?.();
      } catch (error) {
        options.log.error("embedding failed", { error: (error as Error).message });
      }
      if (leased > 0 || stop.signal.aborted) continue;
      await pause(options.idleMs, stop.signal);
    }
  })();
  return async () => {
    stop.abort();
    await loop;
  };
}
