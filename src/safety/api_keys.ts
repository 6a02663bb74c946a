// API keys for the HTTP surface: minting (the secret is returned once, only its SHA-256 is
// stored), checking a presented token in constant time, and revoking.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../core/clock.ts";
import { invalidInput } from "../core/errors.ts";
import { agentIdSchema } from "../core/fields.ts";
import { parsePatterns } from "../core/grant.ts";
import type { ApiKey, KeyStore } from "../store/key_store.ts";

// `aim_<16 hex id>_<43 base64url chars = 256 random bits>`: the id finds the row, the secret proves it.
const TOKEN_REGEXP = /^aim_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const LABEL_MAX_CHARS = 200;

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** A new key as the operator sees it once: the listing fields and the token to hand to the agent. */
export interface MintedKey {
  key: ApiKey;
  token: string;
}

/**
 * Create a key acting as `agent` with read and write namespace patterns (see core/grant.ts).
 * @throws {MemoryError} invalid_input naming agent, read, write or label
 */
export async function createApiKey(
  keys: KeyStore,
  request: {
    agent?: string | undefined;
    read?: string | undefined;
    write?: string | undefined;
    label?: string | undefined;
  },
  options: { clock: Clock },
): Promise<MintedKey> {
  const issues = [];
  if (request.agent === undefined || !agentIdSchema.safeParse(request.agent).success) {
    issues.push({ field: "agent", message: "must be 1-128 characters of A-Z a-z 0-9 _ - : @ . /" });
  }
  if (request.label !== undefined && request.label.length > LABEL_MAX_CHARS) {
    issues.push({ field: "label", message: `must be at most ${LABEL_MAX_CHARS} characters` });
  }
  if (issues.length > 0) throw invalidInput(issues);
  const read = parsePatterns(request.read ?? "", "read");
  const write = parsePatterns(request.write ?? "", "write");
  if (read.length === 0 && write.length === 0) {
    throw invalidInput([{ field: "read", message: "give --read and/or --write namespace patterns" }]);
  }
  const id = randomBytes(8).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  const key = await keys.create({
    id,
    agent_id: request.agent!,
    read,
    write,
    label: request.label ?? null,
    created_at: options.clock.now().toISOString(),
  }, { secretSha256: sha256(secret).toString("hex") });
  return { key, token: `aim_${id}_${secret}` };
}

/** The unrevoked key a token belongs to, or null for anything else (malformed, unknown, revoked, wrong). */
export async function verifyApiKey(keys: KeyStore, token: string): Promise<ApiKey | null> {
  const match = TOKEN_REGEXP.exec(token);
  if (!match) return null;
  const found = await keys.active(match[1]!);
  const presented = sha256(match[2]!);
  // Compare even when the id is unknown, so timing does not tell a known id from an unknown one.
  const stored = found ? Buffer.from(found.secretSha256, "hex") : Buffer.alloc(presented.length);
  const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
  return found && equal ? found.key : null;
}

/**
 * Revoke a key by its id. @throws {MemoryError} invalid_input for a malformed id; not_found
 */
export async function revokeApiKey(keys: KeyStore, id: string, options: { clock: Clock }): Promise<ApiKey> {
  if (!/^[0-9a-f]{16}$/.test(id)) {
    // A whole token pasted by mistake still names its key.
    const fromToken = TOKEN_REGEXP.exec(id)?.[1];
    if (!fromToken) throw invalidInput([{ field: "id", message: "must be a key id (16 hex characters)" }]);
    id = fromToken;
  }
  return await keys.revoke(id, { now: options.clock.now().toISOString() });
}
