// A namespace's governance policy: who may write, promote and delete there, and who approves what
// the policy queues. The shape is the reference's `governance{write,promote,delete,approver}`.
import { z } from "zod";
import { agentIdSchema } from "./fields.ts";

/** The three kinds of change a policy governs. */
export const GOVERNED_CLASSES = ["write", "promote", "delete"] as const;
/** One of the three kinds of change a policy governs. */
export type GovernedClass = (typeof GOVERNED_CLASSES)[number];

export const governanceRuleSchema = z.enum(["any", "registered", "owner", "approve"], {
  error: "must be one of any, registered, owner, approve",
}).describe(
  "any: everyone; registered: agents registered with memory_agent_register; owner: the policy's owner " +
    "(and, for an existing memory, its author); approve: queued until the approver approves it",
);

export const approverSchema = z.union([
  z.literal("human"),
  z.object({ agent: agentIdSchema.describe("The one agent whose approval runs the action") }).strict(),
  z.object({
    consensus: z.number({ error: "must be a number" }).int({ error: "must be an integer" })
      .min(1, { error: "must be from 1 to 100" }).max(100, { error: "must be from 1 to 100" })
      .describe("How many distinct registered agents (not the requester) must approve"),
  }).strict(),
], { error: 'must be "human", {"agent": id} or {"consensus": n}' })
  .describe(
    'Who approves queued actions: "human" (the operator, through the CLI), {"agent": id} or {"consensus": n}',
  );

export const governancePolicySchema = z.object({
  write: governanceRuleSchema.default("any").describe("Rule for storing and changing memories (default any)"),
  promote: governanceRuleSchema.default("any").describe("Rule for promoting memories (default any)"),
  delete: governanceRuleSchema.default("any").describe("Rule for deleting, forgetting (default any)"),
  approver: approverSchema.default("human"),
}).strict();

export const storedPolicySchema = governancePolicySchema.extend({
  owner: z.string().nullable().describe(
    "The policy's owner: the author of the namespace's standard memory when the policy was set",
  ),
}).describe("A governance policy in force");

/** A policy as given by a caller (defaults applied). */
export type GovernancePolicy = z.output<typeof governancePolicySchema>;
/** Who approves queued actions. */
export type Approver = z.output<typeof approverSchema>;
/** A rule of a policy. */
export type GovernanceRule = z.output<typeof governanceRuleSchema>;

/** A policy as stored: with the owner fixed when it was set. */
export interface StoredPolicy extends GovernancePolicy {
  /** The author of the namespace's standard memory when the policy was set. */
  owner: string | null;
}

/** A human-readable form of an approver, for messages. */
export function describeApprover(approver: Approver): string {
  if (approver === "human") return "a human operator";
  if ("agent" in approver) return `agent ${approver.agent}`;
  return `${approver.consensus} distinct registered agents`;
}
