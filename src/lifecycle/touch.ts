// What a recall does to the memories it returns: they are used, so they live longer (an expiry is
// only ever pushed later, by the tier's lifetime) and a mid memory used often becomes long.
import type { Config } from "../core/config.ts";
import type { TouchRules } from "../store/store.ts";
import { tierExpiry } from "./expiry.ts";

/** The touch rules at `now` under `config`. */
export function touchRules(now: Date, config: Config): TouchRules {
  return {
    shortUntil: tierExpiry("short", now, config),
    midUntil: tierExpiry("mid", now, config),
    promoteAt: config.promoteAfterAccesses,
  };
}
