// `federation init` and `federation fingerprint`: a node's key and certificate written to a
// directory (key mode 0600, never overwritten), and the fingerprint an operator gives to peers.
import { join } from "node:path";
import { MemoryError } from "../core/errors.ts";
import { certFingerprint, createNodeIdentity } from "./node_identity.ts";

/** File names inside the identity directory. */
export const KEY_FILE = "node.key";
export const CERT_FILE = "node.crt";

function readInput(path: string, field: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    const reason = err instanceof Deno.errors.NotCapable
      ? "this process's permission set does not allow reading it (run through the launcher)"
      : err instanceof Deno.errors.NotFound
      ? "no such file"
      : (err as Error).name;
    throw new MemoryError("invalid_input", `Invalid input: ${field}: cannot read "${path}" (${reason})`);
  }
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    const reason = err instanceof Deno.errors.NotCapable
      ? "this process's permission set does not allow it (run through the launcher: deno task cli)"
      : (err as Error).message;
    throw new MemoryError("invalid_input", `Invalid input: dir: cannot check "${path}" (${reason})`);
  }
}

/**
 * Create `dir`/node.key (mode 0600) and `dir`/node.crt; refuses when either exists.
 * @throws {MemoryError} invalid_input naming the existing file or the bad option
 */
export async function initNodeIdentity(
  dir: string,
  options: { commonName: string; san: string[]; days: number; caCert?: string; caKey?: string },
): Promise<{ key: string; cert: string; fingerprint: string; snippet: Record<string, unknown> }> {
  if ((options.caCert === undefined) !== (options.caKey === undefined)) {
    throw new MemoryError("invalid_input", "Invalid input: ca-cert, ca-key: give both or neither");
  }
  const keyPath = join(dir, KEY_FILE);
  const certPath = join(dir, CERT_FILE);
  for (const path of [keyPath, certPath]) {
    if (exists(path)) {
      throw new MemoryError(
        "invalid_input",
        `Invalid input: dir: "${path}" already exists; it is never overwritten (move it away to replace it)`,
      );
    }
  }
  const ca = options.caCert !== undefined && options.caKey !== undefined
    ? { certPem: readInput(options.caCert, "ca-cert"), keyPem: readInput(options.caKey, "ca-key") }
    : undefined;
  const identity = await createNodeIdentity({
    commonName: options.commonName,
    san: options.san,
    days: options.days,
    ...(ca ? { ca } : {}),
  });
  try {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // createNew: a file appearing since the check above is not overwritten either.
    Deno.writeTextFileSync(keyPath, identity.keyPem, { createNew: true, mode: 0o600 });
    Deno.chmodSync(keyPath, 0o600); // the umask may have narrowed it further, never widened it
    Deno.writeTextFileSync(certPath, identity.certPem, { createNew: true, mode: 0o644 });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) {
      throw new MemoryError("invalid_input", `Invalid input: dir: a file in "${dir}" appeared meanwhile`);
    }
    const reason = err instanceof Deno.errors.NotCapable
      ? "this process's permission set does not allow writing there (run through the launcher)"
      : (err as Error).message;
    throw new MemoryError("invalid_input", `Invalid input: dir: cannot write to "${dir}" (${reason})`);
  }
  return {
    key: keyPath,
    cert: certPath,
    fingerprint: identity.fingerprint,
    snippet: {
      federation: {
        cert: certPath,
        key: keyPath,
        ...(options.caCert ? { ca: options.caCert } : {}),
        listen: { host: "127.0.0.1", port: 9078 },
        peers: [],
        quorum: 1,
      },
    },
  };
}

/**
 * The SHA-256 fingerprint of a certificate file.
 * @throws {MemoryError} invalid_input when it cannot be read or holds no certificate
 */
export function fingerprintOfFile(path: string): string {
  try {
    return certFingerprint(readInput(path, "cert"));
  } catch (err) {
    if (err instanceof MemoryError && err.message.includes("certificate: not")) {
      throw new MemoryError("invalid_input", `Invalid input: cert: "${path}" is not a PEM X.509 certificate`);
    }
    throw err;
  }
}
