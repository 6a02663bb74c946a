// The merge rules when a store hits a live memory with the same title and namespace
// (reference §6.2): new text wins, priority and confidence never drop, tiers never downgrade.
import type { Memory } from "../core/memory.ts";
import { maxTier } from "../core/memory.ts";
import type { MemoryDraft } from "../store/store.ts";
import { laterExpiry } from "./expiry.ts";

/** Merge an incoming store into the existing live memory with the same key. */
export function mergeOnUpsert(existing: Memory, incoming: MemoryDraft): MemoryDraft {
  const tier = maxTier(existing.tier, incoming.tier);
  const author = existing.agent_id ?? incoming.agent_id;
  return {
    ...incoming,
    tier,
    priority: Math.max(existing.priority, incoming.priority),
    confidence: Math.max(existing.confidence, incoming.confidence),
    expires_at: tier === "long" ? null : laterExpiry(existing.expires_at, incoming.expires_at),
    // The original author is immutable; a later writer is recorded beside it.
    agent_id: author,
    metadata: { ...incoming.metadata, ...(author ? { agent_id: author } : {}) },
  };
}
