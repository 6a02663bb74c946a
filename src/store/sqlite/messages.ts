// Agent messages in SQLite: an inbox is one indexed range per recipient; marking read is an
// update of the listed rows in the same transaction as the listing.
import type { AgentMessage, MessageStore } from "../message_store.ts";
import type { SqliteSession } from "./session.ts";

const COLUMNS = "id, from_agent, to_agent, title, payload, namespace, priority, created_at, read_at";

/** MessageStore on SQLite. */
export class SqliteMessages implements MessageStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  send(message: Omit<AgentMessage, "read_at">): Promise<AgentMessage> {
    return this.#s.write(
      () => {
        this.#s.stmt(
          `INSERT INTO agent_messages (id, from_agent, to_agent, title, payload, namespace, priority, created_at)
         VALUES (@id, @from_agent, @to_agent, @title, @payload, @namespace, @priority, @created_at)`,
        ).run(message);
        return { ...message, read_at: null };
      },
      (sent) => ({
        action: "message.send",
        ids: [sent.id],
        namespaces: sent.namespace ? [sent.namespace] : [],
      }),
    );
  }

  inbox(
    agentId: string,
    options: { unreadOnly: boolean; limit: number; markRead: boolean; now: string },
  ): Promise<{ messages: AgentMessage[]; unread: number; marked: number }> {
    let markedIds: string[] = [];
    const list = () => {
      const messages = this.#s.stmt(
        `SELECT ${COLUMNS} FROM agent_messages
         WHERE to_agent = @agent AND (@unread_only = 0 OR read_at IS NULL)
         ORDER BY seq DESC LIMIT @limit`,
      ).all({
        agent: agentId,
        unread_only: options.unreadOnly ? 1 : 0,
        limit: options.limit,
      }) as AgentMessage[];
      let marked = 0;
      if (options.markRead) {
        const unreadIds = messages.filter((m) => m.read_at === null).map((m) => m.id);
        if (unreadIds.length > 0) {
          marked = this.#s.stmt(
            `UPDATE agent_messages SET read_at = @now
             WHERE to_agent = @agent AND read_at IS NULL AND id IN (SELECT value FROM json_each(@ids))`,
          ).run({ now: options.now, agent: agentId, ids: JSON.stringify(unreadIds) }).changes;
          markedIds = unreadIds;
          for (const m of messages) m.read_at ??= options.now;
        }
      }
      const { n } = this.#s.stmt(
        "SELECT count(*) AS n FROM agent_messages WHERE to_agent = ? AND read_at IS NULL",
      ).get(agentId) as { n: number };
      return { messages, unread: n, marked };
    };
    return options.markRead
      ? this.#s.write(
        list,
        (r) => (r.marked > 0 ? { action: "message.read", ids: markedIds, namespaces: [] } : null),
      )
      : this.#s.read(list);
  }
}
