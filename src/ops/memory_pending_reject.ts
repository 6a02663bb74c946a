// memory_pending_reject: refuse a queued action; it never runs.
import { z } from "zod";
import { approvalBy, pendingActionSchema, pendingIdSchema } from "./_pending_shared.ts";
import { defineOperation } from "./operation.ts";

export const memoryPendingReject = defineOperation({
  name: "memory_pending_reject",
  title: "Reject a pending action",
  description: "Reject an action a governance policy queued; it will never run. Whoever may approve " +
    "it may reject it, and the requester may withdraw its own.",
  input: z.object({ id: pendingIdSchema }),
  output: z.object({ action: pendingActionSchema.describe("The rejected action") }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/pending/:id/reject" }],
  cli: { command: "pending reject", positional: ["id"] },
  async run(ctx, input) {
    const current = await ctx.store.pending.get(input.id);
    // Check the status first so that a decided action answers "already decided", not "not allowed".
    if (current.status === "pending" && current.requested_by !== ctx.actor) await approvalBy(ctx, current);
    const action = await ctx.store.pending.reject(input.id, {
      by: ctx.actor,
      now: ctx.clock.now().toISOString(),
      check: () => {},
    });
    return { action };
  },
});
