// Entity aliases in SQLite: normalised keys pointing at entity memories.
import type { EntityStore } from "../graph_store.ts";
import type { SqliteSession } from "./session.ts";

/** EntityStore on SQLite. */
export class SqliteEntities implements EntityStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  addAliases(
    entityId: string,
    aliases: { alias: string; key: string }[],
    options: { now: string },
  ): Promise<void> {
    return this.#s.write(() => {
      const insert = this.#s.stmt(
        `INSERT INTO entity_aliases (entity_id, alias, alias_key, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (entity_id, alias_key) DO NOTHING`,
      );
      let added = 0;
      for (const a of aliases) added += insert.run(entityId, a.alias, a.key, options.now).changes;
      const row = this.#s.stmt("SELECT namespace FROM memories WHERE id = ?").get(entityId) as
        | { namespace: string }
        | undefined;
      return { added, namespace: row?.namespace };
    }, (r) =>
      r.added === 0 ? null : {
        action: "entity.alias",
        ids: [entityId],
        namespaces: r.namespace === undefined ? [] : [r.namespace],
      }).then(() => undefined);
  }

  byAliasKey(key: string, options: { namespace?: string | undefined }): Promise<string[]> {
    return this.#s.read(() =>
      (this.#s.stmt(
        `SELECT m.id FROM entity_aliases a JOIN memories m ON m.id = a.entity_id AND m.deleted_at IS NULL
         WHERE a.alias_key = @key AND (@namespace IS NULL OR m.namespace = @namespace)
         ORDER BY m.created_at DESC, m.id`,
      ).all({ key, namespace: options.namespace ?? null }) as { id: string }[]).map((r) => r.id)
    );
  }

  aliasesOf(entityId: string): Promise<string[]> {
    return this.#s.read(() =>
      (this.#s.stmt("SELECT alias FROM entity_aliases WHERE entity_id = ? ORDER BY created_at, alias")
        .all(entityId) as { alias: string }[]).map((r) => r.alias)
    );
  }
}
