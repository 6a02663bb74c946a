// Signed peer requests: the sender signs method, target, timestamp, nonce and body hash with its
// node key (ECDSA P-256/SHA-256); the receiver verifies with the key of the TLS client certificate.
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";

/** Header naming the sender's certificate fingerprint (64 hex digits). */
export const PEER_NODE_HEADER = "x-ai-memory-peer-node";
/** Header carrying the signing time, Unix milliseconds. */
export const PEER_TIMESTAMP_HEADER = "x-ai-memory-peer-timestamp";
/** Header carrying 16 random bytes as 32 hex digits, unique per request. */
export const PEER_NONCE_HEADER = "x-ai-memory-peer-nonce";
/** Header carrying the base64 ECDSA signature (r || s, 64 bytes). */
export const PEER_SIGNATURE_HEADER = "x-ai-memory-peer-signature";

const ALGORITHM = { name: "ECDSA", hash: "SHA-256" } as const;
const NONCE = /^[0-9a-f]{32}$/;
const TIMESTAMP = /^[0-9]{1,15}$/;

/** What one signature covers. */
export interface SignedParts {
  method: string;
  /** Path and query exactly as sent on the request line, e.g. `/api/v1/sync/changes?after=5`. */
  target: string;
  /** Fingerprint of the sender's certificate. */
  from: string;
  timestamp: number;
  nonce: string;
  body: Uint8Array;
}

function canonical(parts: SignedParts): Uint8Array<ArrayBuffer> {
  const bodyHash = createHash("sha256").update(parts.body).digest("hex");
  return new TextEncoder().encode(
    [
      "ai-memory-peer-v1",
      parts.method.toUpperCase(),
      parts.target,
      parts.from,
      parts.timestamp,
      parts.nonce,
      bodyHash,
    ].join("\n"),
  );
}

/** The signature headers of one request, signed now with a fresh nonce. */
export async function signPeerRequest(
  privateKey: CryptoKey,
  parts: Omit<SignedParts, "timestamp" | "nonce"> & { timestamp?: number; nonce?: string },
): Promise<Record<string, string>> {
  const timestamp = parts.timestamp ?? Date.now();
  const nonce = parts.nonce ?? Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex");
  const signature = await crypto.subtle.sign(
    ALGORITHM,
    privateKey,
    canonical({ ...parts, timestamp, nonce }),
  );
  return {
    [PEER_NODE_HEADER]: parts.from,
    [PEER_TIMESTAMP_HEADER]: String(timestamp),
    [PEER_NONCE_HEADER]: nonce,
    [PEER_SIGNATURE_HEADER]: Buffer.from(signature).toString("base64"),
  };
}

/**
 * Nonces seen within the signature window, per sender. Bounded: when full of live nonces it
 * refuses new requests rather than forget one (forgetting would let that request be replayed).
 */
export class NonceCache {
  readonly #seen = new Map<string, number>();
  readonly #max: number;

  constructor(options: { max?: number } = {}) {
    this.#max = options.max ?? 200_000;
  }

  /** Record a nonce valid until `expiresAt`; "replayed" when already seen, "full" when no room. */
  admit(key: string, options: { now: number; expiresAt: number }): "ok" | "replayed" | "full" {
    const known = this.#seen.get(key);
    if (known !== undefined && known >= options.now) return "replayed";
    if (this.#seen.size >= this.#max) this.#prune(options.now);
    if (this.#seen.size >= this.#max) return "full";
    this.#seen.set(key, options.expiresAt);
    return "ok";
  }

  #prune(now: number): void {
    for (const [key, expiresAt] of this.#seen) if (expiresAt < now) this.#seen.delete(key);
  }

  /** Entries currently held (expired ones included until the next prune). */
  get size(): number {
    return this.#seen.size;
  }
}

/** Why a request was refused; the reason goes into the 401's message. */
export type SignatureProblem =
  | "missing signature headers"
  | "malformed signature headers"
  | "sender does not match the TLS certificate"
  | "timestamp outside the allowed clock skew"
  | "replayed request"
  | "forged signature"
  | "replay cache full";

/**
 * Check a request's signature headers against the sender's TLS certificate and the replay window.
 * Returns null when the request is genuine and fresh (its nonce is then remembered), else why not.
 */
export async function verifyPeerRequest(
  request: {
    method: string;
    target: string;
    headers: Record<string, string | string[] | undefined>;
    body: Uint8Array;
  },
  options: {
    /** Fingerprint and public key of the certificate the client presented in the TLS handshake. */
    sender: { fingerprint: string; publicKey: CryptoKey };
    nonces: NonceCache;
    now: number;
    clockSkewMs: number;
  },
): Promise<SignatureProblem | null> {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === "string" ? value : undefined;
  };
  const from = header(PEER_NODE_HEADER);
  const timestampText = header(PEER_TIMESTAMP_HEADER);
  const nonce = header(PEER_NONCE_HEADER);
  const signatureText = header(PEER_SIGNATURE_HEADER);
  if (!from || !timestampText || !nonce || !signatureText) return "missing signature headers";
  if (!TIMESTAMP.test(timestampText) || !NONCE.test(nonce)) return "malformed signature headers";
  const signature = Buffer.from(signatureText, "base64");
  if (signature.length !== 64) return "malformed signature headers";
  if (from !== options.sender.fingerprint) return "sender does not match the TLS certificate";
  const timestamp = Number(timestampText);
  if (Math.abs(options.now - timestamp) > options.clockSkewMs) {
    return "timestamp outside the allowed clock skew";
  }
  const parts = { method: request.method, target: request.target, from, timestamp, nonce };
  const genuine = await crypto.subtle.verify(
    ALGORITHM,
    options.sender.publicKey,
    signature,
    canonical({ ...parts, body: request.body }),
  );
  if (!genuine) return "forged signature";
  // Only a genuine request takes a place in the cache, so forgeries cannot fill it; the nonce is
  // kept until the timestamp leaves the window, after which the timestamp check refuses it anyway.
  const admitted = options.nonces.admit(`${from}:${nonce}`, {
    now: options.now,
    expiresAt: timestamp + options.clockSkewMs,
  });
  if (admitted === "replayed") return "replayed request";
  if (admitted === "full") return "replay cache full";
  return null;
}
