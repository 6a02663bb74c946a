// memory_link: a typed link between two live memories, valid from a time (default now).
import { z } from "zod";
import { invalidInput } from "../core/errors.ts";
import {
  linkSchema,
  relationSchema,
  sourceIdSchema,
  targetIdSchema,
  validTimeSchema,
} from "./_graph_shared.ts";
import { changeOf } from "./_governed_changes.ts";
import { defineOperation } from "./operation.ts";

export const memoryLink = defineOperation({
  name: "memory_link",
  title: "Link two memories",
  description: "Create a typed link from source to target (related_to, supersedes, contradicts, " +
    "derived_from), valid from valid_from (default now) until valid_until (default open). A memory " +
    "superseded by a valid link is left out of recall. Linking the same triple again returns the existing link.",
  input: z.object({
    source_id: sourceIdSchema,
    target_id: targetIdSchema,
    relation: relationSchema.default("related_to"),
    valid_from: validTimeSchema.optional().describe("Start of validity (default now)"),
    valid_until: validTimeSchema.optional().describe("End of validity, exclusive (default open)"),
  }),
  output: z.object({
    link: linkSchema,
    created: z.boolean().describe("False when the link already existed"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/links", status: 201 }],
  cli: { command: "link", positional: ["source_id", "target_id"], short: { relation: "r" } },
  // A link is written into the knowledge of its source's namespace (a supersedes link even hides the
  // target from recall): governed as a write there.
  governance: async (ctx, input) => [changeOf("write", await ctx.store.get(input.source_id))],
  async run(ctx, input) {
    const now = ctx.clock.now().toISOString();
    const source = await ctx.store.get(input.source_id);
    const target = await ctx.store.get(input.target_id);
    if (source.id === target.id) {
      throw invalidInput([{ field: "target_id", message: "must differ from source_id" }]);
    }
    const validFrom = input.valid_from ? new Date(input.valid_from).toISOString() : now;
    const validUntil = input.valid_until ? new Date(input.valid_until).toISOString() : null;
    if (validUntil !== null && validUntil <= validFrom) {
      throw invalidInput([{ field: "valid_until", message: "must be later than valid_from" }]);
    }
    return await ctx.store.graph.link({
      source_id: source.id,
      target_id: target.id,
      relation: input.relation,
      created_at: now,
      valid_from: validFrom,
      valid_until: validUntil,
      observed_by: ctx.actor,
    });
  },
});
