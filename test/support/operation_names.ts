// The operation names the tests expect, written out by hand (not read from the catalog) so that
// a renamed, added or dropped operation shows up as a failing expectation: by group, in catalog order.

/** The core memory operations, each served by a basic HTTP route. */
export const CORE_OPERATIONS: readonly string[] = [
  "memory_store",
  "memory_recall",
  "memory_search",
  "memory_list",
  "memory_get",
  "memory_update",
  "memory_delete",
  "memory_purge",
  "memory_stats",
  "memory_capabilities",
];

/** The session, knowledge-graph, entity, taxonomy, agent and namespace-standard operations. */
export const GRAPH_OPERATIONS: readonly string[] = [
  "memory_session_start",
  "memory_link",
  "memory_get_links",
  "memory_kg_query",
  "memory_kg_timeline",
  "memory_kg_invalidate",
  "memory_entity_register",
  "memory_entity_get_by_alias",
  "memory_get_taxonomy",
  "memory_agent_register",
  "memory_agent_list",
  "memory_namespace_set_standard",
  "memory_namespace_get_standard",
  "memory_namespace_clear_standard",
];

/** The governance queue operations. */
export const GOVERNANCE_OPERATIONS: readonly string[] = [
  "memory_pending_list",
  "memory_pending_approve",
  "memory_pending_reject",
];

/** The lifecycle operations: promotion, expiry, the archive, export, import and backup. */
export const LIFECYCLE_OPERATIONS: readonly string[] = [
  "memory_promote",
  "memory_forget",
  "memory_gc",
  "memory_consolidate",
  "memory_archive_list",
  "memory_archive_restore",
  "memory_archive_purge",
  "memory_archive_stats",
  "memory_export",
  "memory_import",
  "memory_backup",
];

/** The operations of the semantic tier (they need an embedding model). */
export const SEMANTIC_OPERATIONS: readonly string[] = [
  "memory_check_duplicate",
];

/** The operations of the smart tier (they need a local LLM). */
export const LLM_OPERATIONS: readonly string[] = [
  "memory_expand_query",
  "memory_auto_tag",
  "memory_detect_contradiction",
];

/** The webhook subscription operations. */
export const WEBHOOK_OPERATIONS: readonly string[] = [
  "memory_subscribe",
  "memory_unsubscribe",
  "memory_list_subscriptions",
];

/** Agent-to-agent messaging. */
export const MESSAGING_OPERATIONS: readonly string[] = [
  "memory_notify",
  "memory_inbox",
];
