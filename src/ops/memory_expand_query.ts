// memory_expand_query: related search terms for a query, from the local LLM (smart tier).
// Reads nothing and writes nothing; the query is the only text sent to the model.
import { z } from "zod";
import { requireLlm } from "../models/local_llm.ts";
import { expandQueryTask } from "../models/llm_tasks.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryExpandQuery = defineOperation({
  name: "memory_expand_query",
  title: "Expand a query",
  description: "Ask the local LLM for terms related to a query (synonyms, related concepts), to recall " +
    "with more of them. Needs the smart tier (a configured local LLM). Writes nothing.",
  input: z.object({
    query: z.string({ error: "must be a string" }).trim().min(1, { error: "must not be empty" })
      .max(2000, { error: "must be at most 2000 characters" })
      .describe("The query to expand"),
  }),
  output: z.object({
    query: z.string().describe("The query as given"),
    expanded: z.array(z.string()).describe("The query followed by the related terms, without repeats"),
    terms: z.array(z.string()).describe("Only the related terms the model gave"),
    model: z.string().describe("The model that answered"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "POST", path: "/api/v1/expand_query" }],
  cli: { command: "expand-query", positional: ["query"] },
  async run(ctx, input) {
    const llm = requireLlm(ctx, "query");
    const answer = await llm.ask(expandQueryTask(input.query));
    const terms = [...new Set(answer.terms)].filter((t) => t.toLowerCase() !== input.query.toLowerCase());
    return { query: input.query, expanded: [input.query, ...terms], terms, model: llm.config.chatModel };
  },
});
