// memory_pending_list: the actions governance policies queued for approval.
import { z } from "zod";
import { pendingActionSchema } from "./_pending_shared.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryPendingList = defineOperation({
  name: "memory_pending_list",
  title: "List pending actions",
  description: "List the writes that namespace governance policies queued for approval, newest first.",
  input: z.object({
    status: z.enum(["pending", "approved", "rejected"], { error: "must be pending, approved or rejected" })
      .optional().describe("Only actions in this status (default: all)"),
    limit: z.number({ error: "must be a number" }).int({ error: "must be an integer" })
      .min(1, { error: "must be from 1 to 1000" }).max(1000, { error: "must be from 1 to 1000" })
      .default(100).describe("At most this many (default 100, max 1000)"),
  }),
  output: z.object({
    actions: z.array(pendingActionSchema).describe("Queued actions, newest first"),
    count: z.number().int().describe("How many are listed"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/pending" }],
  cli: { command: "pending list", short: { status: "s", limit: "l" } },
  async run(ctx, input) {
    const actions = await ctx.store.pending.list({ status: input.status, limit: input.limit });
    return { actions, count: actions.length };
  },
});
