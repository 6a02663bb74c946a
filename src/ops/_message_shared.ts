// The message result shared by memory_notify and memory_inbox.
import { z } from "zod";

/** A message between agents, as both operations return it. */
export const messageSchema = z.object({
  id: z.string().describe("Message id"),
  from_agent: z.string().describe("Sender (the agent the sending request acted as)"),
  to_agent: z.string().describe("Recipient"),
  title: z.string().describe("Subject line"),
  payload: z.string().describe("The message text"),
  namespace: z.string().nullable().describe("The namespace the message is about, if any"),
  priority: z.number().int().describe("Priority from 1 (low) to 10 (critical)"),
  created_at: z.string().describe("When it was sent"),
  read_at: z.string().nullable().describe("When the recipient marked it read; null while unread"),
});
