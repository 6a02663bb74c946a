// The server's check of its own sandbox at start: it refuses to run with broader network or
// file access than its configuration needs, unless the operator overrides it explicitly.
import type { Config } from "../core/config.ts";
import { MemoryError } from "../core/errors.ts";

/** Permissions that must never be granted without a scope. */
const UNSCOPED: readonly Deno.PermissionDescriptor[] = [
  { name: "net" },
  { name: "read" },
  { name: "write" },
  { name: "run" },
  { name: "ffi" },
  { name: "env" },
  { name: "sys" },
];

/** Names of the permissions granted without any scope (e.g. a bare `--allow-net`). */
export async function broadPermissions(): Promise<string[]> {
  const broad: string[] = [];
  for (const descriptor of UNSCOPED) {
    const status = await Deno.permissions.query(descriptor);
    if (status.state === "granted") broad.push(descriptor.name);
  }
  return broad;
}

/**
 * Refuse to serve with unscoped permissions; with `allowBroad`, warn instead.
 * @throws {MemoryError} unavailable naming each broad permission
 */
export async function auditPermissions(
  config: Config,
  options: { allowBroad: boolean; warn: (msg: string, fields: Record<string, unknown>) => void },
): Promise<void> {
  const broad = await broadPermissions();
  if (broad.length === 0) return;
  if (options.allowBroad) {
    options.warn("running with broad permissions by operator override", { broad, db: config.db });
    return;
  }
  throw new MemoryError(
    "unavailable",
    `Refusing to run with unrestricted ${broad.join(", ")} access; grant only what the configuration ` +
      "needs (see `ai-memory permissions`) or pass --allow-broad-permissions to override",
    { details: { broad } },
  );
}
