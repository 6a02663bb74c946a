// memory_agent_register: record an agent (claimed, not attested) and where it stands in the tree.
import { z } from "zod";
import { agentIdSchema, namespaceSchema } from "../core/fields.ts";
import { defineOperation } from "./operation.ts";

const CURATED_TYPES = [
  "ai:claude-opus-4.6",
  "ai:claude-opus-4.7",
  "ai:codex-5.4",
  "ai:grok-4.2",
  "human",
  "system",
];
const AI_TYPE_REGEXP = /^ai:[A-Za-z0-9_.-]+$/;

export const agentSchema = z.object({
  agent_id: z.string().describe("Agent id"),
  agent_type: z.string().describe("Agent type"),
  capabilities: z.array(z.string()).describe("Declared capabilities"),
  namespace: z.string().nullable().describe("The agent's position in the namespace tree"),
  registered_at: z.string().describe("First registration"),
  last_seen_at: z.string().describe("Last registration"),
});

export const memoryAgentRegister = defineOperation({
  name: "memory_agent_register",
  title: "Register an agent",
  description: "Register an agent (idempotent). Its namespace is its position for visibility: reading " +
    "with as_agent set to its id shows what its position may see, plus its own memories.",
  input: z.object({
    agent_id: agentIdSchema,
    agent_type: z.string({ error: "must be a string" }).max(64, { error: "must be at most 64 characters" })
      .refine((t) => CURATED_TYPES.includes(t) || AI_TYPE_REGEXP.test(t), {
        error: `must be one of ${CURATED_TYPES.join(", ")} or ai:<name>`,
      }).describe("human, system, or ai:<model>"),
    capabilities: z.array(z.string().max(128, { error: "must be at most 128 characters" }), {
      error: "must be an array of strings",
    }).max(50, { error: "must have at most 50 entries" }).default([]).describe("What the agent can do"),
    namespace: namespaceSchema.optional().describe("The agent's position in the namespace tree"),
  }),
  output: z.object({
    agent: agentSchema,
    created: z.boolean().describe("False when the agent was already registered"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/agents", status: 201 }],
  cli: { command: "agents register" },
  async run(ctx, input) {
    return await ctx.store.agents.register({
      agent_id: input.agent_id,
      agent_type: input.agent_type,
      capabilities: input.capabilities,
      namespace: input.namespace ?? null,
    }, { now: ctx.clock.now().toISOString() });
  },
});
