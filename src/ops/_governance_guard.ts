// The governance guard every surface runs through invokeOperation: before an operation that
// declares its changes runs, deny it (forbidden), queue it (the pending response), or let it run.
import { z } from "zod";
import { forbidden } from "../core/errors.ts";
import { decideGovernance } from "../safety/governance.ts";
import type { OpContext, Operation } from "./operation.ts";

/** What a write that was queued for approval answers instead of its own result. */
export const pendingResultSchema = z.object({
  status: z.literal("pending").describe("The action waits for approval; nothing changed yet"),
  pending_id: z.string().describe("Id of the queued action (memory_pending_approve / _reject)"),
  reason: z.string().describe("Which rule of which namespace queued it"),
  action: z.string().describe("What waits: store, update, delete, promote, forget, ..."),
});

/** The result an operation may answer with: its own, or the pending response when it is governed. */
export function outputSchemaOf(op: Operation): z.ZodType {
  return op.governance ? z.union([op.output, pendingResultSchema]) : op.output;
}

/** True for the pending response of a queued write. */
export function isPendingResult(result: Record<string, unknown>): boolean {
  return result.status === "pending" && typeof result.pending_id === "string";
}

/**
 * Check the operation's declared changes against the governance policies in force.
 * @returns null to run the operation, or the pending response once the action is queued
 * @throws {MemoryError} forbidden when a rule refuses the caller (nothing is written)
 */
export async function guardGovernance(
  op: Operation,
  ctx: OpContext,
  input: Record<string, unknown>,
): Promise<z.infer<typeof pendingResultSchema> | null> {
  if (!op.governance) return null;
  const targets = await op.governance(ctx, input);
  if (targets.length === 0) return null;
  const decision = await decideGovernance(ctx.store, targets, { caller: ctx.actor });
  if (decision.kind === "allow") return null;
  if (decision.kind === "deny") throw forbidden(decision.message, decision.details);
  const action = op.name.replace(/^memory_/, "");
  const queued = await ctx.store.pending.create({
    id: ctx.ids.next(),
    action_type: action,
    operation: op.name,
    memory_id: decision.memoryId,
    namespace: decision.namespace,
    payload: input,
    reason: decision.reason,
    approver: decision.approver,
    requested_by: ctx.actor,
    requested_at: ctx.clock.now().toISOString(),
  });
  return { status: "pending", pending_id: queued.id, reason: queued.reason, action };
}
