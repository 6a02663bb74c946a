// SQL WHERE clauses for the shared memory filters; values always travel as parameters.
import { ancestorsOrSelf } from "../../core/visibility.ts";
import type { MemoryFilter } from "../store.ts";

/** A WHERE fragment and its named parameters. */
export interface Clause {
  sql: string;
  params: Record<string, unknown>;
}

/** Conditions for live, unexpired memories matching `filter`, on table alias `m`. */
export function filterClause(filter: MemoryFilter, now: string): Clause {
  const parts = ["m.deleted_at IS NULL", "(m.expires_at IS NULL OR m.expires_at > @now)"];
  const params: Record<string, unknown> = { now };
  if (filter.namespace !== undefined) {
    parts.push("m.namespace = @namespace");
    params.namespace = filter.namespace;
  }
  if (filter.tier !== undefined) {
    parts.push("m.tier = @tier");
    params.tier = filter.tier;
  }
  if (filter.agentId !== undefined) {
    parts.push("m.agent_id = @agent_id");
    params.agent_id = filter.agentId;
  }
  if (filter.since !== undefined) {
    parts.push("m.created_at >= @since");
    params.since = filter.since;
  }
  if (filter.until !== undefined) {
    parts.push("m.created_at <= @until");
    params.until = filter.until;
  }
  if (filter.minPriority !== undefined) {
    parts.push("m.priority >= @min_priority");
    params.min_priority = filter.minPriority;
  }
  if (filter.ids !== undefined) {
    parts.push("m.id IN (SELECT value FROM json_each(@ids))");
    params.ids = JSON.stringify(filter.ids);
  }
  if (filter.namespaceIn !== undefined) {
    parts.push("m.namespace IN (SELECT value FROM json_each(@namespace_in))");
    params.namespace_in = JSON.stringify(filter.namespaceIn);
  }
  if (filter.reader !== undefined) {
    // Mirrors isVisible() in core/visibility.ts; scope_root is a generated column.
    parts.push(`(m.scope = 'collective'
      OR (m.scope = 'private' AND m.namespace = @reader_position)
      OR m.scope_root IN (SELECT value FROM json_each(@reader_ancestors))
      OR (@reader_agent IS NOT NULL AND m.agent_id = @reader_agent))`);
    params.reader_position = filter.reader.position;
    params.reader_ancestors = JSON.stringify(ancestorsOrSelf(filter.reader.position));
    params.reader_agent = filter.reader.agentId ?? null;
  }
  if (filter.excludeSuperseded) {
    parts.push(`NOT EXISTS (SELECT 1 FROM memory_links l
      WHERE l.target_id = m.id AND l.relation = 'supersedes' AND l.deleted_at IS NULL
        AND l.valid_from <= @now AND (l.valid_until IS NULL OR l.valid_until > @now))`);
  }
  (filter.tags ?? []).forEach((tag, i) => {
    parts.push(`EXISTS (SELECT 1 FROM json_each(m.tags) WHERE value = @tag${i})`);
    params[`tag${i}`] = tag;
  });
  return { sql: parts.join(" AND "), params };
}

/** An FTS5 MATCH expression from plain terms: each quoted, so no term is ever read as syntax. */
export function ftsMatch(terms: string[], mode: "any" | "all"): string {
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(mode === "any" ? " OR " : " ");
}
