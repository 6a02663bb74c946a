// The single path every surface uses to run an operation: validate, apply governance, run, check
// the output, record metrics. Validation errors name each field; anything unexpected becomes "internal".
import { invalidInput, MemoryError, toMemoryError, zodIssues } from "../core/errors.ts";
import type { OperationMetrics } from "../core/metrics.ts";
import type { OpContext, Operation } from "./operation.ts";
import { guardGovernance, outputSchemaOf } from "./_governance_guard.ts";
import { quorumNotMet } from "../federation/federation_node.ts";

/**
 * Validate `raw` against the operation's input and run it.
 * @throws {MemoryError} invalid_input for bad input; the operation's own errors; internal otherwise
 */
export async function invokeOperation(
  op: Operation,
  raw: unknown,
  options: { ctx: OpContext; metrics?: OperationMetrics },
): Promise<Record<string, unknown>> {
  const started = performance.now();
  let errorCode: string | undefined;
  options.metrics?.begin();
  try {
    const parsed = op.input.safeParse(raw ?? {});
    if (!parsed.success) throw invalidInput(zodIssues(parsed.error));
    // Every write the operation makes is recorded in the audit trail as this caller's, under its name.
    const ctx = {
      ...options.ctx,
      store: options.ctx.store.attributed({
        actor: options.ctx.actor,
        operation: op.name,
        now: () => options.ctx.clock.now().toISOString(),
      }),
    };
    // Governance runs here, once for every surface: a refused write throws, a queued one answers
    // with its pending id instead of running.
    const result = await guardGovernance(op, ctx, parsed.data) ?? await op.run(ctx, parsed.data);
    const checked = outputSchemaOf(op).safeParse(result);
    if (!checked.success) {
      throw new MemoryError("internal", `Operation ${op.name} produced an invalid result`, {
        cause: checked.error,
      });
    }
    const output = checked.data as Record<string, unknown>;
    // With federation, a write is answered once its quorum of nodes has it: the store knows how far
    // into the feed this operation's own writes went (a recall's access bookkeeping is not one of them).
    const through = ctx.federation ? ctx.store.replicatedThrough() : 0;
    if (ctx.federation && through > 0) {
      const outcome = await ctx.federation.replicate(through);
      if (!outcome.met) throw quorumNotMet(outcome, { result: output });
    }
    return output;
  } catch (err) {
    const error = toMemoryError(err);
    errorCode = error.code;
    if (error.code === "internal") {
      options.ctx.log.error("operation failed", {
        op: op.name,
        error: String((error.cause as Error | undefined)?.stack ?? error.cause ?? error),
      });
    }
    throw error;
  } finally {
    options.metrics?.record(op.name, (performance.now() - started) / 1000, errorCode);
  }
}
