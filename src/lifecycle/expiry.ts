// When a memory expires: from its tier's TTL, an explicit ttl_secs or expires_at, and never
// earlier than it already would (an expiry is extended, never shortened).
import type { Config } from "../core/config.ts";
import type { Tier } from "../core/memory.ts";

/** Expiry for a tier stored at `now`; null for long (or a TTL of 0 = no expiry). */
export function tierExpiry(tier: Tier, now: Date, config: Config): string | null {
  const ttl = tier === "short" ? config.shortTtlSecs : tier === "mid" ? config.midTtlSecs : 0;
  return ttl > 0 ? new Date(now.getTime() + ttl * 1000).toISOString() : null;
}

/** The later of two expiries, where null means never. */
export function laterExpiry(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return null;
  return a >= b ? a : b;
}
