// The operation catalog: the one list every surface (MCP, HTTP, CLI) binds, in display order.
import { memoryCapabilities } from "./memory_capabilities.ts";
import { memoryDelete } from "./memory_delete.ts";
import { memoryGet } from "./memory_get.ts";
import { memoryList } from "./memory_list.ts";
import { memoryPurge } from "./memory_purge.ts";
import { memoryRecall } from "./memory_recall.ts";
import { memorySearch } from "./memory_search.ts";
import { memoryStats } from "./memory_stats.ts";
import { memoryStore } from "./memory_store.ts";
import { memoryUpdate } from "./memory_update.ts";
import type { Operation } from "./operation.ts";

/** Every operation, each bound to an MCP tool, HTTP routes and a CLI command. */
export const CATALOG: readonly Operation[] = [
  memoryStore,
  memoryRecall,
  memorySearch,
  memoryList,
  memoryGet,
  memoryUpdate,
  memoryDelete,
  memoryPurge,
  memoryStats,
  memoryCapabilities,
] as unknown as readonly Operation[];
