// The one mapping from errors to the CLI's stderr message and exit code (2 = bad input,
// 3 = refused by a governance policy, 1 = anything else).
import type { MemoryError } from "../../core/errors.ts";

/** Exit code for bad input or usage. */
export const EXIT_USAGE = 2;
/** Exit code for a write a namespace's governance policy refuses. */
export const EXIT_REFUSED = 3;
/** Exit code for any other failure. */
export const EXIT_FAILURE = 1;

/** Exit code for an error. */
export function exitCodeFor(error: MemoryError): number {
  if (error.code === "invalid_input") return EXIT_USAGE;
  return error.code === "forbidden" ? EXIT_REFUSED : EXIT_FAILURE;
}

/** The stderr line for an error. */
export function errorLine(error: MemoryError): string {
  return `error (${error.code}): ${error.message}`;
}
