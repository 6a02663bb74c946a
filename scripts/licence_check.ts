// The licence policy check: every component of the SBOM must carry a licence expression that the
// allowlist (`sbom/licence-allowlist.json`, SPDX ids) satisfies; unknown licences fail.
/**
 * Usage: `deno run --allow-read=./sbom scripts/licence_check.ts [--sbom FILE] [--allowlist FILE]`
 *
 * Exit 0 when every top-level component's licence is allowed, 1 listing each offending component
 * and its licence, 2 on bad usage or an unreadable SBOM/allowlist. `OR` passes when either side is
 * allowed, `AND` only when both are, a `WITH` term must be listed whole ("X WITH Y"); ids compare
 * case-insensitively. A component with no licence, or with text that is not an SPDX expression
 * (e.g. "SEE LICENSE IN LICENSE.md"), fails. Dev-only (`scope: excluded`) packages are checked too:
 * they are shipped in node_modules all the same.
 * @module
 */
import { type Output, parseScriptArgs, STD_OUTPUT } from "./sbom/output.ts";
import { disallowedTerms, parseSpdxExpression } from "./sbom/spdx.ts";

/** Default paths, relative to the project root. */
export const DEFAULTS = {
  sbom: "sbom/ai-memory.cdx.json",
  allowlist: "sbom/licence-allowlist.json",
} as const;

/** One component whose licence is not allowed. */
export interface LicenceFinding {
  /** The component's purl (or bom-ref when it has none). */
  component: string;
  /** The licence as the SBOM states it; undefined when it states none. */
  licence: string | undefined;
  /** Why it fails, e.g. `not allowed: GPL-3.0-only`. */
  problem: string;
}

/** The outcome of checking one SBOM. */
export interface LicenceReport {
  /** How many components were checked. */
  checked: number;
  /** Components per licence text as stated ("(unknown)" when none), sorted by text. */
  licences: [string, number][];
  findings: LicenceFinding[];
}

const USAGE = `Usage: scripts/licence_check.ts [--sbom FILE] [--allowlist FILE]
Fails (exit 1) when a component's licence is unknown or outside the allowlist of SPDX ids.
  --sbom FILE       CycloneDX JSON (default ${DEFAULTS.sbom})
  --allowlist FILE  JSON list of SPDX ids (default ${DEFAULTS.allowlist})
`;

/**
 * Parse an allowlist: a JSON list of SPDX ids (or "X WITH Y" terms).
 * @returns the allowed terms, lower-cased
 * @throws {TypeError} when it is not a list of single licence terms
 */
export function parseAllowlist(text: string): Set<string> {
  const list: unknown = JSON.parse(text);
  if (!Array.isArray(list)) throw new TypeError("Licence allowlist must be a JSON list of SPDX ids");
  const allowed = new Set<string>();
  for (const entry of list) {
    if (typeof entry !== "string") {
      throw new TypeError(`Licence allowlist entry ${JSON.stringify(entry)} is not a string`);
    }
    let parsed;
    try {
      parsed = parseSpdxExpression(entry);
    } catch {
      throw new TypeError(`Licence allowlist entry "${entry}" is not an SPDX id`);
    }
    if (parsed.kind !== "licence") {
      throw new TypeError(`Licence allowlist entry "${entry}" is an expression; list single SPDX ids`);
    }
    allowed.add(entry.toLowerCase());
  }
  return allowed;
}

interface LicenceChoice {
  license?: { id?: unknown; name?: unknown };
  expression?: unknown;
}

/** The licence text of a component's `licenses`; several entries are taken as all applying (AND). */
function statedLicence(licenses: unknown): string | undefined {
  if (!Array.isArray(licenses)) return undefined;
  const texts: string[] = [];
  for (const choice of licenses as LicenceChoice[]) {
    const text = typeof choice?.expression === "string"
      ? choice.expression
      : typeof choice?.license?.id === "string"
      ? choice.license.id
      : typeof choice?.license?.name === "string"
      ? choice.license.name
      : undefined;
    if (text !== undefined && text.trim() !== "") texts.push(text.trim());
  }
  if (texts.length <= 1) return texts[0];
  return texts.map((t) => `(${t})`).join(" AND ");
}

/**
 * Check every top-level component of a CycloneDX BOM against the allowlist.
 * @param allowed lower-cased SPDX terms, as `parseAllowlist` returns
 * @throws {TypeError} when `bom` has no `components` list
 */
export function checkLicences(bom: unknown, allowed: ReadonlySet<string>): LicenceReport {
  const components = (bom as { components?: unknown })?.components;
  if (!Array.isArray(components)) throw new TypeError('The SBOM has no "components" list');
  const findings: LicenceFinding[] = [];
  const counts = new Map<string, number>();
  for (const component of components as Record<string, unknown>[]) {
    const id = typeof component?.purl === "string"
      ? component.purl
      : String(component?.["bom-ref"] ?? component?.name ?? "(unnamed component)");
    const licence = statedLicence(component?.licenses);
    counts.set(licence ?? "(unknown)", (counts.get(licence ?? "(unknown)") ?? 0) + 1);
    if (licence === undefined) {
      findings.push({ component: id, licence, problem: "no licence declared" });
      continue;
    }
    let expression;
    try {
      expression = parseSpdxExpression(licence);
    } catch {
      findings.push({ component: id, licence, problem: "not an SPDX licence expression" });
      continue;
    }
    const missing = disallowedTerms(expression, allowed);
    if (missing.length > 0) {
      findings.push({ component: id, licence, problem: `not allowed: ${missing.join(", ")}` });
    }
  }
  const licences = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { checked: components.length, licences, findings };
}

/**
 * Run the command line.
 * @returns the exit code: 0 all allowed, 1 some not allowed, 2 bad usage or unreadable input
 */
export async function main(args: string[], output: Output = STD_OUTPUT): Promise<number> {
  const values = parseScriptArgs(args, {
    defaults: { sbom: DEFAULTS.sbom, allowlist: DEFAULTS.allowlist },
    usage: USAGE,
    output,
  });
  if (typeof values === "number") return values;
  let report: LicenceReport;
  try {
    const allowed = parseAllowlist(await Deno.readTextFile(values.allowlist));
    report = checkLicences(JSON.parse(await Deno.readTextFile(values.sbom)), allowed);
  } catch (error) {
    output.err(`Licence check not run: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const summary = report.licences.map(([text, n]) => `${text} ${n}`).join(", ");
  if (report.findings.length === 0) {
    output.out(`Licence check passed: ${report.checked} components (${summary})\n`);
    return 0;
  }
  const lines = report.findings.map((f) =>
    `  ${f.component}  ${f.licence ?? "(no licence)"}  ${f.problem}\n`
  );
  output.err(
    `Licence check failed: ${report.findings.length} of ${report.checked} components are not allowed by ` +
      `${values.allowlist}:\n${lines.join("")}`,
  );
  return 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
