// What a recall does to the memories it returns: they are used, so they live longer (an expiry is
// only ever pushed later, to the tier's lifetime from now) and a mid memory used often becomes long.
import type { Config } from "../core/config.ts";
import type { Tier } from "../core/memory.ts";
import type { TouchRules } from "../store/store.ts";
import { tierExpiry } from "./expiry.ts";

/**
 * An expiry already within this share of the tier's lifetime of where a touch would push it is left
 * as it is (15 minutes of a short memory's 6 hours, 7 hours of a mid memory's 7 days). A pushed
 * expiry is a write to two indexes and a new replicated version of the memory (federation), so a
 * memory recalled again and again is rewritten at most once per slack, not on every recall.
 */
export const TOUCH_SLACK_SHARE = 1 / 24;

function push(tier: Tier, now: Date, config: Config): { until: string | null; ifBefore: string | null } {
  const until = tierExpiry(tier, now, config);
  if (until === null) return { until, ifBefore: null };
  const lifetimeMs = Date.parse(until) - now.getTime();
  return { until, ifBefore: new Date(Date.parse(until) - lifetimeMs * TOUCH_SLACK_SHARE).toISOString() };
}

/** The touch rules at `now` under `config`. */
export function touchRules(now: Date, config: Config): TouchRules {
  const short = push("short", now, config);
  const mid = push("mid", now, config);
  return {
    shortUntil: short.until,
    shortIfBefore: short.ifBefore,
    midUntil: mid.until,
    midIfBefore: mid.ifBefore,
    promoteAt: config.promoteAfterAccesses,
  };
}
