// The curator's state in SQLite: one row (id 1), written in small transactions of its own so a
// cycle never holds the write lock while it waits for the LLM.
import type { CuratorCursor, CuratorState, CuratorStore } from "../curator_store.ts";
import type { Memory } from "../../core/memory.ts";
import { MEMORY_COLUMNS, type MemoryRow, rowToMemory } from "./rows.ts";
import type { SqliteSession } from "./session.ts";

interface StateRow {
  cursor_created_at: string | null;
  cursor_id: string | null;
  cycles: number;
  last_run_at: string | null;
  last_report: string | null;
}

/** CuratorStore on SQLite. */
export class SqliteCurator implements CuratorStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  state(): Promise<CuratorState> {
    return this.#s.read(() => {
      const row = this.#s.stmt("SELECT * FROM curator_state WHERE id = 1").get() as StateRow;
      return {
        cursor: row.cursor_id === null || row.cursor_created_at === null
          ? null
          : { created_at: row.cursor_created_at, id: row.cursor_id },
        cycles: row.cycles,
        last_run_at: row.last_run_at,
        last_report: row.last_report === null ? null : JSON.parse(row.last_report),
      };
    });
  }

  after(cursor: CuratorCursor | null, options: { now: string; limit: number }): Promise<Memory[]> {
    return this.#s.read(() =>
      (this.#s.stmt(
        `SELECT ${MEMORY_COLUMNS.join(", ")} FROM memories
         WHERE deleted_at IS NULL AND (expires_at IS NULL OR expires_at > @now)
           AND substr(namespace, 1, 1) <> '_'
           AND (@created_at IS NULL OR created_at > @created_at OR (created_at = @created_at AND id > @id))
         ORDER BY created_at, id LIMIT @limit`,
      ).all({
        now: options.now,
        created_at: cursor?.created_at ?? null,
        id: cursor?.id ?? null,
        limit: options.limit,
      }) as MemoryRow[]).map(rowToMemory)
    );
  }

  advance(cursor: CuratorCursor): Promise<void> {
    return this.#s.write(() => {
      this.#s.stmt("UPDATE curator_state SET cursor_created_at = ?, cursor_id = ? WHERE id = 1")
        .run(cursor.created_at, cursor.id);
    }, () => null);
  }

  finish(report: Record<string, unknown>, options: { now: string }): Promise<void> {
    return this.#s.write(() => {
      this.#s.stmt(
        "UPDATE curator_state SET cycles = cycles + 1, last_run_at = ?, last_report = ? WHERE id = 1",
      ).run(options.now, JSON.stringify(report));
    }, () => null);
  }
}
