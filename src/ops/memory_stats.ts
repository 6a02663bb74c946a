// memory_stats: counts by tier and namespace, what expires soon, tombstones and database size.
import { z } from "zod";
import { defineOperation, READ_ONLY } from "./operation.ts";

const DAY_SECONDS = 86_400;

export const memoryStats = defineOperation({
  name: "memory_stats",
  title: "Memory statistics",
  description: "Counts of live memories by tier and namespace, how many expire within 24 hours, " +
    "tombstones awaiting purge, and the database size.",
  input: z.object({}),
  output: z.object({
    total: z.number().int().describe("Live memories"),
    by_tier: z.record(z.string(), z.number().int()).describe("Live memories per tier"),
    by_namespace: z.record(z.string(), z.number().int()).describe("Live memories per namespace"),
    expiring_soon: z.number().int().describe("Live memories expiring within 24 hours"),
    deleted: z.number().int().describe("Tombstones awaiting purge"),
    db_size_bytes: z.number().int().describe("Database size in bytes"),
    schema_version: z.number().int().describe("Database schema version"),
    backend: z.string().describe("Storage backend"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/stats" }],
  cli: { command: "stats" },
  async run(ctx) {
    const s = await ctx.store.stats({ now: ctx.clock.now().toISOString(), soonSeconds: DAY_SECONDS });
    return {
      total: s.total,
      by_tier: s.byTier,
      by_namespace: s.byNamespace,
      expiring_soon: s.expiringSoon,
      deleted: s.deleted,
      db_size_bytes: s.dbSizeBytes,
      schema_version: s.schemaVersion,
      backend: ctx.store.backend,
    };
  },
});
