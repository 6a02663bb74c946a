// Replication tests on real SQLite files: fresh stores in temp dirs, sequential memory ids, what a
// store's feed holds, replayable shuffles, and the invalid-input rejection a bad change gets.
import assert from "node:assert/strict";
import { MemoryError } from "../../src/core/errors.ts";
import type { ReplicaChange } from "../../src/store/replication_store.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite_store.ts";
import { tempDataDir } from "./processes.ts";

/** The instant fixture stores are opened (migrated) at. */
export const FIXTURE_NOW = "2026-06-01T12:00:00.000Z";

/**
 * Run `fn` with `n` fresh stores (and their paths), each a file in its own temp dir, opened at
 * `options.now` (default FIXTURE_NOW); every store opened is closed afterwards, also on a failure.
 */
export async function withStores(
  n: number,
  fn: (stores: SqliteStore[], paths: string[]) => Promise<void>,
  options: { now?: string } = {},
): Promise<void> {
  const stores: SqliteStore[] = [];
  const paths: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      paths.push(`${await tempDataDir()}/replica.db`);
      stores.push(await SqliteStore.open(paths[i]!, { now: options.now ?? FIXTURE_NOW }));
    }
    await fn(stores, paths);
  } finally {
    for (const s of stores) s.close();
  }
}

/** The `n`th memory id of a test file, a UUID whose last group is `options.suffix` (12 hex digits). */
export function sequentialId(n: number, options: { suffix?: string } = {}): string {
  return `${n.toString(16).padStart(8, "0")}-0000-4000-8000-${options.suffix ?? "000000000000"}`;
}

/** The version `store` holds for key `id` (a memory id or a link key); asserts there is one. */
export async function versionOf(store: SqliteStore, id: string): Promise<ReplicaChange> {
  const [change] = await store.replication.changesFor([id]);
  assert.ok(change, `a version for ${id}`);
  return change;
}

/** Every change in `store`'s feed (up to 10,000), oldest first. */
export async function everything(store: SqliteStore): Promise<ReplicaChange[]> {
  return (await store.replication.changesSince(0, { limit: 10_000 })).changes;
}

/** A copy of `items` in a deterministic order (mulberry32 from `seed`), so a failing order can be replayed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** `p` rejects with an invalid_input MemoryError whose message matches `pattern`. */
export async function rejectsInvalidInput(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof MemoryError, `expected MemoryError, got ${err}`);
    assert.equal(err.code, "invalid_input");
    assert.match(err.message, pattern);
    return true;
  });
}
