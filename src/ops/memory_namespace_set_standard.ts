// memory_namespace_set_standard: make a memory the standard (policy) of a namespace.
import { z } from "zod";
import { idSchema, namespaceSchema } from "../core/fields.ts";
import { standardNamespaceSchema } from "./_standards_shared.ts";
import { defineOperation } from "./operation.ts";

export const memoryNamespaceSetStandard = defineOperation({
  name: "memory_namespace_set_standard",
  title: "Set a namespace standard",
  description: "Make a memory the standard of a namespace (* = global). Standards are prepended to " +
    "recall and session start in the namespace and below it. `parent` links a top-level namespace to " +
    "another whose standards it inherits.",
  input: z.object({
    namespace: standardNamespaceSchema,
    id: idSchema.describe("Id (or unique prefix) of the standard memory"),
    parent: namespaceSchema.optional().describe("Namespace whose standards this one inherits"),
  }),
  output: z.object({
    namespace: z.string().describe("Namespace"),
    standard_id: z.string().describe("Id of the standard memory"),
    parent_namespace: z.string().nullable().describe("Explicit parent, if any"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/namespaces/:namespace{.+}/standard" }],
  cli: { command: "standard set", positional: ["namespace", "id"] },
  async run(ctx, input) {
    const memory = await ctx.store.get(input.id);
    const meta = await ctx.store.namespaces.setStandard(input.namespace, {
      id: memory.id,
      parent: input.parent,
      now: ctx.clock.now().toISOString(),
    });
    return { namespace: meta.namespace, standard_id: memory.id, parent_namespace: meta.parent_namespace };
  },
});
