// Schemas and approver checks shared by the governance-queue operations.
import { z } from "zod";
import { forbidden } from "../core/errors.ts";
import { approverSchema, describeApprover } from "../core/governance_policy.ts";
import { idSchema } from "../core/fields.ts";
import type { PendingAction } from "../store/pending_store.ts";
import type { OpContext } from "./operation.ts";

export const pendingIdSchema = idSchema.describe("Id of the pending action");

export const pendingActionSchema = z.object({
  id: z.string().describe("Id of the pending action"),
  action_type: z.string().describe("What waits: store, update, delete, promote, forget, ..."),
  operation: z.string().describe("The operation that runs when it is approved"),
  memory_id: z.string().nullable().describe("The memory it acts on, if any"),
  namespace: z.string().describe("The namespace whose policy queued it"),
  payload: z.record(z.string(), z.unknown()).describe("The operation's full validated input"),
  reason: z.string().describe("Which rule of which namespace queued it"),
  approver: approverSchema,
  requested_by: z.string().describe("Who asked for it"),
  requested_at: z.string().describe("When it was asked for"),
  status: z.enum(["pending", "approved", "rejected"]).describe("pending, approved or rejected"),
  decided_by: z.string().nullable().describe('Who approved (joined by ", ") or rejected it'),
  decided_at: z.string().nullable().describe("When it was decided"),
  approvals: z.array(z.object({
    agent_id: z.string().describe("Approving agent (lower-cased for consensus)"),
    approved_at: z.string().describe("When"),
  })).describe("The approvals so far"),
  executed_at: z.string().nullable().describe("When the approved action was replayed"),
  outcome: z.record(z.string(), z.unknown()).nullable()
    .describe("What the replay did: {ok: true, result} or {ok: false, error}"),
});

/** How one caller's approval counts for an action: the id it votes as and the votes needed. */
export async function approvalBy(
  ctx: OpContext,
  action: PendingAction,
): Promise<{ voter: string; needed: number }> {
  const approver = action.approver;
  const refuse = (why: string) =>
    forbidden(
      `Governance: pending action "${action.id}" needs the approval of ${describeApprover(approver)}; ${why}`,
      { id: action.id, approver, caller: ctx.actor },
    );
  if (approver === "human") {
    if (!ctx.operator) {
      throw refuse(
        `${ctx.actor} is not the operator (run \`ai-memory pending approve ${action.id}\` on the server host)`,
      );
    }
    return { voter: ctx.actor, needed: 1 };
  }
  if ("agent" in approver) {
    if (ctx.actor !== approver.agent) throw refuse(`${ctx.actor} is not that agent`);
    return { voter: ctx.actor, needed: 1 };
  }
  const voter = ctx.actor.toLowerCase();
  if (voter === action.requested_by.toLowerCase()) {
    throw refuse("the requester cannot approve its own action");
  }
  if (!(await ctx.store.agents.get(ctx.actor))) {
    throw refuse(`${ctx.actor} is not a registered agent (memory_agent_register)`);
  }
  return { voter, needed: approver.consensus };
}
