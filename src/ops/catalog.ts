// The operation catalog: the one list every surface (MCP, HTTP, CLI) binds, in display order.
import { memoryArchiveList } from "./memory_archive_list.ts";
import { memoryArchivePurge } from "./memory_archive_purge.ts";
import { memoryArchiveRestore } from "./memory_archive_restore.ts";
import { memoryArchiveStats } from "./memory_archive_stats.ts";
import { memoryConsolidate } from "./memory_consolidate.ts";
import { memoryAutoTag } from "./memory_auto_tag.ts";
import { memoryDetectContradiction } from "./memory_detect_contradiction.ts";
import { memoryExpandQuery } from "./memory_expand_query.ts";
import { memoryForget } from "./memory_forget.ts";
import { memoryGc } from "./memory_gc.ts";
import { memoryPromote } from "./memory_promote.ts";
import { memoryBackup } from "./memory_backup.ts";
import { memoryExport } from "./memory_export.ts";
import { memoryImport } from "./memory_import.ts";
import { memoryInbox } from "./memory_inbox.ts";
import { memoryNotify } from "./memory_notify.ts";
import { memoryAgentList } from "./memory_agent_list.ts";
import { memoryAgentRegister } from "./memory_agent_register.ts";
import { memoryEntityGetByAlias } from "./memory_entity_get_by_alias.ts";
import { memoryEntityRegister } from "./memory_entity_register.ts";
import { memoryGetLinks } from "./memory_get_links.ts";
import { memoryGetTaxonomy } from "./memory_get_taxonomy.ts";
import { memoryKgInvalidate } from "./memory_kg_invalidate.ts";
import { memoryKgQuery } from "./memory_kg_query.ts";
import { memoryKgTimeline } from "./memory_kg_timeline.ts";
import { memoryLink } from "./memory_link.ts";
import { memoryNamespaceClearStandard } from "./memory_namespace_clear_standard.ts";
import { memoryNamespaceGetStandard } from "./memory_namespace_get_standard.ts";
import { memoryNamespaceSetStandard } from "./memory_namespace_set_standard.ts";
import { memorySessionStart } from "./memory_session_start.ts";
import { memoryCapabilities } from "./memory_capabilities.ts";
import { memoryCheckDuplicate } from "./memory_check_duplicate.ts";
import { memoryDelete } from "./memory_delete.ts";
import { memoryGet } from "./memory_get.ts";
import { memoryList } from "./memory_list.ts";
import { memoryPurge } from "./memory_purge.ts";
import { memoryRecall } from "./memory_recall.ts";
import { memorySearch } from "./memory_search.ts";
import { memoryStats } from "./memory_stats.ts";
import { memoryStore } from "./memory_store.ts";
import { memoryUpdate } from "./memory_update.ts";
import { memoryListSubscriptions } from "./memory_list_subscriptions.ts";
import { memorySubscribe } from "./memory_subscribe.ts";
import { memoryUnsubscribe } from "./memory_unsubscribe.ts";
import { memoryPendingList } from "./memory_pending_list.ts";
import { pendingApproveOperation } from "./memory_pending_approve.ts";
import { memoryPendingReject } from "./memory_pending_reject.ts";
import type { Operation } from "./operation.ts";

// Approval replays the approved operation, found in this catalog when it runs.
const memoryPendingApprove = pendingApproveOperation((name) => CATALOG.find((op) => op.name === name));

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
  memorySessionStart,
  memoryLink,
  memoryGetLinks,
  memoryKgQuery,
  memoryKgTimeline,
  memoryKgInvalidate,
  memoryEntityRegister,
  memoryEntityGetByAlias,
  memoryGetTaxonomy,
  memoryAgentRegister,
  memoryAgentList,
  memoryNamespaceSetStandard,
  memoryNamespaceGetStandard,
  memoryNamespaceClearStandard,
  memoryPendingList,
  memoryPendingApprove,
  memoryPendingReject,
  memoryPromote,
  memoryForget,
  memoryGc,
  memoryConsolidate,
  memoryArchiveList,
  memoryArchiveRestore,
  memoryArchivePurge,
  memoryArchiveStats,
  memoryExport,
  memoryImport,
  memoryBackup,
  memoryCheckDuplicate,
  memoryExpandQuery,
  memoryAutoTag,
  memoryDetectContradiction,
  memorySubscribe,
  memoryUnsubscribe,
  memoryListSubscriptions,
  memoryNotify,
  memoryInbox,
] as unknown as readonly Operation[];
