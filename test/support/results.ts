// Result types for tests, derived from the operations' own output schemas so a test never
// carries a second, hand-written copy of the contract.
import type { z } from "zod";
import type { Memory } from "../../src/core/memory.ts";
import type { memoryAgentList } from "../../src/ops/memory_agent_list.ts";
import type { memoryAgentRegister } from "../../src/ops/memory_agent_register.ts";
import type { memoryArchiveList } from "../../src/ops/memory_archive_list.ts";
import type { memoryArchivePurge } from "../../src/ops/memory_archive_purge.ts";
import type { memoryArchiveStats } from "../../src/ops/memory_archive_stats.ts";
import type { memoryBackup } from "../../src/ops/memory_backup.ts";
import type { memoryCapabilities } from "../../src/ops/memory_capabilities.ts";
import type { memoryConsolidate } from "../../src/ops/memory_consolidate.ts";
import type { memoryEntityGetByAlias } from "../../src/ops/memory_entity_get_by_alias.ts";
import type { memoryEntityRegister } from "../../src/ops/memory_entity_register.ts";
import type { memoryExport } from "../../src/ops/memory_export.ts";
import type { memoryForget } from "../../src/ops/memory_forget.ts";
import type { memoryGc } from "../../src/ops/memory_gc.ts";
import type { memoryGet } from "../../src/ops/memory_get.ts";
import type { memoryGetLinks } from "../../src/ops/memory_get_links.ts";
import type { memoryGetTaxonomy } from "../../src/ops/memory_get_taxonomy.ts";
import type { memoryImport } from "../../src/ops/memory_import.ts";
import type { memoryKgInvalidate } from "../../src/ops/memory_kg_invalidate.ts";
import type { memoryKgQuery } from "../../src/ops/memory_kg_query.ts";
import type { memoryKgTimeline } from "../../src/ops/memory_kg_timeline.ts";
import type { memoryLink } from "../../src/ops/memory_link.ts";
import type { memoryList } from "../../src/ops/memory_list.ts";
import type { memoryNamespaceClearStandard } from "../../src/ops/memory_namespace_clear_standard.ts";
import type { memoryNamespaceGetStandard } from "../../src/ops/memory_namespace_get_standard.ts";
import type { memoryNamespaceSetStandard } from "../../src/ops/memory_namespace_set_standard.ts";
import type { memoryPromote } from "../../src/ops/memory_promote.ts";
import type { memoryRecall } from "../../src/ops/memory_recall.ts";
import type { memorySearch } from "../../src/ops/memory_search.ts";
import type { memorySessionStart } from "../../src/ops/memory_session_start.ts";
import type { memoryStats } from "../../src/ops/memory_stats.ts";
import type { memoryStore } from "../../src/ops/memory_store.ts";

/** What an operation returns, from its output schema. */
type Out<O extends { output: z.ZodType }> = z.output<O["output"]>;

/** A memory as every operation returns it. */
export type { Memory };
/** A memory with its ranking score, as recall and search return it. */
export type ScoredMemory = Memory & { score: number };
/** What memory_store returns. */
export type StoreResult = Out<typeof memoryStore>;
/** What memory_list returns. */
export type ListResult = Out<typeof memoryList>;
/** What memory_recall returns. */
export type RecallResult = Out<typeof memoryRecall>;
/** What memory_search returns. */
export type SearchResult = Out<typeof memorySearch>;
/** What memory_stats returns. */
export type Stats = Out<typeof memoryStats>;
/** What memory_get returns. */
export type GetResult = Out<typeof memoryGet>;
/** What memory_capabilities returns. */
export type Capabilities = Out<typeof memoryCapabilities>;

// The knowledge graph, entities, taxonomy, agents, namespace standards and session start.
/** What memory_link returns. */
export type LinkResult = Out<typeof memoryLink>;
/** What memory_get_links returns. */
export type LinksResult = Out<typeof memoryGetLinks>;
/** What memory_kg_query returns. */
export type KgResult = Out<typeof memoryKgQuery>;
/** What memory_kg_timeline returns. */
export type TimelineResult = Out<typeof memoryKgTimeline>;
/** What memory_kg_invalidate returns. */
export type InvalidateResult = Out<typeof memoryKgInvalidate>;
/** What memory_entity_register returns. */
export type EntityResult = Out<typeof memoryEntityRegister>;
/** What memory_entity_get_by_alias returns. */
export type AliasResult = Out<typeof memoryEntityGetByAlias>;
/** What memory_get_taxonomy returns. */
export type TaxonomyResult = Out<typeof memoryGetTaxonomy>;
/** What memory_agent_register returns. */
export type AgentResult = Out<typeof memoryAgentRegister>;
/** What memory_agent_list returns. */
export type AgentsResult = Out<typeof memoryAgentList>;
/** What memory_namespace_set_standard returns. */
export type SetStandardResult = Out<typeof memoryNamespaceSetStandard>;
/** What memory_namespace_get_standard returns. */
export type GetStandardResult = Out<typeof memoryNamespaceGetStandard>;
/** What memory_namespace_clear_standard returns. */
export type ClearStandardResult = Out<typeof memoryNamespaceClearStandard>;
/** What memory_session_start returns. */
export type SessionResult = Out<typeof memorySessionStart>;

// The lifecycle: gc, forget, promote, consolidate, the archive, export, import and backup.
/** What memory_gc returns. */
export type GcResult = Out<typeof memoryGc>;
/** What memory_forget returns. */
export type ForgetResult = Out<typeof memoryForget>;
/** What memory_promote returns. */
export type PromoteResult = Out<typeof memoryPromote>;
/** What memory_consolidate returns. */
export type ConsolidateResult = Out<typeof memoryConsolidate>;
/** What memory_archive_list returns. */
export type ArchiveList = Out<typeof memoryArchiveList>;
/** What memory_archive_stats returns. */
export type ArchiveStats = Out<typeof memoryArchiveStats>;
/** What memory_archive_purge returns. */
export type ArchivePurgeResult = Out<typeof memoryArchivePurge>;
/** What memory_export returns. */
export type ExportResult = Out<typeof memoryExport>;
/** What memory_import returns. */
export type ImportResult = Out<typeof memoryImport>;
/** What memory_backup returns. */
export type BackupResult = Out<typeof memoryBackup>;
