// Hybrid logical clock stamps for replication: fixed-width text that sorts as time, so SQL and
// TypeScript compare them as plain strings. Pure functions; the store keeps the last stamp seen.

/**
 * A stamp is `<15-digit milliseconds since the Unix epoch>-<6-digit counter>`, e.g.
 * `001780000000000-000003`: zero-padded, so text order is time order (until the year 33658).
 * The counter orders stamps made in the same millisecond (or while the wall clock lags the
 * newest stamp seen); past 999999 the millisecond part moves on by one.
 */
export const HLC_PATTERN = /^\d{15}-\d{6}$/;

/** The largest counter; the next stamp after it moves to the next millisecond. */
export const HLC_MAX_COUNTER = 999_999;

/** The smallest stamp: older than every real one. */
export const HLC_ZERO = "000000000000000-000000";

/** A stamp's parts. */
export interface HlcParts {
  ms: number;
  counter: number;
}

/** Text of a stamp from its parts. */
export function formatHlc(parts: HlcParts): string {
  return `${String(parts.ms).padStart(15, "0")}-${String(parts.counter).padStart(6, "0")}`;
}

/**
 * The parts of a stamp.
 * @throws {RangeError} when `hlc` does not match HLC_PATTERN
 */
export function parseHlc(hlc: string): HlcParts {
  if (!HLC_PATTERN.test(hlc)) throw new RangeError(`Not a hybrid logical clock stamp: "${hlc}"`);
  return { ms: Number(hlc.slice(0, 15)), counter: Number(hlc.slice(16)) };
}

/**
 * The next local stamp: later than `lastSeen` (the newest stamp made or received) and than the
 * wall clock's `nowMs`, so the clock never goes backwards even when the wall clock does.
 */
export function nextHlc(lastSeen: string, nowMs: number): string {
  const last = parseHlc(lastSeen);
  const now = Math.max(0, Math.floor(nowMs));
  if (now > last.ms) return formatHlc({ ms: now, counter: 0 });
  if (last.counter < HLC_MAX_COUNTER) return formatHlc({ ms: last.ms, counter: last.counter + 1 });
  return formatHlc({ ms: last.ms + 1, counter: 0 });
}

/** -1, 0 or 1 as `a` is older than, the same as or newer than `b` (text order is time order). */
export function compareHlc(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The newer of two stamps. */
export function maxHlc(a: string, b: string): string {
  return compareHlc(a, b) >= 0 ? a : b;
}

/**
 * -1, 0 or 1 comparing two versions by (hlc, origin): the replication order. Origins are node ids
 * of the same width, so text order breaks ties between stamps of the same instant.
 */
export function compareVersions(
  a: { hlc: string; origin: string },
  b: { hlc: string; origin: string },
): number {
  return compareHlc(a.hlc, b.hlc) || (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0);
}
