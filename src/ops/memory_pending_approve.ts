// memory_pending_approve: approve a queued action (approver-type aware) and, once approved, replay
// it exactly once, recorded in the audit trail as the requester's, approved by the approvers.
import { z } from "zod";
import { toMemoryError } from "../core/errors.ts";
import type { PendingAction } from "../store/pending_store.ts";
import { approvalBy, pendingActionSchema, pendingIdSchema } from "./_pending_shared.ts";
import { defineOperation, type OpContext, type Operation } from "./operation.ts";

/** Run a claimed action's operation as its requester; the outcome, never a throw. */
async function replay(
  ctx: OpContext,
  action: PendingAction,
  operation: Operation | undefined,
): Promise<Record<string, unknown>> {
  try {
    if (!operation) throw new Error(`unknown operation ${action.operation}`);
    const input = operation.input.parse(action.payload);
    const approvers = action.approvals.map((a) => a.agent_id).join(", ");
    const store = ctx.store.attributed({
      actor: action.requested_by,
      operation: `${operation.name} (pending ${action.id}, approved by ${approvers})`,
      now: () => ctx.clock.now().toISOString(),
    });
    const result = await operation.run({ ...ctx, store, actor: action.requested_by, operator: false }, input);
    return { ok: true, result: operation.output.parse(result) };
  } catch (err) {
    const error = toMemoryError(err);
    if (error.code === "internal") {
      ctx.log.error("pending replay failed", { id: action.id, error: String(err) });
    }
    return { ok: false, error: { code: error.code, message: error.message } };
  }
}

/**
 * memory_pending_approve, replaying through `lookup` (the catalog; given late so that this
 * operation can be part of the catalog it replays from).
 */
export function pendingApproveOperation(lookup: (name: string) => Operation | undefined): Operation {
  return defineOperation({
    name: "memory_pending_approve",
    title: "Approve a pending action",
    description: "Approve an action a governance policy queued. Approver human: the operator, through " +
      "the CLI; {agent: id}: that agent; {consensus: n}: n distinct registered agents other than the " +
      "requester. The approval that completes it replays the action once, as the requester.",
    input: z.object({ id: pendingIdSchema }),
    output: z.object({
      id: z.string().describe("Id of the pending action"),
      status: z.enum(["pending", "approved"])
        .describe("approved once enough approvals are in (then it ran); pending while a consensus gathers"),
      approvals: z.number().int().describe("Approvals so far"),
      needed: z.number().int().describe("Approvals needed"),
      executed: z.boolean().describe("True when this approval replayed the action and it succeeded"),
      result: z.record(z.string(), z.unknown()).optional().describe("The replayed operation's result"),
      error: z.object({
        code: z.string().describe("Error code"),
        message: z.string().describe("Why the replay failed (the action stays approved; it is not retried)"),
      }).optional().describe("Set when the replay failed"),
      action: pendingActionSchema.describe("The pending action after this approval"),
    }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    http: [{ method: "POST", path: "/api/v1/pending/:id/approve" }],
    cli: { command: "pending approve", positional: ["id"] },
    async run(ctx, input) {
      const current = await ctx.store.pending.get(input.id);
      // A decided action answers "already decided" (conflict) from the claim, whoever asks.
      const vote = current.status === "pending"
        ? await approvalBy(ctx, current)
        : { voter: ctx.actor, needed: 1 };
      const { action, claimed } = await ctx.store.pending.approve(input.id, {
        ...vote,
        now: ctx.clock.now().toISOString(),
        check: () => {},
      });
      const base = { id: action.id, approvals: action.approvals.length, needed: vote.needed };
      if (!claimed) return { ...base, status: "pending" as const, executed: false, action };
      const outcome = await replay(ctx, action, lookup(action.operation));
      await ctx.store.pending.settle(action.id, { outcome, now: ctx.clock.now().toISOString() });
      const settled = await ctx.store.pending.get(action.id);
      return {
        ...base,
        status: "approved" as const,
        executed: outcome.ok === true,
        ...(outcome.ok === true
          ? { result: outcome.result as Record<string, unknown> }
          : { error: outcome.error as { code: string; message: string } }),
        action: settled,
      };
    },
  }) as unknown as Operation;
}
