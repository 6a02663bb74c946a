import assert from "node:assert/strict";
import { tempDataDir } from "../../../test/support/processes.ts";
import { migrate } from "./migrate.ts";
import { MIGRATIONS } from "./migrations/mod.ts";
import { openSqlite } from "./open.ts";
import { SqliteStore } from "./sqlite_store.ts";

const NOW = "2026-06-01T12:00:00.000Z";

Deno.test("migration 4 re-indexes an existing database with stemming and leaves its tombstones out", async () => {
  const path = `${await tempDataDir()}/v3.db`;
  const db = openSqlite(path);
  await migrate(db, MIGRATIONS.filter((m) => m.version <= 3), { now: NOW, retryMs: 1000 });
  const insert = db.prepare(
    `INSERT INTO memories (id, tier, namespace, title, content, created_at, updated_at,
    deleted_at) VALUES (?, 'mid', 'ns', ?, ?, ?, ?, ?)`,
  );
  insert.run("live", "Sunrise", "Melanie painted a lake sunrise", NOW, NOW, null);
  insert.run("gone", "Sunset", "Caroline painted a sunset", NOW, NOW, null);
  db.prepare("UPDATE memories SET deleted_at = ? WHERE id = 'gone'").run(NOW);
  db.close();

  const store = await SqliteStore.open(path, { now: NOW });
  try {
    const found = await store.keyword(["paintings"], { mode: "any", filter: {}, now: NOW, limit: 10 });
    assert.deepEqual(found.map((h) => h.memory.id), ["live"], "stemmed, and the tombstone is not indexed");
  } finally {
    store.close();
  }
  const raw = openSqlite(path);
  try {
    raw.prepare("INSERT INTO memories_fts (memories_fts) VALUES ('integrity-check')").run();
    const terms = raw.prepare(
      "SELECT term FROM memories_fts_vocab WHERE term IN ('paint', 'painted', 'sunset')",
    )
      .all() as { term: string }[];
    assert.deepEqual(terms.map((t) => t.term), ["paint"]);
  } finally {
    raw.close();
  }
});
