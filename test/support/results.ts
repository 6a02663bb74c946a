// Result types for tests, derived from the operations' own output schemas so a test never
// carries a second, hand-written copy of the contract.
import type { z } from "zod";
import type { Memory } from "../../src/core/memory.ts";
import type { memoryList } from "../../src/ops/memory_list.ts";
import type { memoryRecall } from "../../src/ops/memory_recall.ts";
import type { memorySearch } from "../../src/ops/memory_search.ts";
import type { memoryStats } from "../../src/ops/memory_stats.ts";
import type { memoryStore } from "../../src/ops/memory_store.ts";

export type { Memory };
/** A memory with its ranking score, as recall and search return it. */
export type ScoredMemory = Memory & { score: number };
export type StoreResult = z.output<typeof memoryStore.output>;
export type ListResult = z.output<typeof memoryList.output>;
export type RecallResult = z.output<typeof memoryRecall.output>;
export type SearchResult = z.output<typeof memorySearch.output>;
export type Stats = z.output<typeof memoryStats.output>;
