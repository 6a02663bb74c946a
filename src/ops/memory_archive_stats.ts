// memory_archive_stats: how much is archived, per namespace and per reason.
import { z } from "zod";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryArchiveStats = defineOperation({
  name: "memory_archive_stats",
  title: "Archive statistics",
  description: "Number of archived memories, per namespace and per reason.",
  input: z.object({}),
  output: z.object({
    total: z.number().int().describe("Archived memories"),
    by_namespace: z.record(z.string(), z.number().int()).describe("Per namespace"),
    by_reason: z.record(z.string(), z.number().int()).describe("Per reason"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/archive/stats" }],
  cli: { command: "archive stats" },
  async run(ctx) {
    const s = await ctx.store.archive.stats();
    return { total: s.total, by_namespace: s.byNamespace, by_reason: s.byReason };
  },
});
