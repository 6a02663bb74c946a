// Time for the whole program comes from one Clock so tests can control it.
// Timestamps are RFC 3339 UTC strings with milliseconds: sortable as text.

/** A source of the current time. */
export interface Clock {
  now(): Date;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until moved; for tests. */
export function fixedClock(start: Date): Clock & { advance(ms: number): void } {
  let t = start.getTime();
  return { now: () => new Date(t), advance: (ms: number) => void (t += ms) };
}

/** RFC 3339 UTC text of a date, the only timestamp format stored. */
export function toTimestamp(date: Date): string {
  return date.toISOString();
}
