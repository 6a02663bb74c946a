// The validated fields of a memory, with the reference's limits (ai-memory v0.6.3 validate.rs).
// Every schema carries .describe(): it is the documentation on MCP, HTTP and the CLI alike.
import { z } from "zod";

export const TITLE_MAX_CHARS = 512;
export const CONTENT_MAX_BYTES = 65_536;
export const TAGS_MAX = 50;
export const TAG_MAX_BYTES = 128;
export const METADATA_MAX_BYTES = 65_536;
export const METADATA_MAX_DEPTH = 32;
export const NAMESPACE_MAX_CHARS = 512;
export const NAMESPACE_MAX_DEPTH = 8;
export const ID_MAX_BYTES = 128;
export const TTL_MAX_SECS = 365 * 24 * 3600;

const encoder = new TextEncoder();
/** UTF-8 length of a string in bytes. */
export function byteLength(text: string): number {
  return encoder.encode(text).length;
}

// Control characters other than tab and newline (and carriage return, which pasted text carries).
// deno-lint-ignore no-control-regex -- matching control characters is the point
export const CONTROL_CHARS_REGEXP = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const AGENT_ID_REGEXP = /^[A-Za-z0-9_\-:@./]{1,128}$/;
// deno-lint-ignore no-control-regex -- matching control characters is the point
const NAMESPACE_BAD_CHARS_REGEXP = /[\s\\\u0000-\u001F\u007F]/;

export const TIERS = ["short", "mid", "long"] as const;
export const SCOPES = ["private", "team", "unit", "org", "collective"] as const;
export const SOURCES = [
  "user",
  "claude",
  "hook",
  "api",
  "cli",
  "import",
  "consolidation",
  "system",
  "chaos",
  "notify",
] as const;

export const tierSchema = z.enum(TIERS, { error: `must be one of ${TIERS.join(", ")}` })
  .describe("Memory tier: short (6 h), mid (7 d) or long (no expiry)");
export const scopeSchema = z.enum(SCOPES, { error: `must be one of ${SCOPES.join(", ")}` })
  .describe("Visibility scope: private, team, unit, org or collective");
export const sourceSchema = z.enum(SOURCES, { error: `must be one of ${SOURCES.join(", ")}` })
  .describe("Where the memory came from");

export const titleSchema = z.string({ error: "must be a string" })
  .refine((t) => t.trim().length > 0, { error: "must not be empty" })
  .refine((t) => t.length <= TITLE_MAX_CHARS, {
    error: `must be at most ${TITLE_MAX_CHARS} characters`,
  })
  .refine((t) => !CONTROL_CHARS_REGEXP.test(t), { error: "must not contain control characters" })
  .describe(`Short title, unique within its namespace (at most ${TITLE_MAX_CHARS} characters)`);

export const contentSchema = z.string({ error: "must be a string" })
  .refine((t) => t.trim().length > 0, { error: "must not be empty" })
  .refine((t) => byteLength(t) <= CONTENT_MAX_BYTES, {
    error: `must be at most ${CONTENT_MAX_BYTES} bytes (64 KiB)`,
  })
  .refine((t) => !CONTROL_CHARS_REGEXP.test(t), { error: "must not contain control characters" })
  .describe(`The memory text (at most ${CONTENT_MAX_BYTES} bytes)`);

/** Why a namespace is invalid, or null when it is valid. */
export function namespaceProblem(ns: string): string | null {
  if (ns.length === 0) return "must not be empty";
  if (ns.length > NAMESPACE_MAX_CHARS) return `must be at most ${NAMESPACE_MAX_CHARS} characters`;
  if (NAMESPACE_BAD_CHARS_REGEXP.test(ns)) {
    return "must not contain spaces, backslashes or control characters";
  }
  if (ns.startsWith("/") || ns.endsWith("/")) return "must not start or end with '/'";
  const segments = ns.split("/");
  if (segments.length > NAMESPACE_MAX_DEPTH) {
    return `must have at most ${NAMESPACE_MAX_DEPTH} levels (got ${segments.length})`;
  }
  if (segments.some((s) => s === "")) return "must not contain empty segments ('//')";
  if (segments.some((s) => s === "." || s === "..")) return "must not contain '.' or '..' segments";
  return null;
}

export const namespaceSchema = z.string({ error: "must be a string" })
  .superRefine((ns, ctx) => {
    const problem = namespaceProblem(ns);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .describe("Namespace, flat or hierarchical with '/' (at most 8 levels), e.g. project/backend");

export const tagSchema = z.string({ error: "must be a string" })
  .refine((t) => t.trim().length > 0, { error: "must not be empty" })
  .refine((t) => byteLength(t) <= TAG_MAX_BYTES, { error: `must be at most ${TAG_MAX_BYTES} bytes` })
  .refine((t) => !CONTROL_CHARS_REGEXP.test(t), { error: "must not contain control characters" })
  .describe("A tag");

export const tagsSchema = z.array(tagSchema, { error: "must be an array of strings" })
  .max(TAGS_MAX, { error: `must have at most ${TAGS_MAX} tags` })
  .describe(`Tags (at most ${TAGS_MAX}, each at most ${TAG_MAX_BYTES} bytes)`);

export const prioritySchema = z.number({ error: "must be a number" })
  .int({ error: "must be an integer" })
  .min(1, { error: "must be between 1 and 10" })
  .max(10, { error: "must be between 1 and 10" })
  .describe("Priority from 1 (low) to 10 (critical)");

export const confidenceSchema = z.number({ error: "must be a number" })
  .min(0, { error: "must be between 0 and 1" })
  .max(1, { error: "must be between 0 and 1" })
  .describe("Confidence from 0.0 to 1.0");

function jsonDepth(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  let max = 0;
  for (const child of children) max = Math.max(max, jsonDepth(child));
  return max + 1;
}

export const metadataSchema = z.record(z.string(), z.unknown(), { error: "must be a JSON object" })
  .superRefine((m, ctx) => {
    const size = byteLength(JSON.stringify(m));
    if (size > METADATA_MAX_BYTES) {
      ctx.addIssue({
        code: "custom",
        message: `must be at most ${METADATA_MAX_BYTES} bytes serialized (got ${size})`,
      });
    } else if (jsonDepth(m) > METADATA_MAX_DEPTH) {
      ctx.addIssue({ code: "custom", message: `must nest at most ${METADATA_MAX_DEPTH} levels` });
    }
  })
  .describe("Free-form JSON object (at most 64 KiB serialized, 32 levels deep)");

export const agentIdSchema = z.string({ error: "must be a string" })
  .regex(AGENT_ID_REGEXP, { error: "must be 1-128 characters of A-Z a-z 0-9 _ - : @ . /" })
  .describe("Agent identifier, e.g. ai:claude@host");

export const idSchema = z.string({ error: "must be a string" })
  .refine((t) => t.trim().length > 0, { error: "must not be empty" })
  .refine((t) => byteLength(t) <= ID_MAX_BYTES, { error: `must be at most ${ID_MAX_BYTES} bytes` })
  .describe("Memory id, or a unique prefix of it");

/** An RFC 3339 timestamp with a time zone, e.g. 2026-01-31T12:00:00Z. */
export const timestampSchema = z.iso.datetime({
  offset: true,
  error: "must be an RFC 3339 timestamp such as 2026-01-31T12:00:00Z",
}).describe("RFC 3339 timestamp, e.g. 2026-01-31T12:00:00Z");

export const ttlSecsSchema = z.number({ error: "must be a number" })
  .int({ error: "must be an integer" })
  .min(1, { error: `must be between 1 and ${TTL_MAX_SECS} seconds (1 year)` })
  .max(TTL_MAX_SECS, { error: `must be between 1 and ${TTL_MAX_SECS} seconds (1 year)` })
  .describe("Time to live in seconds (1 s to 1 year); overrides the tier's default expiry");

/** A positive integer limit with a default and a maximum. */
export function limitSchema(defaultValue: number, max: number): z.ZodDefault<z.ZodNumber> {
  return z.number({ error: "must be a number" })
    .int({ error: "must be an integer" })
    .min(1, { error: `must be between 1 and ${max}` })
    .max(max, { error: `must be between 1 and ${max}` })
    .default(defaultValue)
    .describe(`Maximum number of results (default ${defaultValue}, at most ${max})`);
}
