import assert from "node:assert/strict";
import { fixedClock } from "../../core/clock.ts";
import { MemoryError } from "../../core/errors.ts";
import { isLoopbackHost } from "./auth.ts";
import { RateLimiter } from "./limits.ts";

Deno.test("the rate limiter allows a burst, then refuses with a retry time until tokens refill", () => {
  const clock = fixedClock(new Date("2026-01-01T00:00:00Z"));
  const limiter = new RateLimiter({ perSecond: 2, burst: 3, clock });
  for (let i = 0; i < 3; i++) limiter.take("k1");
  assert.throws(() => limiter.take("k1"), (err: unknown) => {
    assert.ok(err instanceof MemoryError);
    assert.equal(err.code, "rate_limited");
    assert.equal(err.details.retry_after_secs, 1);
    assert.match(err.message, /2 per second with bursts of 3/);
    return true;
  });
  limiter.take("k2"); // buckets are per key
  clock.advance(500); // one token back at 2 per second
  limiter.take("k1");
  assert.throws(() => limiter.take("k1"));
});

Deno.test("a rate of 0 turns the limiter off", () => {
  const limiter = new RateLimiter({ perSecond: 0, burst: 1, clock: fixedClock(new Date()) });
  for (let i = 0; i < 100; i++) limiter.take("k");
});

Deno.test("only loopback addresses count as loopback", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
    assert.ok(isLoopbackHost(host), host);
  }
  for (const host of ["0.0.0.0", "::", "192.168.1.4", "10.0.0.1", "example.org", "127.0.0.1.example.org"]) {
    assert.ok(!isLoopbackHost(host), host);
  }
});
