// Storage interface for agent-to-agent messages (memory_notify / memory_inbox): each message has
// one recipient, who alone reads it, and a read time set when the recipient marks it read.

/** A message between agents. */
export interface AgentMessage {
  id: string;
  from_agent: string;
  to_agent: string;
  title: string;
  payload: string;
  /** The namespace the message is about, if any. */
  namespace: string | null;
  priority: number;
  created_at: string;
  /** When the recipient marked it read; null while unread. */
  read_at: string | null;
}

/** Agent messages. */
export interface MessageStore {
  /** Store a message for its recipient. */
  send(message: Omit<AgentMessage, "read_at">): Promise<AgentMessage>;
  /**
   * Messages to `agentId`, newest first, with its unread count; with `markRead` the returned unread
   * messages are marked read at `now` in the same transaction (and returned as read).
   */
  inbox(
    agentId: string,
    options: { unreadOnly: boolean; limit: number; markRead: boolean; now: string },
  ): Promise<{ messages: AgentMessage[]; unread: number; marked: number }>;
}
