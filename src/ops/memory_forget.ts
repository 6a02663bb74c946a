// memory_forget: move every memory matching a namespace / pattern / tier filter into the archive.
import { z } from "zod";
import { invalidInput } from "../core/errors.ts";
import { namespaceSchema, tierSchema } from "../core/fields.ts";
import type { Tier } from "../core/memory.ts";
import { queryTerms } from "../recall/query_terms.ts";
import { archiveOutcomeSchema, moved } from "./_archive_shared.ts";
import { defineOperation, type OpContext } from "./operation.ts";
import { changeOf } from "./_governed_changes.ts";

type ForgetInput = { namespace?: string | undefined; pattern?: string | undefined; tier?: Tier | undefined };

/** The archive filter of a forget, or null when it names none (run refuses that). */
function forgetFilter(input: ForgetInput) {
  const terms = input.pattern === undefined ? undefined : queryTerms(input.pattern);
  if (input.namespace === undefined && input.tier === undefined && !terms?.length) return null;
  return {
    filter: {
      ...(input.namespace !== undefined ? { namespace: input.namespace } : {}),
      ...(input.tier !== undefined ? { tier: input.tier } : {}),
    },
    terms: terms?.length ? terms : undefined,
  };
}

function archiveMatching(ctx: OpContext, input: ForgetInput, options: { dryRun: boolean }) {
  const match = forgetFilter(input);
  if (!match) {
    throw invalidInput([{
      field: "",
      message: "give at least one of namespace, pattern (with a word) or tier",
    }]);
  }
  return ctx.store.archive.archiveMatching({
    ...match,
    now: ctx.clock.now().toISOString(),
    actor: ctx.actor,
    reason: "forget",
    dryRun: options.dryRun,
  });
}

export const memoryForget = defineOperation({
  name: "memory_forget",
  title: "Forget memories",
  description: "Archive all live memories matching every given filter: namespace, pattern (words that " +
    "must all appear) and tier. At least one filter is required. dry_run reports without changing anything.",
  input: z.object({
    namespace: namespaceSchema.optional().describe("Only this namespace"),
    pattern: z.string({ error: "must be a string" }).max(1024, { error: "must be at most 1024 characters" })
      .optional().describe("Words that must all appear"),
    tier: tierSchema.optional().describe("Only this tier"),
    dry_run: z.boolean({ error: "must be true or false" }).default(false).describe("Only report"),
  }),
  output: archiveOutcomeSchema,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/forget" }],
  cli: { command: "forget", short: { namespace: "n", pattern: "p", tier: "t" } },
  // Every memory it would archive is a delete in that memory's namespace.
  governance: async (ctx, input) =>
    input.dry_run || !forgetFilter(input)
      ? []
      : (await archiveMatching(ctx, input, { dryRun: true })).map((m) => changeOf("delete", m)),
  async run(ctx, input) {
    const gone = await archiveMatching(ctx, input, { dryRun: input.dry_run });
    return { archived: gone.length, dry_run: input.dry_run, memories: gone.slice(0, 100).map(moved) };
  },
});
