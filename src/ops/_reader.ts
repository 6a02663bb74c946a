// Resolving `as_agent` into a Reader: a registered agent's namespace position (and its own
// memories), or, as the reference allows, a namespace position given directly; always within the
// namespaces the caller's API key may read.
import { z } from "zod";
import { invalidInput } from "../core/errors.ts";
import { namespaceProblem } from "../core/fields.ts";
import { coversAll } from "../core/grant.ts";
import type { Reader } from "../core/visibility.ts";
import type { OpContext } from "./operation.ts";

/** The `as_agent` input field shared by every read path. */
export const asAgentSchema = z.string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(512, { error: "must be at most 512 characters" })
  .optional()
  .describe(
    "Read as this agent: a registered agent id (its namespace is its position) or a namespace position; " +
      "memories its scope hides are left out",
  );

/**
 * The reader for `asAgent` within the caller's grant, or undefined when no visibility filter applies.
 * @throws {MemoryError} invalid_input when it is neither a registered agent with a namespace nor a namespace
 */
export async function resolveReader(
  ctx: OpContext,
  asAgent: string | undefined,
): Promise<Reader | undefined> {
  const position = await positionOf(ctx, asAgent);
  if (!ctx.grant || coversAll(ctx.grant.read)) return position;
  return { ...position, namespaces: ctx.grant.read };
}

async function positionOf(ctx: OpContext, asAgent: string | undefined): Promise<Reader | undefined> {
  if (asAgent === undefined) return undefined;
  const agent = await ctx.store.agents.get(asAgent);
  if (agent?.namespace) return { position: agent.namespace, agentId: agent.agent_id };
  const problem = namespaceProblem(asAgent);
  if (problem) {
    throw invalidInput([{
      field: "as_agent",
      message: `must be a registered agent with a namespace, or a namespace position (${problem})`,
    }]);
  }
  return { position: asAgent, ...(agent ? { agentId: agent.agent_id } : {}) };
}
