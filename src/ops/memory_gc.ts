// memory_gc: move expired memories into the archive (the server's sweeper runs it on a timer).
import { z } from "zod";
import type { Memory } from "../core/memory.ts";
import { archiveOutcomeSchema, moved } from "./_archive_shared.ts";
import { defineOperation } from "./operation.ts";

/** Memories archived per transaction. */
const GC_BATCH = 10_000;

export const memoryGc = defineOperation({
  name: "memory_gc",
  title: "Archive expired memories",
  description: "Move memories whose expiry has passed into the archive (restorable). With dry_run, " +
    "only report what would move.",
  input: z.object({
    dry_run: z.boolean({ error: "must be true or false" }).default(false).describe("Only report"),
  }),
  output: archiveOutcomeSchema,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/gc" }],
  cli: { command: "gc" },
  async run(ctx, input) {
    const now = ctx.clock.now().toISOString();
    const listed: Memory[] = [];
    let archived = 0;
    // Batches keep each transaction short; a dry run changes nothing, so one pass counts all.
    for (;;) {
      const batch = await ctx.store.archive.archiveExpired({
        now,
        actor: ctx.actor,
        dryRun: input.dry_run,
        limit: input.dry_run ? Number.MAX_SAFE_INTEGER : GC_BATCH,
      });
      archived += batch.length;
      listed.push(...batch.slice(0, 100 - listed.length));
      if (input.dry_run || batch.length < GC_BATCH) break;
    }
    return { archived, dry_run: input.dry_run, memories: listed.map(moved) };
  },
});
