// memory_unsubscribe: remove a webhook subscription and any events still queued for it.
import { z } from "zod";
import { idSchema } from "../core/fields.ts";
import { subscriptionSchema } from "./_subscription_shared.ts";
import { defineOperation } from "./operation.ts";

export const memoryUnsubscribe = defineOperation({
  name: "memory_unsubscribe",
  title: "Unsubscribe a webhook",
  description: "Delete a webhook subscription by id; its queued and dead-lettered events go with it.",
  input: z.object({ id: idSchema.describe("Subscription id") }),
  output: z.object({
    removed: z.boolean().describe("Always true on success"),
    subscription: subscriptionSchema.describe("The subscription as it was"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  http: [{ method: "DELETE", path: "/api/v1/subscriptions" }],
  cli: { command: "unsubscribe", positional: ["id"] },
  async run(ctx, input) {
    return { removed: true, subscription: await ctx.store.webhooks.unsubscribe(input.id) };
  },
});
