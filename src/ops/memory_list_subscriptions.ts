// memory_list_subscriptions: the webhooks with their delivery counters and state; never a secret.
import { z } from "zod";
import { subscriptionSchema } from "./_subscription_shared.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryListSubscriptions = defineOperation({
  name: "memory_list_subscriptions",
  title: "List webhook subscriptions",
  description: "Webhook subscriptions with delivery counters (dispatched, failed attempts) and state " +
    "(events pending, dead-lettered, the last error). Secrets are never returned.",
  input: z.object({}),
  output: z.object({
    subscriptions: z.array(subscriptionSchema).describe("Subscriptions, oldest first"),
    count: z.number().int().describe("Number of subscriptions"),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/subscriptions" }],
  cli: { command: "subscriptions" },
  async run(ctx) {
    const subscriptions = await ctx.store.webhooks.list();
    return { subscriptions, count: subscriptions.length };
  },
});
