// memory_import: apply an export all-or-nothing; every line is validated first and a bad one is
// reported with its line number. Importing the same file again changes nothing.
import { z } from "zod";
import { invalidInput, MemoryError } from "../core/errors.ts";
import { parseJsonl } from "../lifecycle/export_format.ts";
import { readExportText } from "../lifecycle/export_file.ts";
import type { ExportData } from "../store/transfer_store.ts";
import { defineOperation } from "./operation.ts";

const countsSchema = z.record(z.string(), z.number().int());

export const memoryImport = defineOperation({
  name: "memory_import",
  title: "Import memories",
  description: "Import JSON Lines written by memory_export, from a file (sealed or plain) or inline. " +
    "Every line is validated first; then all rows are applied in one transaction or none are. Rows " +
    "that already exist (same id or key) are left as they are.",
  input: z.object({
    path: z.string({ error: "must be a string" }).min(1).max(4096).optional().describe("File to import"),
    jsonl: z.string({ error: "must be a string" }).max(512 * 1024 * 1024).optional()
      .describe("The export text, instead of a file"),
  }),
  output: z.object({
    added: countsSchema.describe("Rows added, per kind"),
    unchanged: countsSchema.describe("Rows already present, per kind"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/import" }],
  cli: { command: "import" },
  async run(ctx, input) {
    if ((input.path === undefined) === (input.jsonl === undefined)) {
      throw invalidInput([{ field: "path", message: "give exactly one of path or jsonl" }]);
    }
    const text = input.path !== undefined
      ? await readExportText(input.path, { passphrase: ctx.config.passphrase })
      : input.jsonl!;
    const { data, lineNumbers } = parseJsonl(text);
    try {
      return await ctx.store.transfer.importAll(data);
    } catch (err) {
      const details = err instanceof MemoryError ? err.details : {};
      const kind = details.kind as keyof ExportData | undefined;
      const line = kind ? lineNumbers[kind][details.index as number] : undefined;
      if (err instanceof MemoryError && line !== undefined) {
        throw new MemoryError(
          "conflict",
          `Cannot import line ${line}: ${err.message.replace(/^Cannot import [^:]+: /, "")}`,
          {
            details: { line },
            cause: err,
          },
        );
      }
      throw err;
    }
  },
});
