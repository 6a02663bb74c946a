// Request limits of the HTTP surface: a per-key token bucket (429 with Retry-After) and a request
// deadline (503, code timeout). Both throw MemoryError, so onError answers them like any error.
import type { Clock } from "../../core/clock.ts";
import { MemoryError } from "../../core/errors.ts";

/** Token buckets, one per key: `burst` requests at once, refilled at `perSecond`. */
export class RateLimiter {
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: { perSecond: number; burst: number; clock: Clock }) {
    this.#perSecond = options.perSecond;
    this.#burst = options.burst;
    this.#clock = options.clock;
  }

  /**
   * Spend one token of `key`'s bucket.
   * @throws {MemoryError} rate_limited with `retry_after_secs` when the bucket is empty
   */
  take(key: string): void {
    if (this.#perSecond <= 0) return;
    const now = this.#clock.now().getTime();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const retryAfterSecs = Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perSecond));
    throw new MemoryError(
      "rate_limited",
      `Too many requests for this API key: the limit is ${this.#perSecond} per second with bursts of ` +
        `${this.#burst}; retry after ${retryAfterSecs} s`,
      {
        details: { retry_after_secs: retryAfterSecs, limit_per_second: this.#perSecond, burst: this.#burst },
      },
    );
  }
}

/**
 * Settle `work`, or fail once `ms` have passed. The work itself keeps running (a write is atomic:
 * it commits whole or not at all), only the client stops waiting.
 * @throws {MemoryError} timeout naming the limit
 */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() =>
      reject(
        new MemoryError(
          "timeout",
          `The request took longer than ${ms} ms (requestTimeoutMs) and was abandoned`,
          {
            details: { limit_ms: ms },
          },
        ),
      ), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
