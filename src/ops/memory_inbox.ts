// memory_inbox: the calling agent's messages, newest first, with their read state; optionally
// only unread ones, optionally marking what it returns as read.
import { z } from "zod";
import { forbidden } from "../core/errors.ts";
import { agentIdSchema, limitSchema } from "../core/fields.ts";
import { messageSchema } from "./_message_shared.ts";
import { defineOperation } from "./operation.ts";

export const memoryInbox = defineOperation({
  name: "memory_inbox",
  title: "Read the inbox",
  description: "The calling agent's messages from memory_notify, newest first, each with read_at (null " +
    "while unread). unread_only lists only unread ones; mark_read marks the listed messages read (they " +
    "are returned as read). An agent reads only its own inbox.",
  input: z.object({
    agent_id: agentIdSchema.optional()
      .describe("Whose inbox: only the caller's own is allowed (default: the caller)"),
    unread_only: z.boolean({ error: "must be true or false" }).default(false)
      .describe("Only messages not yet marked read"),
    mark_read: z.boolean({ error: "must be true or false" }).default(false)
      .describe("Mark the returned messages read"),
    limit: limitSchema(50, 500),
  }),
  output: z.object({
    messages: z.array(messageSchema).describe("Messages, newest first"),
    count: z.number().int().describe("Number of messages returned"),
    unread: z.number().int().describe("Unread messages left in the inbox after this call"),
    marked_read: z.number().int().describe("Messages this call marked read"),
  }),
  // Not read-only: mark_read records that the messages were read.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  http: [{ method: "GET", path: "/api/v1/inbox" }, { method: "POST", path: "/api/v1/inbox" }],
  cli: { command: "inbox" },
  async run(ctx, input) {
    if (input.agent_id !== undefined && input.agent_id !== ctx.actor) {
      throw forbidden(
        `agent_id: an agent reads only its own inbox (this request acts as "${ctx.actor}")`,
        { field: "agent_id" },
      );
    }
    const { messages, unread, marked } = await ctx.store.messages.inbox(ctx.actor, {
      unreadOnly: input.unread_only,
      limit: input.limit,
      markRead: input.mark_read,
      now: ctx.clock.now().toISOString(),
    });
    return { messages, count: messages.length, unread, marked_read: marked };
  },
});
