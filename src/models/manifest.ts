// The operator's model manifest (`models/manifest.json`): reading and validating it, and checking
// model files against their recorded SHA-256 (for the SBOM, and strictly before a model is loaded).
import { createHash } from "node:crypto";

/** One file of a model folder. */
export interface ModelFile {
  /** Path inside the model folder, with `/` separators. */
  path: string;
  /** Lower-case hex SHA-256 of the file. */
  sha256: string;
}

/** What a model is used for. */
export type ModelRole = "embedder" | "reranker";

/** One model listed in the manifest. */
export interface ManifestModel {
  name: string;
  version: string;
  /** `embedder` (sentence vectors for semantic recall) or `reranker` (a cross-encoder). */
  role: ModelRole;
  /** Embedder only: the length of its vectors. */
  dimensions?: number;
  /** Embedder only: how token vectors become one sentence vector; default `mean`. */
  pooling?: "mean" | "cls";
  /** SPDX expression; absent when the operator does not know it (the licence check then fails). */
  license?: string;
  /** A purl, e.g. `pkg:huggingface/...`; default `pkg:generic/<name>@<version>`. */
  purl?: string;
  /** The model folder inside the manifest's directory; default `name`. */
  path: string;
  description?: string;
  /** Where the operator obtained the model (a URL), recorded as a distribution reference. */
  source?: string;
  files: ModelFile[];
}

const MODEL_KEYS = new Set([
  "name",
  "version",
  "role",
  "dimensions",
  "pooling",
  "license",
  "purl",
  "path",
  "description",
  "source",
  "files",
]);
const ROLES: readonly ModelRole[] = ["embedder", "reranker"];
const SHA256_REGEXP = /^[0-9a-f]{64}$/;

function relativePathProblem(path: string): string | undefined {
  if (path === "" || path.startsWith("/") || path.includes("\\")) return "must be a relative path with /";
  if (path.split("/").some((part) => part === "" || part === "." || part === "..")) {
    return "must not contain empty, . or .. parts";
  }
  return undefined;
}

function optionalString(entry: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = entry[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "") {
    throw new TypeError(`${where}: "${key}" must be a non-empty string`);
  }
  return value;
}

function parseModel(entry: unknown, index: number): ManifestModel {
  const where = `Model manifest: models[${index}]`;
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw new TypeError(`${where} must be an object`);
  }
  const record = entry as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!MODEL_KEYS.has(key)) {
      const hint = key === "licence" ? ` (the field is spelt "license", as in SPDX and npm)` : "";
      throw new TypeError(`${where}: unknown field "${key}"${hint}`);
    }
  }
  const name = optionalString(record, "name", where);
  const version = optionalString(record, "version", where);
  if (name === undefined || version === undefined) throw new TypeError(`${where} needs "name" and "version"`);
  const path = optionalString(record, "path", where) ?? name;
  const pathProblem = relativePathProblem(path);
  if (pathProblem) throw new TypeError(`${where}: path "${path}" ${pathProblem}`);
  const purl = optionalString(record, "purl", where);
  if (purl !== undefined && !purl.startsWith("pkg:")) {
    throw new TypeError(`${where}: purl must start with "pkg:"`);
  }
  if (!Array.isArray(record.files) || record.files.length === 0) {
    throw new TypeError(`${where} needs a non-empty "files" list of {"path", "sha256"}`);
  }
  const files = record.files.map((file: unknown, i: number): ModelFile => {
    const at = `${where}.files[${i}]`;
    if (typeof file !== "object" || file === null) throw new TypeError(`${at} must be an object`);
    const { path: filePath, sha256, ...extra } = file as Record<string, unknown>;
    if (Object.keys(extra).length > 0) throw new TypeError(`${at}: unknown field "${Object.keys(extra)[0]}"`);
    if (typeof filePath !== "string" || relativePathProblem(filePath)) {
      throw new TypeError(`${at}: "path" must be a relative path with /, without . or .. parts`);
    }
    if (typeof sha256 !== "string" || !SHA256_REGEXP.test(sha256)) {
      throw new TypeError(`${at}: "sha256" must be 64 lower-case hex digits`);
    }
    return { path: filePath, sha256 };
  }).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 1; i < files.length; i++) {
    if (files[i]?.path === files[i - 1]?.path) {
      throw new TypeError(`${where}: file "${files[i]?.path}" is listed twice`);
    }
  }
  const role = record.role;
  if (typeof role !== "string" || !ROLES.includes(role as ModelRole)) {
    throw new TypeError(`${where}: "role" must be one of ${ROLES.join(", ")}`);
  }
  const { dimensions, pooling } = record;
  if (role === "embedder") {
    if (
      typeof dimensions !== "number" || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > 8192
    ) {
      throw new TypeError(`${where}: an embedder needs "dimensions", an integer from 1 to 8192`);
    }
    if (pooling !== undefined && pooling !== "mean" && pooling !== "cls") {
      throw new TypeError(`${where}: "pooling" must be "mean" or "cls"`);
    }
  } else if (dimensions !== undefined || pooling !== undefined) {
    throw new TypeError(`${where}: "dimensions" and "pooling" are for embedders only`);
  }
  const license = optionalString(record, "license", where);
  const description = optionalString(record, "description", where);
  const source = optionalString(record, "source", where);
  return {
    name,
    version,
    role: role as ModelRole,
    ...(typeof dimensions === "number" ? { dimensions } : {}),
    ...(pooling !== undefined ? { pooling: pooling as "mean" | "cls" } : {}),
    ...(license !== undefined ? { license } : {}),
    ...(purl !== undefined ? { purl } : {}),
    path,
    ...(description !== undefined ? { description } : {}),
    ...(source !== undefined ? { source } : {}),
    files,
  };
}

/**
 * Parse the text of a model manifest: `{"format": 1, "models": [...]}`.
 * @throws {SyntaxError} when the text is not JSON
 * @throws {TypeError} naming the first field that is wrong
 */
export function parseModelManifest(text: string): ManifestModel[] {
  const manifest: unknown = JSON.parse(text);
  if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest)) {
    throw new TypeError("Model manifest must be an object");
  }
  const { format, models } = manifest as Record<string, unknown>;
  if (format !== 1) throw new TypeError(`Model manifest: "format" must be 1, not ${JSON.stringify(format)}`);
  if (!Array.isArray(models)) throw new TypeError(`Model manifest: "models" must be a list`);
  const parsed = models.map(parseModel);
  const seen = new Set<string>();
  for (const model of parsed) {
    const key = `${model.name}@${model.version}`;
    if (seen.has(key)) throw new TypeError(`Model manifest: ${key} is listed twice`);
    seen.add(key);
  }
  return parsed;
}

/** Lower-case hex SHA-256 of a file, read as a stream. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  const file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * Check every file of `model` that exists under `modelsDir` against its manifest SHA-256.
 * @returns one note per file that is not present (its hash then comes from the manifest alone)
 * @throws {Error} naming the file when a present file's SHA-256 differs from the manifest
 */
export async function verifyModelFiles(modelsDir: string, model: ManifestModel): Promise<string[]> {
  const notes: string[] = [];
  for (const file of model.files) {
    const path = `${modelsDir}/${model.path}/${file.path}`;
    let actual: string;
    try {
      actual = await sha256OfFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      notes.push(
        `model ${model.name}@${model.version}: ${path} is not present; SHA-256 taken from the manifest`,
      );
      continue;
    }
    if (actual !== file.sha256) {
      throw new Error(
        `Model ${model.name}@${model.version}: ${path} has SHA-256 ${actual}, the manifest says ${file.sha256}`,
      );
    }
  }
  return notes;
}

/** Why a model folder cannot be trusted, file by file. */
export interface ModelFileProblem {
  /** Path inside the model folder. */
  file: string;
  problem: "missing" | "sha256 mismatch" | "not listed in the manifest" | "unreadable";
  /** For a mismatch: the hashes; for unreadable: the error. */
  detail?: string;
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) out.push(...await listFiles(`${dir}/${entry.name}`, rel));
    else out.push(rel);
  }
  return out;
}

/**
 * Check a model folder strictly before loading it: every listed file present with its SHA-256, and
 * no file the manifest does not list (the runtime could read it unverified).
 * @returns the problems; empty when the folder matches the manifest exactly
 */
export async function checkModelFolder(modelsDir: string, model: ManifestModel): Promise<ModelFileProblem[]> {
  const dir = `${modelsDir}/${model.path}`;
  const problems: ModelFileProblem[] = [];
  let present: string[];
  try {
    present = await listFiles(dir);
  } catch (error) {
    const missing = error instanceof Deno.errors.NotFound;
    return [{
      file: ".",
      problem: missing ? "missing" : "unreadable",
      ...(missing ? {} : { detail: (error as Error).message }),
    }];
  }
  const listed = new Set(model.files.map((f) => f.path));
  for (const file of present.sort()) {
    if (!listed.has(file)) problems.push({ file, problem: "not listed in the manifest" });
  }
  const presentSet = new Set(present);
  for (const file of model.files) {
    if (!presentSet.has(file.path)) {
      problems.push({ file: file.path, problem: "missing" });
      continue;
    }
    try {
      const actual = await sha256OfFile(`${dir}/${file.path}`);
      if (actual !== file.sha256) {
        problems.push({
          file: file.path,
          problem: "sha256 mismatch",
          detail: `manifest ${file.sha256}, file ${actual}`,
        });
      }
    } catch (error) {
      problems.push({ file: file.path, problem: "unreadable", detail: (error as Error).message });
    }
  }
  return problems;
}
