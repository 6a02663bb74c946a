// A package's declared licence: the text from an npm `license` field (modern string or legacy
// object/array forms), and its CycloneDX `licenses` form (SPDX id, SPDX expression, or a name).
import { KNOWN_SPDX_IDS, parseSpdxExpression } from "./spdx.ts";

/** One CycloneDX licence choice. */
export type CdxLicenceChoice =
  | { license: { id: string } }
  | { license: { name: string } }
  | { expression: string };

/** npm and SPDX words that look like ids but name no licence. */
const NOT_LICENCES = new Set(["UNLICENSED", "UNKNOWN", "NOASSERTION", "NONE"]);

function typeOf(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() || undefined;
  if (typeof value === "object" && value !== null && "type" in value && typeof value.type === "string") {
    return value.type.trim() || undefined;
  }
  return undefined;
}

/**
 * The licence text of a `license` value as npm writes it: a string (normally an SPDX expression),
 * or the legacy `{ "type": "MIT" }`. The legacy `licenses` array of several entries becomes an
 * `OR` of them (the npm documentation's dual-licence form). Undefined when nothing is declared.
 */
export function licenceText(license: unknown, legacyLicenses?: unknown): string | undefined {
  const direct = typeOf(license);
  if (direct !== undefined) return direct;
  if (!Array.isArray(legacyLicenses)) return undefined;
  const types = legacyLicenses.map(typeOf).filter((t): t is string => t !== undefined);
  if (types.length <= 1) return types[0];
  return `(${types.join(" OR ")})`;
}

/**
 * The CycloneDX `licenses` array for a licence text: `license.id` for a single well-known SPDX id,
 * `expression` for any other SPDX expression, `license.name` for text that is not SPDX (e.g.
 * "SEE LICENSE IN LICENSE.md", "UNLICENSED", "NOASSERTION"); the licence check treats the last as not allowed.
 */
export function cdxLicences(text: string): CdxLicenceChoice[] {
  if (NOT_LICENCES.has(text.toUpperCase())) return [{ license: { name: text } }];
  let single: string | undefined;
  try {
    const parsed = parseSpdxExpression(text);
    if (parsed.kind === "licence" && parsed.exception === undefined) single = parsed.id;
  } catch {
    return [{ license: { name: text } }];
  }
  if (single !== undefined && KNOWN_SPDX_IDS.has(single)) return [{ license: { id: single } }];
  return [{ expression: text }];
}
