import assert from "node:assert/strict";
import { mergeOnUpsert } from "../../src/lifecycle/upsert_merge.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite_store.ts";
import { canonicalState } from "./federation_cluster.ts";
import { memoryDraft } from "./memory_drafts.ts";
import { tempDataDir } from "./processes.ts";

// The federation tests wait until every node's canonicalState() is the same. A node that catches up
// applies what it missed in its own order, so the state must not depend on the order of the feed.
Deno.test("canonicalState() is the same for the same versions applied in another order", async () => {
  const dir = await tempDataDir();
  const now = new Date().toISOString();
  const origin = await SqliteStore.open(`${dir}/origin.db`, { now });
  for (const [i, title] of ["alpha", "beta", "gamma"].entries()) {
    await origin.upsert(memoryDraft({ namespace: "fed/test", title, tier: "long" }), {
      id: `0000000${i}-0000-4000-8000-000000000000`,
      now,
      merge: mergeOnUpsert,
    });
  }
  const versions = await origin.replication.versions("fed/test", { limit: 500 });
  const changes = await origin.replication.changesFor(versions.map((v) => v.id));
  origin.close();
  const copy = await SqliteStore.open(`${dir}/copy.db`, { now });
  await copy.replication.apply([...changes].reverse(), { from: "origin" });
  copy.close();
  const [a, b] = [await canonicalState(`${dir}/origin.db`), await canonicalState(`${dir}/copy.db`)];
  assert.equal(JSON.parse(a).length, 3);
  assert.equal(a, b);
});
