// The measured operations of `ai-memory bench`: one row per budgeted operation, each a seeded
// stream of inputs and a check of the result, the same through every surface.
import { mixSeed, mulberry32, type Rng } from "./_prng.ts";
import { NAMESPACES, type Workload } from "./_workload.ts";

/** Share of queries cut from stored memories (guaranteed hits); the rest are Zipf-drawn words. */
export const STORED_QUERY_SHARE = 0.5;

/** One measured row: an operation with its inputs. */
export interface OpSpec {
  /** The row's label, e.g. `memory_kg_query depth 3`. */
  row: string;
  /** The catalog operation it calls. */
  op: string;
  /**
   * Input number `i` (built outside the clock). Inputs repeat every `pool` calls, so a round that
   * restarts at 0 sends exactly the same inputs again; memory_store always sends a new memory.
   */
  input(i: number): Record<string, unknown>;
  /** Checks the result and returns how many items it returned, when that means something. */
  check(out: Record<string, unknown>): number | undefined;
}

/** A dedicated, reproducible random stream for one row at one size. */
export function stream(seed: number, size: number, tag: string): Rng {
  let h = 0;
  for (const c of tag) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return mulberry32(mixSeed(seed, size, h));
}

function count(out: Record<string, unknown>): number | undefined {
  return typeof out.count === "number" ? out.count : undefined;
}

/** Every row name, in display order. */
export const ROWS: readonly string[] = [
  "memory_session_start",
  "memory_recall",
  "memory_store",
  "memory_store (upsert)",
  "memory_search",
  "memory_list",
  "memory_get",
  "memory_kg_query depth 1",
  "memory_kg_query depth 3",
  "memory_kg_query depth 5",
  "memory_kg_timeline",
  "memory_get_taxonomy",
  "memory_recall hybrid",
  "memory_recall hybrid+rerank",
  "memory_store (with embedding)",
  "memory_check_duplicate",
];

/**
 * The rows for one database: `ids` are the seeded memories (graph sources), `workload` hands out
 * new memories for memory_store and the `pool` distinct queries for recall and search.
 */
export function opSpecs(
  workload: Workload,
  ids: readonly string[],
  options: { seed: number; size: number; surface: string; pool: number; semantic?: boolean },
): OpSpec[] {
  // Reading rows ask every surface the same inputs, so that surfaces compare on one workload (a p95
  // of 300 calls is set by the few heaviest queries, and another draw has other ones). Writing rows
  // draw per surface: each surface upserts memories of its own.
  const rng = (tag: string) => stream(options.seed, options.size, `${options.surface}:${tag}`);
  const sharedRng = (tag: string) => stream(options.seed, options.size, `read:${tag}`);
  const pool = Math.max(1, options.pool);
  const drawFrom = <T>(r: Rng, make: (r: Rng) => T): T[] => Array.from({ length: pool }, () => make(r));
  const draw = <T>(tag: string, make: (r: Rng) => T): T[] => drawFrom(sharedRng(tag), make);
  const namespaces = draw("session", (r) => NAMESPACES[Math.floor(r() * NAMESPACES.length)]!);
  // From the seeded memories only: not from those an earlier surface's memory_store rows added.
  const seeded = Math.min(workload.count, options.size);
  const recalls = draw("recall", (r) => workload.query(r, STORED_QUERY_SHARE, seeded));
  const searches = draw("search", (r) => workload.query(r, STORED_QUERY_SHARE, seeded));
  const sources = draw("graph", (r) => ids[Math.floor(r() * ids.length)]!);
  // Memories seeded before the run (their titles are known to the workload), for upserts.
  const upserts = drawFrom(
    rng("upsert"),
    (r) => Math.floor(r() * Math.max(1, Math.min(workload.count, options.size))),
  );
  const upsertRng = rng("upsert-content");
  const at = <T>(list: readonly T[], i: number): T => list[i % list.length]!;
  const kg = (depth: number): OpSpec => ({
    row: `memory_kg_query depth ${depth}`,
    op: "memory_kg_query",
    input: (i) => ({ source_id: at(sources, i), max_depth: depth }),
    check: count,
  });
  const recallIn = (mode: string): OpSpec => ({
    row: mode === "keyword" ? "memory_recall" : `memory_recall ${mode}`,
    op: "memory_recall",
    input: (i) => ({ context: at(recalls, i), limit: 10, mode }),
    check: count,
  });
  const semantic: OpSpec[] = !options.semantic ? [] : [
    recallIn("hybrid"),
    recallIn("hybrid+rerank"),
    {
      // The reference's "store with embedding": the text is embedded before the write, to merge
      // into a near duplicate (none is that near here, so each call creates).
      row: "memory_store (with embedding)",
      op: "memory_store",
      input: () => ({ ...workload.next(), merge_threshold: 0.99 }),
      check: (out) => {
        if (out.action !== "created" && out.action !== "merged") {
          throw new Error(`memory_store with merge_threshold: unexpected action ${out.action}`);
        }
        return undefined;
      },
    },
    {
      // Half exact copies of stored memories (duplicates), half new Zipf text.
      row: "memory_check_duplicate",
      op: "memory_check_duplicate",
      input: (i) => at(drafts, i),
      check: (out) => {
        if (typeof out.is_duplicate !== "boolean") throw new Error("memory_check_duplicate: no verdict");
        return out.is_duplicate ? 1 : 0;
      },
    },
  ];
  const drafts = !options.semantic ? [] : draw("duplicate", (r) => {
    if (r() < 0.5) {
      const stored = workload.memory(Math.floor(r() * seeded));
      return { title: stored.title, content: stored.content };
    }
    return { title: workload.words(r, 5), content: workload.words(r, 30) };
  });
  return [
    ...semantic,
    {
      // Every other session starts in a namespace, as a hook scoped to a project does.
      row: "memory_session_start",
      op: "memory_session_start",
      input: (i) => i % 2 === 0 ? { limit: 10 } : { limit: 10, namespace: at(namespaces, i) },
      check: count,
    },
    // Keyword mode named, so the row means the same with or without models loaded.
    recallIn("keyword"),
    {
      row: "memory_store",
      op: "memory_store",
      input: () => ({ ...workload.next() }),
      check: (out) => {
        if (out.action !== "created") {
          throw new Error(`memory_store of a new title did not create: ${out.action}`);
        }
        return undefined;
      },
    },
    {
      // An existing title and namespace with new content: memory_store merges into that row.
      row: "memory_store (upsert)",
      op: "memory_store",
      input: (i) => ({ ...workload.upsertOf(at(upserts, i), upsertRng) }),
      check: (out) => {
        if (out.action !== "updated") {
          throw new Error(`memory_store of a stored title did not update: ${out.action}`);
        }
        return undefined;
      },
    },
    {
      row: "memory_search",
      op: "memory_search",
      input: (i) => ({ query: at(searches, i), limit: 20 }),
      check: count,
    },
    {
      // Every other call filtered by a namespace, as agents scoped to a project list.
      row: "memory_list",
      op: "memory_list",
      input: (i) => i % 2 === 0 ? { limit: 20 } : { limit: 20, namespace: at(namespaces, i) },
      check: count,
    },
    {
      row: "memory_get",
      op: "memory_get",
      input: (i) => ({ id: at(sources, i + 13) }),
      check: (out) => (typeof out.id === "string" ? 1 : undefined),
    },
    kg(1),
    kg(3),
    kg(5),
    {
      row: "memory_kg_timeline",
      op: "memory_kg_timeline",
      input: (i) => ({ source_id: at(sources, i + 7) }),
      check: count,
    },
    {
      row: "memory_get_taxonomy",
      op: "memory_get_taxonomy",
      input: () => ({}),
      check: (out) => Array.isArray(out.namespaces) ? out.namespaces.length : undefined,
    },
  ];
}

/** The rows split into [reading rows, writing rows]: measure the writes last, as they grow the database. */
export function writesLast(specs: readonly OpSpec[]): [OpSpec[], OpSpec[]] {
  return [specs.filter((s) => !writesRow(s.row)), specs.filter((s) => writesRow(s.row))];
}

/** A row that writes: memory_store and its variants ("memory_store (upsert)", ...), whose op it is. */
export function writesRow(row: string): boolean {
  return row === "memory_store" || row.startsWith("memory_store ");
}
