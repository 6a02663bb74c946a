// memory_namespace_get_standard: a namespace's standard, or with inherit the whole chain in force.
import { z } from "zod";
import { standardsChain } from "../graph/standards.ts";
import {
  memorySchema,
  standardEntry,
  standardEntrySchema,
  standardNamespaceSchema,
} from "./_standards_shared.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";
import { storedPolicySchema } from "../core/governance_policy.ts";
import { policyInForce } from "../safety/governance.ts";

export const memoryNamespaceGetStandard = defineOperation({
  name: "memory_namespace_get_standard",
  title: "Get a namespace standard",
  description: "The standard of a namespace; with inherit=true also every standard in force there, " +
    "outermost first (global, explicit parents, ancestors, the namespace).",
  input: z.object({
    namespace: standardNamespaceSchema,
    inherit: z.boolean({ error: "must be true or false" }).default(false)
      .describe("Also return the whole chain of standards in force"),
  }),
  output: z.object({
    namespace: z.string().describe("Namespace"),
    standard: memorySchema.nullable().describe("The namespace's own standard, if any"),
    parent_namespace: z.string().nullable().describe("Explicit parent, if any"),
    governance: storedPolicySchema.extend({
      namespace: z.string().describe("The namespace the policy was set on (this one or an ancestor)"),
    }).nullable().describe("The governance policy in force here: its own, else the nearest ancestor's"),
    chain: z.array(standardEntrySchema).optional().describe("Standards in force, outermost first"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/namespaces/:namespace{.+}/standard" }],
  cli: { command: "standard get", positional: ["namespace"] },
  async run(ctx, input) {
    const meta = await ctx.store.namespaces.meta(input.namespace);
    const standard = meta?.standard_id ? await ctx.store.get(meta.standard_id) : null;
    const inForce = await policyInForce(ctx.store, input.namespace);
    return {
      namespace: input.namespace,
      standard,
      parent_namespace: meta?.parent_namespace ?? null,
      governance: inForce ? { ...inForce.policy, namespace: inForce.namespace } : null,
      ...(input.inherit
        ? { chain: (await standardsChain(ctx.store, input.namespace)).map(standardEntry) }
        : {}),
    };
  },
});
