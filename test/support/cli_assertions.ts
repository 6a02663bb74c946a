// Assertions on one CLI run for end-to-end tests: a run that succeeded (its stdout, or that stdout
// parsed as JSON) and a run that was refused with an exit code, messages on stderr and no stdout.
import assert from "node:assert/strict";
import type { CliResult } from "./processes.ts";

/** The stdout of a run that must have exited 0; `what` names the run in a failure. */
export function succeeded(r: CliResult, what: string): string {
  assert.equal(r.code, 0, `${what} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The stdout of a run that must have exited 0, parsed as JSON. */
export function json<T>(r: CliResult, what: string): T {
  return JSON.parse(succeeded(r, what)) as T;
}

/**
 * A run that must exit `code` (2, bad input, unless given) with every one of `mentions` on stderr
 * and nothing on stdout.
 */
export function refused(
  r: CliResult,
  what: string,
  options: { code?: number; mentions?: string[] } = {},
): void {
  assert.equal(
    r.code,
    options.code ?? 2,
    `${what} exited ${r.code}; stdout: ${r.stdout.slice(0, 300)} stderr: ${r.stderr}`,
  );
  for (const m of options.mentions ?? []) {
    assert.ok(r.stderr.includes(m), `${what}: stderr lacks "${m}": ${r.stderr}`);
  }
  assert.equal(r.stdout.trim(), "", `${what}: nothing on stdout`);
}
