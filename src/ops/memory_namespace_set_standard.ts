// memory_namespace_set_standard: make a memory the standard (policy) of a namespace.
import { z } from "zod";
import { idSchema, namespaceSchema } from "../core/fields.ts";
import { governancePolicySchema, storedPolicySchema } from "../core/governance_policy.ts";
import { assertMayChangePolicy } from "../safety/governance.ts";
import { standardNamespaceSchema } from "./_standards_shared.ts";
import { defineOperation } from "./operation.ts";

export const memoryNamespaceSetStandard = defineOperation({
  name: "memory_namespace_set_standard",
  title: "Set a namespace standard",
  description: "Make a memory the standard of a namespace (* = global). Standards are prepended to " +
    "recall and session start in the namespace and below it. `parent` links a top-level namespace to " +
    "another whose standards it inherits. `governance` sets who may write, promote and delete " +
    "there (see docs/governance.md).",
  input: z.object({
    namespace: standardNamespaceSchema,
    id: idSchema.describe("Id (or unique prefix) of the standard memory"),
    parent: namespaceSchema.optional().describe("Namespace whose standards this one inherits"),
    governance: governancePolicySchema.nullable().optional().describe(
      "Governance policy of this namespace and those below it without their own; null removes it, " +
        "absent keeps the current one. Its owner is the standard memory's author",
    ),
  }),
  output: z.object({
    namespace: z.string().describe("Namespace"),
    standard_id: z.string().describe("Id of the standard memory"),
    parent_namespace: z.string().nullable().describe("Explicit parent, if any"),
    governance: storedPolicySchema.nullable().describe("The namespace's own governance policy, if any"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/namespaces/:namespace{.+}/standard" }],
  cli: { command: "standard set", positional: ["namespace", "id"] },
  async run(ctx, input) {
    await assertMayChangePolicy(ctx.store, input.namespace, {
      actor: ctx.actor,
      operator: ctx.operator === true,
    });
    const memory = await ctx.store.get(input.id);
    const meta = await ctx.store.namespaces.setStandard(input.namespace, {
      id: memory.id,
      parent: input.parent,
      now: ctx.clock.now().toISOString(),
      governance: input.governance ? { ...input.governance, owner: memory.agent_id } : input.governance,
    });
    return {
      namespace: meta.namespace,
      standard_id: memory.id,
      parent_namespace: meta.parent_namespace,
      governance: meta.governance,
    };
  },
});
