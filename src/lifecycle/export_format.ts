// The export format: JSON Lines with a header line carrying the format version, one line per
// memory, link, alias, agent and namespace, each validated on the way in with its line number.
import { z } from "zod";
import { type FieldIssue, invalidInput } from "../core/errors.ts";
import {
  agentIdSchema,
  confidenceSchema,
  contentSchema,
  metadataSchema,
  namespaceSchema,
  prioritySchema,
  scopeSchema,
  sourceSchema,
  tagsSchema,
  tierSchema,
  timestampSchema,
  titleSchema,
} from "../core/fields.ts";
import { RELATIONS } from "../store/graph_store.ts";
import type { ExportData } from "../store/transfer_store.ts";

/** The format name and version written in the header line. */
export const EXPORT_FORMAT = "ai-memory-export";
export const EXPORT_VERSION = 1;
const MAX_REPORTED = 20;

// Strict RFC 3339, stored in the one UTC form every comparison in the database relies on.
const time = timestampSchema.transform((t) => new Date(t).toISOString());
const id = z.string().min(1).max(128);

const LINE_SCHEMAS = {
  memory: z.object({
    id,
    tier: tierSchema,
    namespace: namespaceSchema,
    title: titleSchema,
    content: contentSchema,
    tags: tagsSchema,
    priority: prioritySchema,
    confidence: confidenceSchema,
    source: sourceSchema,
    access_count: z.number().int().min(0),
    created_at: time,
    updated_at: time,
    last_accessed_at: time.nullable(),
    expires_at: time.nullable(),
    metadata: metadataSchema,
    agent_id: agentIdSchema.nullable(),
    scope: scopeSchema,
    deleted_at: time.nullable(),
    deleted_by: z.string().nullable(),
    removal: z.enum(["deleted", "archived"]).nullable(),
    archive_reason: z.string().nullable(),
  }).superRefine((m, ctx) => {
    // Live, tombstone and archived are the only states; anything else would corrupt the archive.
    if ((m.removal === null) !== (m.deleted_at === null)) {
      ctx.addIssue({
        code: "custom",
        path: ["removal"],
        message: "must be set exactly when deleted_at is set",
      });
    }
    if ((m.removal === "archived") !== (m.archive_reason !== null)) {
      ctx.addIssue({
        code: "custom",
        path: ["archive_reason"],
        message: "must be set exactly for archived memories",
      });
    }
  }),
  link: z.object({
    source_id: id,
    target_id: id,
    relation: z.enum(RELATIONS),
    created_at: time,
    valid_from: time,
    valid_until: time.nullable(),
    observed_by: z.string().nullable(),
    deleted_at: time.nullable(),
  }),
  alias: z.object({
    entity_id: id,
    alias: z.string().min(1),
    alias_key: z.string().min(1),
    created_at: time,
  }),
  agent: z.object({
    agent_id: agentIdSchema,
    agent_type: z.string().min(1).max(64),
    capabilities: z.array(z.string()),
    namespace: namespaceSchema.nullable(),
    registered_at: time,
    last_seen_at: time,
  }),
  namespace: z.object({
    namespace: z.string().min(1),
    standard_id: id.nullable(),
    parent_namespace: z.string().nullable(),
    updated_at: time,
  }),
} as const;

const KIND_OF_TYPE = {
  memory: "memories",
  link: "links",
  alias: "aliases",
  agent: "agents",
  namespace: "namespaces",
} as const;

/** Serialise everything as JSON Lines, header first, in the store's stable order. */
export function toJsonl(data: ExportData): string {
  const lines = [JSON.stringify({ type: "header", format: EXPORT_FORMAT, version: EXPORT_VERSION })];
  for (const [type, kind] of Object.entries(KIND_OF_TYPE)) {
    for (const row of data[kind]) lines.push(JSON.stringify({ type, ...row }));
  }
  return lines.join("\n") + "\n";
}

/** Parsed rows and, for each, the line it came from. */
export interface ParsedExport {
  data: ExportData;
  lineNumbers: Record<keyof ExportData, number[]>;
}

/**
 * Parse and validate every line; nothing is returned unless every line is valid.
 * @throws {MemoryError} invalid_input naming the first bad lines and their fields
 */
export function parseJsonl(text: string): ParsedExport {
  const data: ExportData = { memories: [], links: [], aliases: [], agents: [], namespaces: [] };
  const lineNumbers: ParsedExport["lineNumbers"] = {
    memories: [],
    links: [],
    aliases: [],
    agents: [],
    namespaces: [],
  };
  const issues: FieldIssue[] = [];
  const lines = text.split("\n");
  let header = false;
  lines.forEach((line, i) => {
    if (issues.length >= MAX_REPORTED || line.trim() === "") return;
    const where = `line ${i + 1}`;
    let value: { type?: unknown; [key: string]: unknown };
    try {
      value = JSON.parse(line);
    } catch {
      issues.push({ field: where, message: "is not valid JSON" });
      return;
    }
    if (value.type === "header") {
      if (value.format !== EXPORT_FORMAT || value.version !== EXPORT_VERSION) {
        issues.push({
          field: where,
          message: `must be an ${EXPORT_FORMAT} header of version ${EXPORT_VERSION}`,
        });
      }
      header = true;
      return;
    }
    const schema = LINE_SCHEMAS[value.type as keyof typeof LINE_SCHEMAS];
    if (!schema) {
      issues.push({
        field: `${where}.type`,
        message: `must be one of header, ${Object.keys(LINE_SCHEMAS).join(", ")}`,
      });
      return;
    }
    const { type: _type, ...row } = value;
    const parsed = schema.safeParse(row);
    if (!parsed.success) {
      for (const issue of parsed.error.issues.slice(0, 3)) {
        issues.push({ field: [where, ...issue.path.map(String)].join("."), message: issue.message });
      }
      return;
    }
    const kind = KIND_OF_TYPE[value.type as keyof typeof KIND_OF_TYPE];
    (data[kind] as unknown[]).push(parsed.data);
    lineNumbers[kind].push(i + 1);
  });
  if (!header && issues.length === 0) {
    issues.push({ field: "line 1", message: `must be an ${EXPORT_FORMAT} header` });
  }
  if (issues.length > 0) throw invalidInput(issues);
  return { data, lineNumbers };
}
