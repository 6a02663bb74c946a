// The `federation` section of the configuration: this node's identity files, where it listens for
// peers, the allowlisted peers (URL + certificate fingerprint) and the replication timings. Pure.
import { z } from "zod";

const FINGERPRINT_HEX = /^[0-9a-f]{64}$/;

/**
 * A SHA-256 certificate fingerprint as 64 lower-case hex digits, from any of the usual spellings
 * (`AA:BB:..`, `aabb..`, either case); null when it is not one.
 */
export function normaliseFingerprint(text: string): string | null {
  const hex = text.trim().replaceAll(":", "").toLowerCase();
  return FINGERPRINT_HEX.test(hex) ? hex : null;
}

const fingerprintSchema = z.string().transform((text, ctx) => {
  const hex = normaliseFingerprint(text);
  if (hex === null) {
    ctx.addIssue({
      code: "custom",
      message: "must be a SHA-256 fingerprint: 64 hex digits, with or without ':' separators",
    });
    return z.NEVER;
  }
  return hex;
});

/** One trusted peer: where to reach it and the certificate it must present. */
export const federationPeerSchema = z.object({
  url: z.url({ protocol: /^https$/, error: "must be an https URL, e.g. https://node2.example:9078" })
    .refine((u) => {
      const parsed = new URL(u);
      return (parsed.pathname === "/" || parsed.pathname === "") && !parsed.search && !parsed.hash &&
        !parsed.username && !parsed.password;
    }, { error: "must be https://host:port with no path, query, credentials or fragment" })
    .transform((u) => new URL(u).origin)
    .describe("The peer's federation endpoint, https://host:port (its federation.listen)"),
  fingerprint: fingerprintSchema.describe(
    "SHA-256 fingerprint of the peer's certificate (`ai-memory federation fingerprint`); 64 hex digits, " +
      "':' separators and case ignored. Its TLS handshake is refused unless it presents this certificate",
  ),
  nextFingerprint: fingerprintSchema.optional().describe(
    "During a certificate rotation: the fingerprint of the peer's new certificate, accepted as well " +
      "as `fingerprint` until the peer has switched (docs/federation.md, rotation); optional",
  ),
}).strict();

/** This node's part in a federation of trusted nodes (docs/federation.md). */
export const federationConfigSchema = z.object({
  cert: z.string().min(1).describe(
    "PEM certificate of this node (`ai-memory federation init` writes node.crt)",
  ),
  key: z.string().min(1).describe(
    "PEM PKCS#8 private key file of this node (node.key, mode 0600); the path is shown, the content never",
  ),
  ca: z.string().min(1).optional().describe(
    "PEM certificate of the site CA; when set, peers' certificates must also chain to it (optional)",
  ),
  listen: z.object({
    host: z.string().min(1).default("127.0.0.1").describe("Address the peer endpoint binds to"),
    port: z.number().int().min(0).max(65535).default(9078).describe(
      "Port of the peer endpoint (0 = ephemeral)",
    ),
  }).strict().default({ host: "127.0.0.1", port: 9078 }).describe(
    "Where this node accepts peers' mutual TLS",
  ),
  peers: z.array(federationPeerSchema).max(64).default([])
    .describe("The allowlisted peers; any other certificate is refused at the TLS handshake"),
  quorum: z.number().int().min(1).default(1).describe(
    "W: nodes (this one included) that must hold a write before it is acknowledged; at most 1 + peers",
  ),
  timeoutMs: z.number().int().min(50).max(600_000).default(2000)
    .describe("How long one peer request may take before the peer counts as unavailable"),
  retryBackoffMs: z.number().int().min(10).max(3_600_000).default(250)
    .describe("Delay before retrying a failed peer request; doubled for each further retry"),
  catchupIntervalMs: z.number().int().min(100).max(86_400_000).default(30_000)
    .describe("How often this node pulls peers' changes it has not seen"),
  antiEntropyIntervalMs: z.number().int().min(100).max(86_400_000).default(60_000)
    .describe("How often this node compares its data with each peer's to repair divergence"),
  pageSize: z.number().int().min(1).max(10_000).default(500)
    .describe("Changes per page of a catch-up or anti-entropy exchange"),
  clockSkewMs: z.number().int().min(1000).max(600_000).default(30_000).describe(
    "Signed peer requests older or newer than this are refused; a nonce is remembered this long",
  ),
}).strict().superRefine((fed, ctx) => {
  const urls = new Map<string, number>();
  const fingerprints = new Map<string, number>();
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  fed.peers.forEach((peer, i) => {
    const sameUrl = urls.get(peer.url);
    if (sameUrl === undefined) urls.set(peer.url, i);
    else issue(["peers", i, "url"], `duplicates peers.${sameUrl}.url; each peer must be listed once`);
    // A certificate belongs to one peer, whether as its current or its next one.
    for (const field of ["fingerprint", "nextFingerprint"] as const) {
      const value = peer[field];
      if (value === undefined) continue;
      const owner = fingerprints.get(value);
      if (owner === undefined) fingerprints.set(value, i);
      else {issue(
          ["peers", i, field],
          `duplicates a fingerprint of peers.${owner}; each peer must be listed once`,
        );}
    }
  });
  const limit = 1 + fed.peers.length;
  if (fed.quorum > limit) {
    ctx.addIssue({
      code: "custom",
      path: ["quorum"],
      message: `must be at most ${limit} (this node + ${fed.peers.length} peers)`,
    });
  }
});

/** The validated federation section. */
export type FederationConfig = z.infer<typeof federationConfigSchema>;
/** One allowlisted peer, fingerprint normalised to 64 lower-case hex digits. */
export type PeerConfig = z.infer<typeof federationPeerSchema>;
