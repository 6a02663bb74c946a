// The one mapping from MemoryError codes to HTTP statuses and the JSON error body.
import type { ErrorCode, MemoryError } from "../../core/errors.ts";

/** The statuses errors map to. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503;

const STATUS: Record<ErrorCode, ErrorStatus> = {
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

/** HTTP status for an error code. */
export function statusFor(code: ErrorCode): ErrorStatus {
  return STATUS[code];
}

/** The `{ error: { code, message, details } }` body every failed request gets. */
export function errorBody(error: MemoryError): { error: Record<string, unknown> } {
  return { error: { code: error.code, message: error.message, details: error.details } };
}
