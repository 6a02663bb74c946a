// memory_delete: soft delete; the memory leaves every read path but a tombstone keeps who and when.
import { z } from "zod";
import { idSchema } from "../core/fields.ts";
import { defineOperation } from "./operation.ts";
import { changeOf } from "./_governed_changes.ts";

export const memoryDelete = defineOperation({
  name: "memory_delete",
  title: "Delete a memory",
  description: "Delete a memory by id. It disappears from recall, search, list and get at once; a " +
    "tombstone recording who deleted it and when is kept until memory_purge removes it.",
  input: z.object({ id: idSchema }),
  output: z.object({
    deleted: z.boolean().describe("Always true on success"),
    id: z.string().describe("Id of the deleted memory"),
    title: z.string().describe("Title of the deleted memory"),
    namespace: z.string().describe("Namespace of the deleted memory"),
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },
  http: [{ method: "DELETE", path: "/api/v1/memories/:id" }],
  cli: { command: "delete", positional: ["id"] },
  governance: async (ctx, input) => [changeOf("delete", await ctx.store.get(input.id))],
  async run(ctx, input) {
    const m = await ctx.store.softDelete(input.id, {
      now: ctx.clock.now().toISOString(),
      actor: ctx.actor,
    });
    return { deleted: true, id: m.id, title: m.title, namespace: m.namespace };
  },
});
