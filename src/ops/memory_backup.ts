// memory_backup: a consistent online snapshot of the database into a new file, taken while other
// processes keep writing; encrypted with the database key when it has one.
import { z } from "zod";
import { sha256 } from "../lifecycle/export_file.ts";
import { MemoryError } from "../core/errors.ts";
import { defineOperation } from "./operation.ts";

export const memoryBackup = defineOperation({
  name: "memory_backup",
  title: "Back up the database",
  description: "Write a consistent snapshot of the database to a new file at path (VACUUM INTO: one " +
    "read transaction, so writers are not blocked; the copy keeps the database's encryption).",
  input: z.object({
    path: z.string({ error: "must be a string" }).min(1).max(4096).describe("The new backup file"),
  }),
  output: z.object({
    path: z.string().describe("The backup file"),
    bytes: z.number().int().describe("Its size"),
    sha256: z.string().describe("Its SHA-256"),
  }),
  // Not read-only: it writes a new file.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  http: [{ method: "POST", path: "/api/v1/backup" }],
  cli: { command: "backup", positional: ["path"] },
  async run(ctx, input) {
    // SQLite writes the file natively, outside Deno's sandbox: check the permission set first.
    if ((await Deno.permissions.query({ name: "write", path: input.path })).state !== "granted") {
      throw new MemoryError(
        "unavailable",
        `Cannot write "${input.path}": the permission set allows only the data directory`,
      );
    }
    const exists = await Deno.lstat(input.path).then(() => true, () => false);
    if (exists) throw new MemoryError("conflict", `Cannot write "${input.path}": the file exists`);
    const { bytes } = await ctx.store.transfer.snapshot(input.path);
    return { path: input.path, bytes, sha256: sha256(await Deno.readFile(input.path)) };
  },
});
