// memory_notify: send a message to another agent's inbox (agent-to-agent messaging).
import { z } from "zod";
import {
  agentIdSchema,
  contentSchema,
  CONTROL_CHARS_REGEXP,
  namespaceSchema,
  prioritySchema,
} from "../core/fields.ts";
import { messageSchema } from "./_message_shared.ts";
import { defineOperation } from "./operation.ts";

/** The reference's limit on a message title. */
const MESSAGE_TITLE_MAX_CHARS = 200;

export const memoryNotify = defineOperation({
  name: "memory_notify",
  title: "Notify an agent",
  description: "Send a message to another agent. It lands in that agent's inbox (memory_inbox), which " +
    "only that agent reads; the sender is the calling agent. Messages are not memories: recall never " +
    "returns them.",
  input: z.object({
    target_agent_id: agentIdSchema.describe("The recipient's agent id"),
    title: z.string({ error: "must be a string" })
      .refine((t) => t.trim().length > 0, { error: "must not be empty" })
      .refine((t) => t.length <= MESSAGE_TITLE_MAX_CHARS, {
        error: `must be at most ${MESSAGE_TITLE_MAX_CHARS} characters`,
      })
      .refine((t) => !CONTROL_CHARS_REGEXP.test(t), { error: "must not contain control characters" })
      .describe(`Subject line (at most ${MESSAGE_TITLE_MAX_CHARS} characters)`),
    payload: contentSchema.describe("The message text (at most 65536 bytes)"),
    priority: prioritySchema.default(5),
    namespace: namespaceSchema.optional()
      .describe("The namespace the message is about; an API key must be allowed to write it"),
  }),
  output: z.object({ message: messageSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/notify", status: 201 }],
  cli: {
    command: "notify",
    positional: ["target_agent_id"],
    short: { title: "T", payload: "c", priority: "p", namespace: "n" },
    stdin: ["payload"],
  },
  async run(ctx, input) {
    const message = await ctx.store.messages.send({
      id: ctx.ids.next(),
      from_agent: ctx.actor,
      to_agent: input.target_agent_id,
      title: input.title,
      payload: input.payload,
      namespace: input.namespace ?? null,
      priority: input.priority,
      created_at: ctx.clock.now().toISOString(),
    });
    return { message };
  },
});
