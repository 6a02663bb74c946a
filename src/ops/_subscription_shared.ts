// What the subscription operations share: the output shape of a subscription, which has no field
// for the secret (only whether there is one), so no surface can ever return it.
import { z } from "zod";

export const subscriptionSchema = z.object({
  id: z.string().describe("Subscription id"),
  url: z.string().describe("Receiver URL"),
  events: z.string().describe("`*` or a comma list of event names"),
  has_secret: z.boolean().describe("True when deliveries are signed (the secret itself is never returned)"),
  namespace_filter: z.string().nullable().describe("Only events touching this namespace (exact)"),
  agent_filter: z.string().nullable().describe("Only events caused by this agent"),
  created_by: z.string().describe("Agent that subscribed"),
  created_at: z.string().describe("When"),
  last_dispatched_at: z.string().nullable().describe("Last successful delivery"),
  dispatch_count: z.number().int().describe("Deliveries that succeeded"),
  failure_count: z.number().int().describe("Delivery attempts that failed (each retry counts)"),
  pending: z.number().int().describe("Events waiting for their first attempt or a retry"),
  dead: z.number().int().describe("Events dead-lettered after every attempt failed"),
  last_error: z.string().nullable().describe("The latest delivery failure"),
}).strict();
