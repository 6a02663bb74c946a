// memory_namespace_clear_standard: remove a namespace's standard (the memory itself stays).
import { z } from "zod";
import { standardNamespaceSchema } from "./_standards_shared.ts";
import { defineOperation } from "./operation.ts";
import { assertMayChangePolicy } from "../safety/governance.ts";

export const memoryNamespaceClearStandard = defineOperation({
  name: "memory_namespace_clear_standard",
  title: "Clear a namespace standard",
  description: "Stop using a memory as the namespace's standard, and drop the namespace's governance " +
    "policy. The memory itself is not deleted.",
  input: z.object({ namespace: standardNamespaceSchema }),
  output: z.object({
    namespace: z.string().describe("Namespace"),
    cleared: z.boolean().describe("False when there was no standard"),
    previous_id: z.string().nullable().describe("The standard that was cleared"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  http: [{ method: "DELETE", path: "/api/v1/namespaces/:namespace{.+}/standard" }],
  cli: { command: "standard clear", positional: ["namespace"] },
  async run(ctx, input) {
    await assertMayChangePolicy(ctx.store, input.namespace, {
      actor: ctx.actor,
      operator: ctx.operator === true,
    });
    const previous = await ctx.store.namespaces.clearStandard(input.namespace, {
      now: ctx.clock.now().toISOString(),
    });
    return { namespace: input.namespace, cleared: previous !== null, previous_id: previous };
  },
});
