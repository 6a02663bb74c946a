// The JSON error body of the HTTP surface; the status comes from core/errors.ts's httpStatusOf, the
// one table the HTTP API and the federation peer listener share.
import type { MemoryError } from "../../core/errors.ts";

/** The `{ error: { code, message, details } }` body every failed request gets. */
export function errorBody(error: MemoryError): { error: Record<string, unknown> } {
  return { error: { code: error.code, message: error.message, details: error.details } };
}
