// Which recall tier this process can run, from the operator's manifest: the chosen models are
// checked file by file against their SHA-256 before the runtime sees them, and every gap is named.
import type { Config } from "../core/config.ts";
import { MemoryError } from "../core/errors.ts";
import { checkModelFolder, type ManifestModel, type ModelRole, parseModelManifest } from "./manifest.ts";
import { loadOllamaEmbedder, OLLAMA_EMBEDDER, ollamaEmbedderName } from "./ollama_embedder.ts";
import { type Embedder, loadEmbedder, loadReranker, type Reranker } from "./onnx.ts";

/** Recall tiers, lowest first. */
export const TIERS = ["keyword", "semantic", "smart"] as const;
export type Tier = typeof TIERS[number];

/** Recall modes, one per tier. */
export const MODE_OF_TIER = { keyword: "keyword", semantic: "hybrid", smart: "hybrid+rerank" } as const;
export type RecallMode = typeof MODE_OF_TIER[Tier];

/** The models this process runs with, and why any higher tier is not available. */
export interface ModelSet {
  tier: Tier;
  embedder: Embedder | null;
  reranker: Reranker | null;
  /** For each tier above `tier`: why it is not available. */
  unavailable: { tier: Tier; reason: string }[];
}

/** The state of one manifest model, as doctor and `models verify` report it. */
export interface ModelCheck {
  name: string;
  version: string;
  role: ModelRole;
  ok: boolean;
  problems: string[];
}

/**
 * Read `<modelsDir>/manifest.json`; a missing manifest means no models.
 * @throws {MemoryError} unavailable when it cannot be read or is invalid
 */
export async function readManifest(modelsDir: string): Promise<ManifestModel[]> {
  const path = `${modelsDir}/manifest.json`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw new MemoryError(
      "unavailable",
      `Cannot read the model manifest "${path}": ${(error as Error).message}`,
    );
  }
  try {
    return parseModelManifest(text);
  } catch (error) {
    throw new MemoryError("unavailable", `Invalid model manifest "${path}": ${(error as Error).message}`);
  }
}

/** Check every model of the manifest against its files. */
export async function checkModels(modelsDir: string): Promise<ModelCheck[]> {
  const models = await readManifest(modelsDir);
  const out: ModelCheck[] = [];
  for (const model of models) {
    const problems = (await checkModelFolder(modelsDir, model)).map((p) =>
      `${model.path}/${p.file}: ${p.problem}${p.detail ? ` (${p.detail})` : ""}`
    );
    out.push({
      name: model.name,
      version: model.version,
      role: model.role,
      ok: problems.length === 0,
      problems,
    });
  }
  return out;
}

function pick(models: ManifestModel[], role: ModelRole, name: string | undefined): ManifestModel | string {
  const candidates = models.filter((m) => m.role === role);
  if (name !== undefined) {
    return candidates.find((m) => m.name === name) ??
      `the configured ${role} "${name}" is not in the manifest`;
  }
  return candidates[0] ?? `no ${role} is listed in the model manifest`;
}

async function verified(modelsDir: string, model: ManifestModel): Promise<string | undefined> {
  const problems = await checkModelFolder(modelsDir, model);
  if (problems.length === 0) return undefined;
  return `model ${model.name}@${model.version} is refused: ` +
    problems.map((p) => `${model.path}/${p.file} ${p.problem}${p.detail ? ` (${p.detail})` : ""}`).join("; ");
}

/** Pick, verify and load the model of one role; a string says why there is none. */
async function loadRole<T>(
  config: Config,
  models: ManifestModel[],
  options: {
    role: ModelRole;
    name: string | undefined;
    load: (dir: string, model: ManifestModel) => Promise<T>;
  },
): Promise<T | string> {
  const entry = pick(models, options.role, options.name);
  if (typeof entry === "string") return entry;
  const problem = await verified(config.modelsDir, entry);
  if (problem) return problem;
  try {
    return await options.load(config.modelsDir, entry);
  } catch (error) {
    return `${options.role} ${entry.name} did not load: ${(error as Error).message}`;
  }
}

/** The endpoint's embedder, or why there is none (an endpoint down at start, a malformed probe). */
async function loadOllama(config: Config): Promise<Embedder | string> {
  const name = ollamaEmbedderName(config.llm?.embedModel ?? "(no llm.embedModel)");
  try {
    return await loadOllamaEmbedder(config);
  } catch (error) {
    return `embedder ${name} did not load: ${(error as Error).message}`;
  }
}

/**
 * Load the models the configured tier needs (or, with no tier configured, the highest tier the
 * verified models allow).
 * @throws {MemoryError} unavailable when a configured tier's models are missing, altered or broken
 */
export async function loadModelSet(config: Config): Promise<ModelSet> {
  const wanted = config.tier;
  const set: ModelSet = { tier: "keyword", embedder: null, reranker: null, unavailable: [] };
  const refuse = (tier: Tier, reason: string): ModelSet => {
    if (wanted !== undefined && TIERS.indexOf(wanted) >= TIERS.indexOf(tier)) {
      throw new MemoryError("unavailable", `The ${wanted} tier cannot start: ${reason}`, {
        details: { tier: wanted, models_dir: config.modelsDir },
      });
    }
    for (const t of TIERS.slice(TIERS.indexOf(tier))) set.unavailable.push({ tier: t, reason });
    return set;
  };
  if (wanted === "keyword") {
    for (const tier of TIERS.slice(1)) {
      set.unavailable.push({ tier, reason: "the keyword tier is configured" });
    }
    return set;
  }
  // The manifest matters to the embedder only when it comes from there; the reranker always does.
  let models: ManifestModel[] | string;
  try {
    models = await readManifest(config.modelsDir);
  } catch (error) {
    models = (error as Error).message;
  }
  const embedder = config.embedder === OLLAMA_EMBEDDER
    ? await loadOllama(config)
    : typeof models === "string"
    ? models
    : await loadRole(config, models, { role: "embedder", name: config.embedder, load: loadEmbedder });
  if (typeof embedder === "string") return refuse("semantic", embedder);
  set.embedder = embedder;
  set.tier = "semantic";
  if (wanted === "semantic") {
    set.unavailable.push({ tier: "smart", reason: "the semantic tier is configured" });
    return set;
  }
  const reranker = typeof models === "string"
    ? models
    : await loadRole(config, models, { role: "reranker", name: config.reranker, load: loadReranker });
  if (typeof reranker === "string") return refuse("smart", reranker);
  set.reranker = reranker;
  set.tier = "smart";
  return set;
}
