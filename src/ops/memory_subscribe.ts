// memory_subscribe: register a webhook. The URL passes the SSRF guard now and again at every
// delivery; the secret is kept only as its SHA-256 (the signing key) and never shown again.
import { z } from "zod";
import { agentIdSchema, namespaceSchema } from "../core/fields.ts";
import { allowList, checkWebhookUrl } from "../safety/ssrf_guard.ts";
import { eventsProblem, normaliseEvents } from "../webhooks/events.ts";
import { systemResolve } from "../webhooks/dispatcher.ts";
import { secretHash } from "../webhooks/signature.ts";
import { subscriptionSchema } from "./_subscription_shared.ts";
import { defineOperation } from "./operation.ts";

export const URL_MAX_CHARS = 2048;
export const SECRET_MIN_CHARS = 16;
export const SECRET_MAX_CHARS = 512;

export const memorySubscribe = defineOperation({
  name: "memory_subscribe",
  title: "Subscribe a webhook",
  description: "Register a webhook: every change matching the filters is POSTed to the URL as JSON, " +
    "after the change commits, with retries and exponential backoff; events that fail every attempt " +
    "are dead-lettered (see memory_list_subscriptions). With a secret, each delivery carries an " +
    "HMAC-SHA256 signature (docs/webhooks.md). Internal addresses are refused unless the operator allows them.",
  input: z.object({
    url: z.string({ error: "must be a string" })
      .max(URL_MAX_CHARS, { error: `must be at most ${URL_MAX_CHARS} characters` })
      .describe("Receiver URL (http or https)"),
    events: z.string({ error: "must be a string" })
      .max(2048, { error: "must be at most 2048 characters" })
      .superRefine((events, ctx) => {
        const problem = eventsProblem(events);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .default("*")
      .describe("`*` (default) or a comma list of events, e.g. memory_store,memory_delete"),
    secret: z.string({ error: "must be a string" })
      .min(SECRET_MIN_CHARS, { error: `must be at least ${SECRET_MIN_CHARS} characters` })
      .max(SECRET_MAX_CHARS, { error: `must be at most ${SECRET_MAX_CHARS} characters` })
      .optional()
      .describe("Shared secret for HMAC signatures (`-` reads it from stdin on the CLI); never returned"),
    namespace_filter: namespaceSchema.optional().describe("Only events touching this namespace (exact)"),
    agent_filter: agentIdSchema.optional().describe("Only events caused by this agent"),
  }),
  output: z.object({ subscription: subscriptionSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  http: [{ method: "POST", path: "/api/v1/subscriptions", status: 201 }],
  cli: { command: "subscribe", positional: ["url"], stdin: ["secret"] },
  async run(ctx, input) {
    const checked = await checkWebhookUrl(input.url, {
      allow: allowList(ctx.config.webhookAllow),
      resolve: systemResolve,
    });
    const subscription = await ctx.store.webhooks.subscribe({
      id: ctx.ids.next(),
      url: checked.url.href,
      events: normaliseEvents(input.events),
      secretHash: input.secret === undefined ? null : secretHash(input.secret),
      namespaceFilter: input.namespace_filter ?? null,
      agentFilter: input.agent_filter ?? null,
      createdBy: ctx.actor,
      createdAt: ctx.clock.now().toISOString(),
    });
    return { subscription };
  },
});
