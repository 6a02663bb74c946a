// Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" with the SHA-256 of the subscription's
// secret as key (the reference's scheme, so its receivers verify ours), and the receiver's check.
import { Buffer } from "node:buffer";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** Header carrying the Unix time (seconds) the delivery was signed at. */
export const TIMESTAMP_HEADER = "x-ai-memory-timestamp";
/** Header carrying `sha256=<hex>`. */
export const SIGNATURE_HEADER = "x-ai-memory-signature";
/** Header carrying the event name. */
export const EVENT_HEADER = "x-ai-memory-event";
/** Header carrying the delivery's audit sequence number (the same on every retry: deduplicate on it). */
export const DELIVERY_HEADER = "x-ai-memory-delivery";

/** SHA-256 hex of a secret: what the database keeps, and the HMAC key. */
export function secretHash(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** `sha256=<hex>` of the HMAC of "<timestamp>.<body>" keyed with the hex-decoded secret hash. */
export function signBody(secretHashHex: string, options: { timestamp: number; body: string }): string {
  const mac = createHmac("sha256", Buffer.from(secretHashHex, "hex"))
    .update(`${options.timestamp}.${options.body}`)
    .digest("hex");
  return `sha256=${mac}`;
}

/**
 * A receiver's check: the signature matches and the timestamp is within `toleranceSecs` of `nowSecs`
 * (stale or future deliveries are replays). Returns why it fails, or null when it is genuine.
 */
export function verifySignature(
  secret: string,
  delivery: { timestamp: string | null; signature: string | null; body: string },
  options: { nowSecs: number; toleranceSecs?: number },
): string | null {
  const timestamp = Number(delivery.timestamp);
  if (!delivery.timestamp || !Number.isInteger(timestamp)) return "missing or malformed timestamp";
  if (Math.abs(options.nowSecs - timestamp) > (options.toleranceSecs ?? 300)) return "stale timestamp";
  if (!delivery.signature) return "missing signature";
  const expected = Buffer.from(signBody(secretHash(secret), { timestamp, body: delivery.body }));
  const given = Buffer.from(delivery.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "signature mismatch";
  return null;
}
