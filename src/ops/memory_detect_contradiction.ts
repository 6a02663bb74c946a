// memory_detect_contradiction: the local LLM's verdict on whether two memories contradict each
// other (smart tier). Writes nothing: linking them `contradicts` is memory_link's (or the curator's).
import { z } from "zod";
import { idSchema } from "../core/fields.ts";
import { invalidInput } from "../core/errors.ts";
import { requireLlm } from "../models/local_llm.ts";
import { contradictionTask } from "../models/llm_tasks.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryDetectContradiction = defineOperation({
  name: "memory_detect_contradiction",
  title: "Detect a contradiction",
  description: "Ask the local LLM whether two memories contradict each other (both cannot be true at " +
    "once), with a one-sentence reason and whether they are already linked contradicts. Needs the " +
    "smart tier. Writes nothing.",
  input: z.object({
    id_a: idSchema.describe("First memory (id or unique prefix)"),
    id_b: idSchema.describe("Second memory (id or unique prefix)"),
  }),
  output: z.object({
    id_a: z.string().describe("First memory's id"),
    id_b: z.string().describe("Second memory's id"),
    contradicts: z.boolean().describe("The model's verdict"),
    reason: z.string().describe("The model's one-sentence reason"),
    linked: z.boolean().describe("Whether a contradicts link between them exists already"),
    model: z.string().describe("The model that answered"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "POST", path: "/api/v1/contradictions/detect" }],
  cli: { command: "detect-contradiction", positional: ["id_a", "id_b"] },
  async run(ctx, input) {
    const llm = requireLlm(ctx, "id_a");
    const a = await ctx.store.get(input.id_a);
    const b = await ctx.store.get(input.id_b);
    if (a.id === b.id) throw invalidInput([{ field: "id_b", message: "must differ from id_a" }]);
    const verdict = await llm.ask(contradictionTask(a, b));
    const links = await ctx.store.graph.linksOf(a.id);
    const linked = links.some((l) =>
      l.relation === "contradicts" &&
      ((l.source_id === a.id && l.target_id === b.id) || (l.source_id === b.id && l.target_id === a.id))
    );
    return {
      id_a: a.id,
      id_b: b.id,
      contradicts: verdict.contradicts,
      reason: verdict.reason,
      linked,
      model: llm.config.chatModel,
    };
  },
});
