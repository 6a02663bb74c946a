// memory_agent_list: the registered agents.
import { z } from "zod";
import { agentSchema } from "./memory_agent_register.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryAgentList = defineOperation({
  name: "memory_agent_list",
  title: "List agents",
  description: "Registered agents, by id.",
  input: z.object({}),
  output: z.object({
    agents: z.array(agentSchema).describe("Registered agents"),
    count: z.number().int().describe("Number of agents"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/agents" }],
  cli: { command: "agents list" },
  async run(ctx) {
    const agents = await ctx.store.agents.list();
    return { agents, count: agents.length };
  },
});
