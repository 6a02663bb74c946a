// Reading and writing export files: JSON Lines, sealed with the database key unless the operator
// asks for plaintext; never over an existing file.
import { createHash } from "node:crypto";
import { MemoryError } from "../core/errors.ts";
import { isSealed, seal, unseal } from "./sealed_file.ts";

function fsError(path: string, err: unknown): MemoryError {
  if (err instanceof Deno.errors.AlreadyExists) {
    return new MemoryError("conflict", `Cannot write "${path}": the file exists`);
  }
  if (err instanceof Deno.errors.NotFound) {
    return new MemoryError("not_found", `Cannot read "${path}": no such file`);
  }
  if (err instanceof Deno.errors.NotCapable) {
    return new MemoryError(
      "unavailable",
      `Cannot use "${path}": the permission set allows only the data directory`,
    );
  }
  return new MemoryError("unavailable", `Cannot use "${path}": ${(err as Error).message}`);
}

/** Write `text` to a new file, sealed when a passphrase is given; returns its size and sha256. */
export async function writeNewFile(
  path: string,
  text: string,
  options: { passphrase?: string | undefined },
): Promise<{ bytes: number; sha256: string; encrypted: boolean }> {
  const plain = new TextEncoder().encode(text);
  const body = options.passphrase ? seal(plain, options.passphrase) : plain;
  try {
    await Deno.writeFile(path, body, { createNew: true, mode: 0o600 });
  } catch (err) {
    throw fsError(path, err);
  }
  return { bytes: body.length, sha256: sha256(body), encrypted: Boolean(options.passphrase) };
}

/** Read an export file, unsealing it with the passphrase when it is sealed. */
export async function readExportText(
  path: string,
  options: { passphrase?: string | undefined },
): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw fsError(path, err);
  }
  if (isSealed(bytes)) {
    if (!options.passphrase) {
      throw new MemoryError(
        "invalid_input",
        `Invalid input: "${path}" is sealed; configure the database key to read it`,
      );
    }
    bytes = unseal(bytes, options.passphrase);
  }
  return new TextDecoder().decode(bytes);
}

/** Hex sha256 of bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
