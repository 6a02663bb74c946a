// SQL WHERE clauses for the shared memory filters; values always travel as parameters.
import { patternParts } from "../../core/grant.ts";
import { ancestorsOrSelf, type Reader } from "../../core/visibility.ts";
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
    const visible = readerClause(filter.reader, "m");
    parts.push(visible.sql);
    Object.assign(params, visible.params);
  }
  if (filter.excludeSuperseded) {
    // Any valid successor hides a memory, even one the reader cannot see (the rule as specified).
    // The index of live 'supersedes' links alone is small and hot; the planner, which has no
    // statistics to tell, would pick the index of every link's target (migration 0017).
    parts.push(`NOT EXISTS (SELECT 1 FROM memory_links l INDEXED BY memory_links_superseded
      WHERE l.target_id = m.id AND l.relation = 'supersedes' AND l.deleted_at IS NULL
        AND l.valid_from <= @now AND (l.valid_until IS NULL OR l.valid_until > @now))`);
  }
  (filter.tags ?? []).forEach((tag, i) => {
    parts.push(`EXISTS (SELECT 1 FROM json_each(m.tags) WHERE value = @tag${i})`);
    params[`tag${i}`] = tag;
  });
  return { sql: parts.join(" AND "), params };
}

/**
 * Memories (table alias `alias`) that `reader` may see; mirrors isVisible() in core/visibility.ts.
 * Parameters are named @reader_*, so one query may use the clause for several aliases.
 */
export function readerClause(reader: Reader, alias: string): Clause {
  const a = alias;
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  const grant = reader.namespaces === undefined ? null : patternParts(reader.namespaces);
  if (grant) {
    // Subtree roots compare by prefix with substr, so no LIKE metacharacter can widen a grant.
    parts.push(`(${a}.namespace IN (SELECT value FROM json_each(@reader_grant_exact))
      OR EXISTS (SELECT 1 FROM json_each(@reader_grant_trees) g WHERE ${a}.namespace = g.value
        OR substr(${a}.namespace, 1, length(g.value) + 1) = g.value || '/'))`);
    params.reader_grant_exact = JSON.stringify(grant.exact);
    params.reader_grant_trees = JSON.stringify(grant.subtrees);
  }
  if (reader.position !== undefined) {
    parts.push(`(${a}.scope = 'collective'
      OR (${a}.scope = 'private' AND ${a}.namespace = @reader_position)
      OR ${a}.scope_root IN (SELECT value FROM json_each(@reader_ancestors))
      OR (@reader_agent IS NOT NULL AND ${a}.agent_id = @reader_agent))`);
    params.reader_position = reader.position;
    params.reader_ancestors = JSON.stringify(ancestorsOrSelf(reader.position));
    params.reader_agent = reader.agentId ?? null;
  }
  return { sql: parts.length === 0 ? "1" : `(${parts.join(" AND ")})`, params };
}

/** An FTS5 MATCH expression from plain terms: each quoted, so no term is ever read as syntax. */
export function ftsMatch(terms: string[], mode: "any" | "all"): string {
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(mode === "any" ? " OR " : " ");
}
