// Seeding a benchmark database in process: `size` memories through the real memory_store operation
// (validation, one transaction each, FTS triggers), then links through the graph store's link (the
// write memory_link makes, without its input validation and the two reads that check both ends).
import { invokeOperation } from "../src/ops/invoke.ts";
import { openSqlite } from "../src/store/sqlite/open.ts";
import type { OpContext } from "../src/ops/operation.ts";
import { mixSeed, mulberry32, pickWeighted } from "./_prng.ts";
import type { PeakRss } from "./_stats.ts";
import { operation } from "./_surfaces.ts";
import type { Workload } from "./_workload.ts";

/** Outbound links per memory: depth 3 reaches about 2 + 4 + 8 memories, depth 5 about 60. */
export const LINKS_PER_MEMORY = 2;

/** Relations of the seeded links: never `supersedes`, which would hide memories from recall. */
const RELATIONS: readonly (readonly ["related_to" | "derived_from", number])[] = [
  ["related_to", 7],
  ["derived_from", 3],
];

/** What seeding a database took. */
export interface Seeding {
  memories: number;
  links: number;
  memorySeconds: number;
  linkSeconds: number;
  storesPerSec: number;
  linksPerSec: number;
}

const STORE = operation("memory_store");

/**
 * Where `--db-cache DIR` keeps the seeded database of one seed and size (with its vectors when
 * `semantic`), so every benchmark that seeds the same workload starts from the same file.
 */
export function cachedDatabasePath(dir: string, seed: number, size: number, semantic = false): string {
  return `${dir}/bench-${seed}-${size}${semantic ? "-semantic" : ""}.db`;
}

// A cached database's memories carry the real time they were seeded at, so its short memories
// expire 6 hours later and its mid ones after 7 days. A copy is used only while none of them expires
// within this margin (a whole benchmark run): an aged cache would recall from fewer memories than a
// fresh seed, and flatter the figures.
const CACHE_MARGIN_MS = 60 * 60 * 1000;

/**
 * When the cached database copied to `path` stops standing in for seeding: the first expiry of its
 * memories less CACHE_MARGIN_MS, or null when none expires. Read before anything else opens the copy.
 */
export function cacheGoodUntil(path: string): Date | null {
  const db = openSqlite(path);
  try {
    const soonest = db.prepare("SELECT min(expires_at) FROM memories WHERE expires_at IS NOT NULL").pluck()
      .get() as string | null;
    return soonest === null ? null : new Date(Date.parse(soonest) - CACHE_MARGIN_MS);
  } finally {
    db.close();
  }
}

/** Whether a copy whose cacheGoodUntil() is `until` may be used at `now`. */
export function cacheUsable(until: Date | null, now: Date): boolean {
  return until === null || now < until;
}

/**
 * Copy the cached database `cached` to `db` when it exists and can stand in for seeding now (see
 * cacheGoodUntil); otherwise leave no copy, and the caller seeds afresh. `log` is told which.
 */
export async function copyFromCache(
  cached: string,
  db: string,
  log: (line: string) => void,
): Promise<boolean> {
  const size = await Deno.stat(cached).then((s) => s.size, () => 0);
  if (size === 0) return false;
  await Deno.copyFile(cached, db);
  const until = cacheGoodUntil(db);
  if (cacheUsable(until, new Date())) {
    log(`from the cache ${cached}`);
    return true;
  }
  log(`the cache ${cached} has memories expiring from ${until!.toISOString()} on: seeding afresh`);
  await Deno.remove(db);
  return false;
}

/**
 * Store the workload's next `size` memories and `size * linksPerMemory` random links between them.
 * @returns the new memories' ids (in order) and the timings
 */
export async function seedDatabase(
  ctx: OpContext,
  workload: Workload,
  size: number,
  options: { seed: number; linksPerMemory?: number; rss?: PeakRss; progress?: (line: string) => void },
): Promise<{ ids: string[]; seeding: Seeding }> {
  const { linksPerMemory = LINKS_PER_MEMORY, rss, progress } = options;
  const ids: string[] = [];
  const step = Math.max(1, Math.floor(size / 5));
  let started = performance.now();
  for (let i = 0; i < size; i++) {
    const out = await invokeOperation(STORE, workload.next(), { ctx });
    if (out.action !== "created") throw new Error(`Seeding store ${i} was not a create: ${out.action}`);
    ids.push(out.id as string);
    if (i % 100 === 0) rss?.sample();
    if ((i + 1) % step === 0) {
      progress?.(
        `  stored ${i + 1}/${size} (${((i + 1) / ((performance.now() - started) / 1000)).toFixed(0)}/s)`,
      );
    }
  }
  const memorySeconds = (performance.now() - started) / 1000;
  const rng = mulberry32(mixSeed(options.seed, size, 0x6c696e6b));
  const links = size > 1 ? size * linksPerMemory : 0;
  started = performance.now();
  let made = 0;
  while (made < links) {
    const source = Math.floor(made / linksPerMemory);
    const target = Math.floor(rng() * size);
    if (target === source) continue;
    const now = ctx.clock.now().toISOString();
    const out = await ctx.store.graph.link({
      source_id: ids[source]!,
      target_id: ids[target]!,
      relation: pickWeighted(rng, RELATIONS),
      created_at: now,
      valid_from: now,
      valid_until: null,
      observed_by: ctx.actor,
    });
    if (out.created) made++;
    if (made % 100 === 0) rss?.sample();
  }
  const linkSeconds = (performance.now() - started) / 1000;
  if (links > 0) progress?.(`  linked ${links} (${(links / linkSeconds).toFixed(0)}/s)`);
  return {
    ids,
    seeding: {
      memories: size,
      links,
      memorySeconds,
      linkSeconds,
      storesPerSec: size / memorySeconds,
      linksPerSec: links === 0 ? 0 : links / linkSeconds,
    },
  };
}
