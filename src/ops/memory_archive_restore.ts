// memory_archive_restore: bring an archived memory back, with its tier and a fresh lifetime.
import { z } from "zod";
import { idSchema } from "../core/fields.ts";
import { tierExpiry } from "../lifecycle/expiry.ts";
import { memorySchema } from "./_shared.ts";
import { defineOperation } from "./operation.ts";

export const memoryArchiveRestore = defineOperation({
  name: "memory_archive_restore",
  title: "Restore an archived memory",
  description: "Move an archived memory back to the live set with its id, tier and links. An expiry " +
    "that has passed starts afresh from now; one still ahead is kept.",
  input: z.object({ id: idSchema.describe("Id of the archived memory") }),
  output: z.object({ memory: memorySchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/archive/:id/restore" }],
  cli: { command: "archive restore", positional: ["id"] },
  async run(ctx, input) {
    const now = ctx.clock.now();
    const memory = await ctx.store.archive.restore(input.id, {
      now: now.toISOString(),
      expiresAt: (m) =>
        m.expires_at !== null && m.expires_at > now.toISOString()
          ? m.expires_at
          : tierExpiry(m.tier, now, ctx.config),
    });
    return { memory };
  },
});
