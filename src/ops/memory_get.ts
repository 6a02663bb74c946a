// memory_get: one live memory by id or unique id prefix.
import { z } from "zod";
import { idSchema } from "../core/fields.ts";
import { memorySchema } from "./_shared.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryGet = defineOperation({
  name: "memory_get",
  title: "Get a memory",
  description: "Get one memory by its id or a unique prefix of its id.",
  input: z.object({ id: idSchema }),
  output: z.object({ memory: memorySchema }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/memories/:id" }],
  cli: { command: "get", positional: ["id"] },
  async run(ctx, input) {
    return { memory: await ctx.store.get(input.id) };
  },
});
