// Registered agents in SQLite.
import type { Agent, AgentStore } from "../graph_store.ts";
import type { SqliteSession } from "./session.ts";

interface AgentRow extends Omit<Agent, "capabilities"> {
  capabilities: string;
}

function toAgent(row: AgentRow): Agent {
  return { ...row, capabilities: JSON.parse(row.capabilities) };
}

/** AgentStore on SQLite. */
export class SqliteAgents implements AgentStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  register(
    agent: Omit<Agent, "registered_at" | "last_seen_at">,
    options: { now: string },
  ): Promise<{ agent: Agent; created: boolean }> {
    return this.#s.write(() => {
      const existed =
        this.#s.stmt("SELECT 1 FROM agents WHERE agent_id = ?").get(agent.agent_id) !== undefined;
      this.#s.stmt(
        `INSERT INTO agents (agent_id, agent_type, capabilities, namespace, registered_at, last_seen_at)
         VALUES (@agent_id, @agent_type, @capabilities, @namespace, @now, @now)
         ON CONFLICT (agent_id) DO UPDATE SET agent_type = excluded.agent_type,
           capabilities = excluded.capabilities, namespace = excluded.namespace, last_seen_at = excluded.last_seen_at`,
      ).run({ ...agent, capabilities: JSON.stringify(agent.capabilities), now: options.now });
      const row = this.#s.stmt("SELECT * FROM agents WHERE agent_id = ?").get(agent.agent_id) as AgentRow;
      return { agent: toAgent(row), created: !existed };
    }, (r) => ({
      action: "agent.register",
      ids: [r.agent.agent_id],
      namespaces: r.agent.namespace === null ? [] : [r.agent.namespace],
    }));
  }

  get(agentId: string): Promise<Agent | null> {
    return this.#s.read(() => {
      const row = this.#s.stmt("SELECT * FROM agents WHERE agent_id = ?").get(agentId) as
        | AgentRow
        | undefined;
      return row ? toAgent(row) : null;
    });
  }

  list(): Promise<Agent[]> {
    return this.#s.read(() =>
      (this.#s.stmt("SELECT * FROM agents ORDER BY agent_id").all() as AgentRow[]).map(toAgent)
    );
  }
}
