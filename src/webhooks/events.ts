// The webhook events: one per operation that changes the database, named after it. A subscription
// lists some of them or `*`; the sweeper's expiry moves come as memory_gc.

/** Every event a subscription may name. */
export const WEBHOOK_EVENTS = [
  "memory_store",
  "memory_update",
  "memory_delete",
  "memory_purge",
  "memory_link",
  "memory_kg_invalidate",
  "memory_entity_register",
  "memory_agent_register",
  "memory_namespace_set_standard",
  "memory_namespace_clear_standard",
  "memory_pending_approve",
  "memory_pending_reject",
  "memory_promote",
  "memory_forget",
  "memory_gc",
  "memory_consolidate",
  "memory_auto_tag",
  "memory_archive_restore",
  "memory_archive_purge",
  "memory_import",
  "memory_notify",
] as const;

/** Problem with an `events` value (`*` or a comma list of known events), or null when it is fine. */
export function eventsProblem(events: string): string | null {
  if (events === "*") return null;
  const names = events.split(",").map((e) => e.trim());
  const unknown = names.filter((n) => !(WEBHOOK_EVENTS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    return `must be * or a comma list of: ${WEBHOOK_EVENTS.join(", ")} (unknown: ${
      unknown.join(", ") || "none"
    })`;
  }
  return null;
}

/** The normalised form stored: `*`, or the names without spaces or repeats. */
export function normaliseEvents(events: string): string {
  if (events === "*") return "*";
  return [...new Set(events.split(",").map((e) => e.trim()))].join(",");
}
