// The CycloneDX 1.6 document: its types, assembling it from the lockfile, the model manifest and the
// product, and writing it deterministically (sorted, no timestamp, serialNumber derived from content).
import { createHash } from "node:crypto";
import type { CdxHash } from "./integrity.ts";
import { integrityToHashes } from "./integrity.ts";
import { cdxLicences } from "./licence.ts";
import type { CdxLicenceChoice } from "./licence.ts";
import type { ManifestModel } from "../../src/models/manifest.ts";
import type { LockPackage, NpmLockfile } from "./npm_lockfile.ts";
import { resolveDependency } from "./npm_lockfile.ts";
import { genericPurl, npmPurl } from "./purl.ts";

/** A CycloneDX property (name/value pair). */
export interface CdxProperty {
  name: string;
  value: string;
}

/** A CycloneDX component, with the fields this SBOM uses. */
export interface CdxComponent {
  type: "application" | "library" | "platform" | "machine-learning-model" | "file";
  "bom-ref": string;
  group?: string;
  name: string;
  version?: string;
  description?: string;
  scope?: "required" | "optional" | "excluded";
  hashes?: CdxHash[];
  licenses?: CdxLicenceChoice[];
  purl?: string;
  externalReferences?: { type: "vcs" | "distribution"; url: string }[];
  properties?: CdxProperty[];
  components?: CdxComponent[];
}

/** A CycloneDX dependency-graph node. */
export interface CdxDependency {
  ref: string;
  dependsOn: string[];
}

/** A CycloneDX 1.6 BOM as this project writes it. */
export interface CdxBom {
  bomFormat: "CycloneDX";
  specVersion: "1.6";
  serialNumber: string;
  version: 1;
  metadata: {
    tools: { components: CdxComponent[] };
    component: CdxComponent;
    properties: CdxProperty[];
  };
  components: CdxComponent[];
  dependencies: CdxDependency[];
}

/** Where a package's licence came from. */
export type LicenceSource = "lockfile" | "package.json" | "unknown";

/** A package's licence text (undefined when unknown) and where it came from. */
export interface PackageLicence {
  text: string | undefined;
  source: LicenceSource;
}

/** Everything the BOM is built from. */
export interface BomInputs {
  lock: NpmLockfile;
  /** The licence of each lockfile package, by lockfile key. */
  licences: ReadonlyMap<string, PackageLicence>;
  models: ManifestModel[];
  /** The model folder path as the SBOM reports it, e.g. `models`. */
  modelsDir: string;
  product: { name: string; version: string; licence: string; description: string };
}

/** Property names; `cdx:npm:*` are from the CycloneDX property taxonomy, `ai-memory:*` are ours. */
export const PROPERTY = {
  npmPath: "cdx:npm:package:path",
  npmDevelopment: "cdx:npm:package:development",
  npmBundled: "cdx:npm:package:bundled",
  licenceSource: "ai-memory:licence:source",
  denoNpmPackage: "ai-memory:deno:npm-package",
  denoBinaryPackage: "ai-memory:deno:binary-package",
  modelPath: "ai-memory:model:path",
  scopeConvention: "ai-memory:sbom:scope-convention",
} as const;

const SCOPE_CONVENTION = "scope is taken from the npm lockfile: excluded = devDependencies only " +
  `(also marked ${PROPERTY.npmDevelopment}=true), optional = optionalDependencies only, required = the rest`;

/** RFC 4122 URL namespace, used to derive the serialNumber as a name-based (v5) UUID. */
const UUID_NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortProperties(properties: CdxProperty[]): CdxProperty[] {
  return properties.sort((a, b) => compare(a.name, b.name) || compare(a.value, b.value));
}

function splitScope(name: string): { group?: string; name: string } {
  const slash = name.startsWith("@") ? name.indexOf("/") : -1;
  return slash > 0 ? { group: name.slice(0, slash), name: name.slice(slash + 1) } : { name };
}

function scopeOf(instances: LockPackage[]): "required" | "optional" | "excluded" {
  if (instances.some((p) => !p.dev && !p.optional && !p.devOptional)) return "required";
  if (instances.some((p) => !p.dev)) return "optional";
  return "excluded";
}

function npmComponent(
  purl: string,
  instances: LockPackage[],
  inputs: BomInputs,
  notes: string[],
): CdxComponent {
  const first = instances[0] as LockPackage;
  const integrities = [...new Set(instances.map((p) => p.integrity).filter((i) => i !== undefined))];
  if (integrities.length > 1) throw new Error(`${purl} has different integrity values in the lockfile`);
  const licence = inputs.licences.get(first.path) ?? { text: undefined, source: "unknown" };
  const scope = scopeOf(instances);
  const properties: CdxProperty[] = instances.map((p) => ({ name: PROPERTY.npmPath, value: p.path }));
  if (scope === "excluded") properties.push({ name: PROPERTY.npmDevelopment, value: "true" });
  if (instances.every((p) => p.bundled)) properties.push({ name: PROPERTY.npmBundled, value: "true" });
  if (licence.source !== "lockfile") properties.push({ name: PROPERTY.licenceSource, value: licence.source });
  const hashes = integrities[0] === undefined ? [] : integrityToHashes(integrities[0]);
  if (hashes.length === 0) notes.push(`${purl}: no integrity in the lockfile, so no hash`);
  if (licence.text === undefined) notes.push(`${purl}: no licence declared`);
  return {
    type: "library",
    "bom-ref": purl,
    ...splitScope(first.name),
    version: first.version,
    scope,
    ...(hashes.length > 0 ? { hashes } : {}),
    ...(licence.text !== undefined ? { licenses: cdxLicences(licence.text) } : {}),
    purl,
    properties: sortProperties(properties),
  };
}

function denoRuntime(inputs: BomInputs): { component: CdxComponent; dependsOn: string[] } | undefined {
  const deno = inputs.lock.packages.get("node_modules/deno");
  if (!deno) return undefined;
  const npmRef = npmPurl(deno.name, deno.version);
  const binaries = deno.dependencyNames
    .map((name) => resolveDependency(inputs.lock, deno.path, name))
    .filter((p): p is LockPackage => p !== undefined)
    .map((p) => npmPurl(p.name, p.version));
  const purl = `pkg:github/denoland/deno@v${deno.version}`;
  const licence = inputs.licences.get(deno.path)?.text;
  return {
    component: {
      type: "platform",
      "bom-ref": purl,
      name: "deno",
      version: deno.version,
      description: "The Deno runtime that runs ai-memory: the executable from the npm package " +
        `deno@${deno.version} and the one platform binary package that npm installs for the host`,
      scope: "required",
      ...(licence !== undefined ? { licenses: cdxLicences(licence) } : {}),
      purl,
      externalReferences: [{ type: "vcs", url: "https://github.com/denoland/deno" }],
      properties: sortProperties([
        { name: PROPERTY.denoNpmPackage, value: npmRef },
        ...binaries.map((value) => ({ name: PROPERTY.denoBinaryPackage, value })),
      ]),
    },
    dependsOn: [npmRef, ...binaries],
  };
}

function modelComponent(model: ManifestModel, modelsDir: string): CdxComponent {
  const purl = model.purl ?? genericPurl(model.name, model.version);
  const properties: CdxProperty[] = [{
    name: PROPERTY.modelPath,
    value: modelsDir ? `${modelsDir}/${model.path}` : model.path,
  }];
  if (model.license === undefined) properties.push({ name: PROPERTY.licenceSource, value: "unknown" });
  return {
    type: "machine-learning-model",
    "bom-ref": purl,
    name: model.name,
    version: model.version,
    ...(model.description !== undefined ? { description: model.description } : {}),
    hashes: [...new Set(model.files.map((f) => f.sha256))].map((content): CdxHash => ({
      alg: "SHA-256",
      content,
    })),
    ...(model.license !== undefined ? { licenses: cdxLicences(model.license) } : {}),
    purl,
    ...(model.source !== undefined
      ? { externalReferences: [{ type: "distribution", url: model.source }] }
      : {}),
    properties: sortProperties(properties),
    components: model.files.map((f): CdxComponent => ({
      type: "file",
      "bom-ref": `${purl}#${f.path}`,
      name: f.path,
      hashes: [{ alg: "SHA-256", content: f.sha256 }],
    })),
  };
}

/**
 * Assemble the BOM (without its serialNumber): every lockfile package once per name@version, the
 * Deno runtime, the manifest's models, and the dependency graph, all sorted.
 * @returns the BOM body and notes worth showing the operator (missing hashes, unknown licences, ...)
 * @throws {Error} when two components share a purl or one package has two different integrities
 */
export function assembleBom(inputs: BomInputs): { body: Omit<CdxBom, "serialNumber">; notes: string[] } {
  const notes = inputs.lock.skipped.map((s) => `lockfile entry skipped: ${s}`);
  const byPurl = new Map<string, LockPackage[]>();
  for (const pkg of inputs.lock.packages.values()) {
    const purl = npmPurl(pkg.name, pkg.version);
    byPurl.set(purl, [...(byPurl.get(purl) ?? []), pkg]);
  }
  const components: CdxComponent[] = [];
  const graph = new Map<string, Set<string>>();
  for (const [purl, instances] of byPurl) {
    instances.sort((a, b) => compare(a.path, b.path));
    components.push(npmComponent(purl, instances, inputs, notes));
    const dependsOn = new Set<string>();
    for (const pkg of instances) {
      for (const name of pkg.dependencyNames) {
        const target = resolveDependency(inputs.lock, pkg.path, name);
        if (target) dependsOn.add(npmPurl(target.name, target.version));
        else if (pkg.requiredDependencyNames.includes(name)) {
          notes.push(`${pkg.path}: dependency ${name} is not installed`);
        }
      }
    }
    dependsOn.delete(purl);
    graph.set(purl, dependsOn);
  }
  const rootRef = `${inputs.product.name}@${inputs.product.version}`;
  const rootDependsOn = new Set<string>();
  for (const name of inputs.lock.rootDependencyNames) {
    const target = resolveDependency(inputs.lock, "", name);
    if (target) rootDependsOn.add(npmPurl(target.name, target.version));
    else notes.push(`root dependency ${name} is not in the lockfile`);
  }
  const runtime = denoRuntime(inputs);
  if (runtime) {
    components.push(runtime.component);
    graph.set(runtime.component["bom-ref"], new Set(runtime.dependsOn));
    rootDependsOn.add(runtime.component["bom-ref"]);
  } else {
    notes.push("the lockfile has no node_modules/deno, so the SBOM lists no Deno runtime");
  }
  for (const model of inputs.models) {
    const component = modelComponent(model, inputs.modelsDir);
    components.push(component);
    graph.set(component["bom-ref"], new Set());
    rootDependsOn.add(component["bom-ref"]);
  }
  graph.set(rootRef, rootDependsOn);
  components.sort((a, b) => compare(a.purl ?? "", b.purl ?? "") || compare(a["bom-ref"], b["bom-ref"]));
  for (let i = 1; i < components.length; i++) {
    if (components[i]?.["bom-ref"] === components[i - 1]?.["bom-ref"]) {
      throw new Error(`Two components share the purl ${components[i]?.["bom-ref"]}`);
    }
  }
  const dependencies = [...graph.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([ref, dependsOn]): CdxDependency => ({ ref, dependsOn: [...dependsOn].sort(compare) }));
  const product = inputs.product;
  return {
    body: {
      bomFormat: "CycloneDX",
      specVersion: "1.6",
      version: 1,
      metadata: {
        tools: {
          components: [{
            type: "application",
            "bom-ref": `${product.name}-sbom@${product.version}`,
            name: `${product.name} scripts/sbom.ts`,
            version: product.version,
          }],
        },
        component: {
          type: "application",
          "bom-ref": rootRef,
          name: product.name,
          version: product.version,
          description: product.description,
          licenses: cdxLicences(product.licence),
        },
        properties: [{ name: PROPERTY.scopeConvention, value: SCOPE_CONVENTION }],
      },
      components,
      dependencies,
    },
    notes,
  };
}

function uuidV5(namespace: string, name: string): string {
  const hash = createHash("sha1");
  hash.update(Uint8Array.from(namespace.replaceAll("-", "").match(/../g) ?? [], (h) => parseInt(h, 16)));
  hash.update(name);
  const bytes = hash.digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The BOM's JSON text (2-space indent, final newline). The serialNumber is a name-based (v5) UUID of
 * the text without it, so the same inputs always give the same bytes and any change gives a new serial.
 */
export function serializeBom(body: Omit<CdxBom, "serialNumber">): string {
  const serialNumber = `urn:uuid:${uuidV5(UUID_NAMESPACE, JSON.stringify(body, null, 2))}`;
  const bom: CdxBom = {
    bomFormat: body.bomFormat,
    specVersion: body.specVersion,
    serialNumber,
    version: body.version,
    metadata: body.metadata,
    components: body.components,
    dependencies: body.dependencies,
  };
  return `${JSON.stringify(bom, null, 2)}\n`;
}
