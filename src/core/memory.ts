// The memory record as every layer above the store sees it, and the tier rules that shape it.
import { z } from "zod";
import { agentIdSchema, scopeSchema, sourceSchema, tierSchema } from "./fields.ts";

/** A stored memory, as returned by every read operation. */
export const memorySchema = z.object({
  id: z.string().describe("Memory id (UUID)"),
  tier: tierSchema,
  namespace: z.string().describe("Namespace"),
  title: z.string().describe("Title"),
  content: z.string().describe("Content"),
  tags: z.array(z.string()).describe("Tags"),
  priority: z.number().int().describe("Priority 1-10"),
  confidence: z.number().describe("Confidence 0-1"),
  source: sourceSchema,
  access_count: z.number().int().describe("How often recall returned it"),
  created_at: z.string().describe("Creation time (RFC 3339)"),
  updated_at: z.string().describe("Last change (RFC 3339)"),
  last_accessed_at: z.string().nullable().describe("Last recall that returned it"),
  expires_at: z.string().nullable().describe("Expiry (RFC 3339); null = never"),
  metadata: z.record(z.string(), z.unknown()).describe("Metadata, including agent_id"),
  agent_id: agentIdSchema.nullable().describe("The agent that first stored it"),
  scope: scopeSchema.describe("Visibility scope"),
});

/** A stored memory. */
export type Memory = z.infer<typeof memorySchema>;
/** A memory tier. */
export type Tier = Memory["tier"];

const TIER_RANK: Record<Tier, number> = { short: 0, mid: 1, long: 2 };

/** The higher of two tiers: tiers never downgrade implicitly. */
export function maxTier(a: Tier, b: Tier): Tier {
  return TIER_RANK[a] >= TIER_RANK[b] ? a : b;
}

/** True when moving from `from` to `to` would lower the tier. */
export function isDowngrade(from: Tier, to: Tier): boolean {
  return TIER_RANK[to] < TIER_RANK[from];
}

/** Tier rank 0..2, for scoring. */
export function tierRank(tier: Tier): number {
  return TIER_RANK[tier];
}
