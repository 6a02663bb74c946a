// Time in tests: millisecond constants, ISO 8601 text for an instant, waiting, and asserting
// that a stored timestamp is within a tolerance of an expected instant.
import assert from "node:assert/strict";

/** One hour in milliseconds. */
export const HOUR_MS = 3_600_000;
/** One day in milliseconds. */
export const DAY_MS = 24 * HOUR_MS;

/** The instant `ms` (since the epoch) as ISO 8601 UTC text. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `actual` is set and within `toleranceMs` of `expectedMs`; `what` names the timestamp. */
export function assertNear(
  actual: string | null,
  expectedMs: number,
  options: { toleranceMs: number; what: string },
): void {
  const { toleranceMs, what } = options;
  assert.ok(actual !== null, `${what} is set`);
  const diff = Math.abs(Date.parse(actual) - expectedMs);
  assert.ok(diff <= toleranceMs, `${what} ${actual} is within ${toleranceMs} ms of ${iso(expectedMs)}`);
}
