// Who an HTTP request acts as: the agent of a valid API key (with its namespace grant), or, on a
// server with no keys that listens on loopback only, the X-Agent-Id header or the default agent.
import type { Grant } from "../../core/grant.ts";
import { forbidden, MemoryError } from "../../core/errors.ts";
import { verifyApiKey } from "../../safety/api_keys.ts";
import type { KeyStore } from "../../store/key_store.ts";

const AGENT_ID_REGEXP = /^[A-Za-z0-9_\-:@./]{1,128}$/;

/** The caller of one request. */
export interface Caller {
  actor: string;
  /** Present when the request carried a valid API key. */
  grant?: Grant;
  /** The key's id, for rate limiting and logs. */
  keyId?: string;
}

/** True for an address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The token of `Authorization: Bearer <token>` or `X-API-Key: <token>`, if either is present. */
function presentedToken(headers: Headers): string | undefined {
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) {
      throw new MemoryError("unauthorized", "Authorization header must be: Bearer <API key>", {
        details: { field: "Authorization" },
      });
    }
    return match[1];
  }
  return headers.get("x-api-key")?.trim() || undefined;
}

function agentHeader(headers: Headers): string | undefined {
  const header = headers.get("x-agent-id");
  if (header === null) return undefined;
  if (!AGENT_ID_REGEXP.test(header)) {
    throw new MemoryError(
      "invalid_input",
      "Invalid input: X-Agent-Id: must be 1-128 characters of A-Z a-z 0-9 _ - : @ . /",
      { details: { issues: [{ field: "X-Agent-Id", message: "must be 1-128 characters" }] } },
    );
  }
  return header;
}

/**
 * Resolve the caller of a request. A presented key must be valid; without one, the request is
 * accepted only while no key exists and the server listens on loopback.
 * @throws {MemoryError} unauthorized (401), forbidden when X-Agent-Id contradicts the key, invalid_input
 */
export async function authenticate(
  headers: Headers,
  options: { keys: KeyStore; loopback: boolean; defaultActor: string },
): Promise<Caller> {
  const token = presentedToken(headers);
  const claimed = agentHeader(headers);
  if (token !== undefined) {
    const key = await verifyApiKey(options.keys, token);
    if (!key) {
      throw new MemoryError("unauthorized", "The API key is not valid (unknown, revoked or malformed)");
    }
    if (claimed !== undefined && claimed !== key.agent_id) {
      throw forbidden(`X-Agent-Id: this API key acts as "${key.agent_id}", not "${claimed}"`, {
        field: "X-Agent-Id",
      });
    }
    return { actor: key.agent_id, grant: { read: key.read, write: key.write }, keyId: key.id };
  }
  if (!options.loopback || await options.keys.anyActive()) {
    throw new MemoryError(
      "unauthorized",
      "This server requires an API key: send Authorization: Bearer <key> (or X-API-Key: <key>)",
    );
  }
  return { actor: claimed ?? options.defaultActor };
}
