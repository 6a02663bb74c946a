// Generates the CycloneDX 1.6 SBOM (`sbom/ai-memory.cdx.json`) from package-lock.json, the Deno
// runtime it pins and the operator's model manifest; the command line and the file I/O live here.
/**
 * Usage: `deno run --allow-read=./package-lock.json,./node_modules,./models --allow-write=./sbom
 * scripts/sbom.ts [--lock FILE] [--models FILE] [--out FILE]`
 *
 * Conventions of the SBOM it writes (also stated in the SBOM's metadata properties):
 * - one component per npm name@version (a package installed at several lockfile paths appears once,
 *   with one `cdx:npm:package:path` property per path); purl `pkg:npm/...`, scope `@` as `%40`;
 * - `hashes` from the lockfile `integrity` (the registry tarball's digest), hex-encoded;
 * - licence from the lockfile `license`, else from `node_modules/<pkg>/package.json`; when neither
 *   declares one the component has no `licenses` and `ai-memory:licence:source=unknown`;
 * - `scope`: `excluded` for packages only reachable through devDependencies (plus
 *   `cdx:npm:package:development=true`), `optional` for optionalDependencies only, else `required`;
 * - the Deno runtime as a `platform` component (`pkg:github/denoland/deno@v<version>`) depending on
 *   the npm `deno` package and its platform binary packages;
 * - each model of the manifest as a `machine-learning-model` with the SHA-256 of each file;
 * - no timestamp; the serialNumber is derived from the content; components sorted by purl.
 * @module
 */
import { dirname, join } from "node:path";
import { VERSION } from "../src/version.ts";
import { assembleBom, serializeBom } from "./sbom/cyclonedx.ts";
import type { PackageLicence } from "./sbom/cyclonedx.ts";
import { licenceText } from "./sbom/licence.ts";
import { parseModelManifest, verifyModelFiles } from "../src/models/manifest.ts";
import { parseNpmLockfile } from "./sbom/npm_lockfile.ts";
import type { NpmLockfile } from "./sbom/npm_lockfile.ts";
import { type Output, parseScriptArgs, STD_OUTPUT } from "./sbom/output.ts";

/** Input files of the SBOM. */
export interface SbomOptions {
  /** The npm lockfile; `node_modules` is looked up beside it. */
  lock: string;
  /** The model manifest; model folders are looked up beside it. */
  models: string;
}

/** The SBOM text and notes for the operator. */
export interface SbomResult {
  text: string;
  notes: string[];
}

/** Default paths, relative to the project root (where `deno task` runs). */
export const DEFAULTS = {
  lock: "package-lock.json",
  models: "models/manifest.json",
  out: "sbom/ai-memory.cdx.json",
} as const;

const USAGE = `Usage: scripts/sbom.ts [--lock FILE] [--models FILE] [--out FILE]
Writes a CycloneDX 1.6 SBOM of every npm package in the lockfile, the Deno runtime and the models.
  --lock FILE    npm lockfile (default ${DEFAULTS.lock}); node_modules is read beside it
  --models FILE  model manifest (default ${DEFAULTS.models})
  --out FILE     where to write the SBOM (default ${DEFAULTS.out}); "-" for stdout
`;

async function packageJsonLicence(root: string, path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(root, path, "package.json"));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const manifest = JSON.parse(text) as { license?: unknown; licenses?: unknown };
  return licenceText(manifest.license, manifest.licenses);
}

async function resolveLicences(lock: NpmLockfile, root: string): Promise<Map<string, PackageLicence>> {
  const licences = new Map<string, PackageLicence>();
  for (const pkg of lock.packages.values()) {
    const fromLock = licenceText(pkg.license);
    if (fromLock !== undefined) {
      licences.set(pkg.path, { text: fromLock, source: "lockfile" });
      continue;
    }
    const fromPackage = await packageJsonLicence(root, pkg.path);
    licences.set(
      pkg.path,
      fromPackage === undefined ? { text: undefined, source: "unknown" } : {
        text: fromPackage,
        source: "package.json",
      },
    );
  }
  return licences;
}

/**
 * Build the SBOM text from the lockfile and the model manifest. Model files that are present are
 * checked against the manifest's SHA-256; absent ones are reported in `notes`.
 * @throws {Error} on an unreadable lockfile or manifest, or a model file whose SHA-256 differs
 */
export async function generateSbom(options: SbomOptions): Promise<SbomResult> {
  const lock = parseNpmLockfile(await Deno.readTextFile(options.lock));
  const licences = await resolveLicences(lock, dirname(options.lock));
  const models = parseModelManifest(await Deno.readTextFile(options.models));
  const modelsDir = dirname(options.models);
  const notes: string[] = [];
  for (const model of models) notes.push(...await verifyModelFiles(modelsDir, model));
  if (lock.rootVersion !== "" && lock.rootVersion !== VERSION) {
    notes.push(
      `the lockfile says version ${lock.rootVersion}, src/version.ts says ${VERSION}; the SBOM uses the latter`,
    );
  }
  const assembled = assembleBom({
    lock,
    licences,
    models,
    modelsDir: modelsDir === "." ? "" : modelsDir,
    product: {
      name: "ai-memory",
      version: VERSION,
      licence: "Apache-2.0",
      description: "Sovereign long-term memory server for AI agents (MCP, HTTP, CLI) on Deno",
    },
  });
  return { text: serializeBom(assembled.body), notes: [...notes, ...assembled.notes] };
}

/**
 * Run the command line: write the SBOM and print notes on stderr.
 * @returns the exit code: 0 written, 1 failed, 2 bad usage
 */
export async function main(args: string[], output: Output = STD_OUTPUT): Promise<number> {
  const values = parseScriptArgs(args, {
    defaults: { lock: DEFAULTS.lock, models: DEFAULTS.models, out: DEFAULTS.out },
    usage: USAGE,
    output,
  });
  if (typeof values === "number") return values;
  try {
    const result = await generateSbom({ lock: values.lock, models: values.models });
    for (const note of result.notes) output.err(`note: ${note}\n`);
    if (values.out === "-") {
      output.out(result.text);
    } else {
      await Deno.mkdir(dirname(values.out), { recursive: true });
      await Deno.writeTextFile(values.out, result.text);
      const count = (JSON.parse(result.text) as { components: unknown[] }).components.length;
      output.err(`Wrote ${values.out}: ${count} components\n`);
    }
    return 0;
  } catch (error) {
    output.err(`SBOM not written: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
