// Subresource-integrity strings (npm lockfile `integrity`, e.g. "sha512-<base64>") turned into
// CycloneDX `hashes` entries with hex-encoded content.

/** A CycloneDX hash. */
export interface CdxHash {
  alg: "SHA-1" | "SHA-256" | "SHA-384" | "SHA-512";
  content: string;
}

const DIGEST_BYTES: Record<CdxHash["alg"], number> = {
  "SHA-1": 20,
  "SHA-256": 32,
  "SHA-384": 48,
  "SHA-512": 64,
};

const ALGORITHMS: Record<string, CdxHash["alg"]> = {
  sha1: "SHA-1",
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
};

function base64ToHex(base64: string): string {
  const binary = atob(base64);
  let hex = "";
  for (let i = 0; i < binary.length; i++) hex += binary.charCodeAt(i).toString(16).padStart(2, "0");
  return hex;
}

/**
 * The hashes an SRI string carries, one per entry (an SRI string may hold several, space-separated),
 * sorted by algorithm then content.
 * @throws {SyntaxError} on an unknown algorithm or malformed base64, naming the entry
 */
export function integrityToHashes(integrity: string): CdxHash[] {
  const hashes: CdxHash[] = [];
  for (const entry of integrity.trim().split(/\s+/)) {
    const dash = entry.indexOf("-");
    const alg = ALGORITHMS[entry.slice(0, dash).toLowerCase()];
    const digest = entry.slice(dash + 1).split("?")[0] ?? "";
    if (dash < 0 || alg === undefined) throw new SyntaxError(`Cannot read integrity entry "${entry}"`);
    let content: string;
    try {
      content = base64ToHex(digest);
    } catch {
      throw new SyntaxError(`Cannot decode the base64 digest of integrity entry "${entry}"`);
    }
    if (content.length !== DIGEST_BYTES[alg] * 2) {
      throw new SyntaxError(`Integrity entry "${entry}" has the wrong length for ${alg}`);
    }
    if (!hashes.some((h) => h.alg === alg && h.content === content)) hashes.push({ alg, content });
  }
  return hashes.sort((a, b) => compareStrings(a.alg, b.alg) || compareStrings(a.content, b.content));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
