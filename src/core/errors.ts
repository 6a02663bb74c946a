// The one error family every layer throws and every surface maps, in exactly one place each.
// Messages name the field and the limit; they never carry memory text, SQL parameters or secrets.
import type { z } from "zod";

/** The closed set of error codes; each surface maps them to its own status. */
export type ErrorCode =
  | "invalid_input"
  | "not_found"
  | "conflict"
  | "forbidden"
  | "payload_too_large"
  | "unauthorized"
  | "rate_limited"
  | "timeout"
  | "unavailable"
  /** A write committed on this node that its federation quorum did not confirm in time. */
  | "quorum_not_met"
  | "internal";

/** The HTTP statuses error codes map to. */
export type HttpStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503;

const HTTP_STATUS: Record<ErrorCode, HttpStatus> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  timeout: 503,
  unavailable: 503,
  quorum_not_met: 503,
  internal: 500,
};

/** The HTTP status for an error code: the one table the HTTP API and the peer listener answer with. */
export function httpStatusOf(code: ErrorCode): HttpStatus {
  return HTTP_STATUS[code];
}

/** One problem with one field of an input. */
export interface FieldIssue {
  /** Dotted path of the field, e.g. `tags.3`; empty for the whole input. */
  field: string;
  message: string;
}

/** A domain error a caller is expected to catch and show. */
export class MemoryError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "MemoryError";
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** Bad input: the message lists every field issue, the details carry them as data. */
export function invalidInput(issues: FieldIssue[]): MemoryError {
  const text = issues.map((i) => (i.field ? `${i.field}: ${i.message}` : i.message)).join("; ");
  return new MemoryError("invalid_input", `Invalid input: ${text}`, { details: { issues } });
}

/** Field issues of a zod error, with dotted paths (under `prefix` when given). */
export function zodIssues(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: [...(prefix === undefined ? [] : [prefix]), ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
}

/**
 * `value` as `schema` parses it.
 * @throws {MemoryError} invalid_input naming each bad field under `field`
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, field: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidInput(zodIssues(parsed.error, field));
  return parsed.data;
}

/** A memory (or other object) that does not exist or is not visible. */
export function notFound(kind: string, id: string): MemoryError {
  return new MemoryError("not_found", `Cannot find ${kind} "${id}"`, { details: { kind, id } });
}

/** An action the caller may not take: outside an API key's namespaces, or refused by a namespace's
governance policy (the message names the rule and namespace). */
export function forbidden(message: string, details: Record<string, unknown> = {}): MemoryError {
  return new MemoryError("forbidden", message, { details });
}

/** Turn anything thrown into a MemoryError without leaking internals to clients. */
export function toMemoryError(err: unknown): MemoryError {
  if (err instanceof MemoryError) return err;
  return new MemoryError("internal", "Internal error", { cause: err });
}
