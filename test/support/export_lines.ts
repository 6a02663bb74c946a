// Lines of the ai-memory-export JSON Lines format, written by hand for import tests: the version 1
// header line and a memory line with every field at a plain default.
import { DAY_MS, iso } from "./time.ts";

/** The header line of a version 1 export. */
export const HEADER_LINE = JSON.stringify({ type: "header", format: "ai-memory-export", version: 1 });

/**
 * One memory line: a short-tier, private, live memory in "global" whose content is "content of
 * <title>", created and updated at `createdMs` (two days ago unless given); `fields` override any
 * of it.
 */
export function memoryLine(
  fields: { id: string; title: string } & Record<string, unknown>,
  options: { createdMs?: number } = {},
): string {
  const created = iso(options.createdMs ?? Date.now() - 2 * DAY_MS);
  return JSON.stringify({
    type: "memory",
    tier: "short",
    namespace: "global",
    content: `content of ${fields.title}`,
    tags: [],
    priority: 5,
    confidence: 1,
    source: "import",
    access_count: 0,
    created_at: created,
    updated_at: created,
    last_accessed_at: null,
    expires_at: null,
    metadata: {},
    agent_id: null,
    scope: "private",
    deleted_at: null,
    deleted_by: null,
    removal: null,
    archive_reason: null,
    ...fields,
  });
}
