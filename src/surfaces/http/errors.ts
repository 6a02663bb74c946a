// The one mapping from MemoryError codes to HTTP statuses and the JSON error body.
import type { ErrorCode, MemoryError } from "../../core/errors.ts";

const STATUS: Record<ErrorCode, 400 | 403 | 404 | 409 | 413 | 500 | 503> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  payload_too_large: 413,
  unavailable: 503,
  internal: 500,
};

/** HTTP status for an error code. */
export function statusFor(code: ErrorCode): 400 | 403 | 404 | 409 | 413 | 500 | 503 {
  return STATUS[code];
}

/** The `{ error: { code, message, details } }` body every failed request gets. */
export function errorBody(error: MemoryError): { error: Record<string, unknown> } {
  return { error: { code: error.code, message: error.message, details: error.details } };
}
