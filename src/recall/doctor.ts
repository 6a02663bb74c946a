// What `ai-memory doctor` and `ai-memory models verify` report: each manifest model checked
// against its files, the tier this configuration runs and why higher tiers do not, the queue.
import type { Clock } from "../core/clock.ts";
import type { Config } from "../core/config.ts";
import { checkModels, type ModelCheck } from "../models/model_set.ts";
import type { MemoryStore } from "../store/store.ts";
import { drainQueue } from "./embed_worker.ts";
import { LocalLlm } from "../models/local_llm.ts";
import { indexFilePath, type SemanticEngine } from "./semantic_engine.ts";

/** `models verify`: every manifest model against its files. */
export async function verifyModels(
  config: Config,
): Promise<{ ok: boolean; models_dir: string; models: ModelCheck[] }> {
  const models = await checkModels(config.modelsDir);
  return { ok: models.every((m) => m.ok), models_dir: config.modelsDir, models };
}

async function fileSize(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).size;
  } catch {
    return null;
  }
}

/** The local LLM as doctor sees it: does the endpoint answer, and does it have the configured models. */
export async function checkLlm(config: Config): Promise<Record<string, unknown> & { ok: boolean } | null> {
  if (!config.llm) return null;
  const llm = new LocalLlm(config.llm);
  const wanted = [config.llm.chatModel, ...(config.llm.embedModel ? [config.llm.embedModel] : [])];
  try {
    const available = await llm.models();
    // Ollama lists "name:tag"; a configured name without a tag means ":latest".
    const has = (m: string) => available.includes(m) || available.includes(`${m}:latest`);
    const missing = wanted.filter((m) => !has(m));
    // The embedding model answers a one-word request (a chat model is only listed: generating is slow).
    const embedDimensions = config.llm.embedModel && missing.length === 0
      ? (await llm.embed(["ai-memory doctor"]))[0]?.length ?? null
      : null;
    return {
      embed_dimensions: embedDimensions,
      ok: missing.length === 0,
      endpoint: llm.endpoint,
      chat_model: config.llm.chatModel,
      embed_model: config.llm.embedModel ?? null,
      missing_models: missing,
      ...(missing.length > 0
        ? { error: `the endpoint does not have ${missing.join(", ")} (pull it there)` }
        : {}),
    };
  } catch (error) {
    return { ok: false, endpoint: llm.endpoint, error: (error as Error).message };
  }
}

/** `doctor`: tiers, models, embedding queue and vector index, with the reason for each gap. */
export async function doctorReport(
  deps: { config: Config; store: MemoryStore; semantic: SemanticEngine },
): Promise<Record<string, unknown>> {
  const { config, store, semantic } = deps;
  const llm = await checkLlm(config);
  let checks: ModelCheck[] | { error: string };
  try {
    checks = await checkModels(config.modelsDir);
  } catch (error) {
    checks = { error: (error as Error).message };
  }
  let set;
  try {
    set = await semantic.models();
  } catch (error) {
    return {
      ok: false,
      tier: null,
      configured_tier: config.tier ?? "auto",
      error: (error as Error).message,
      models_dir: config.modelsDir,
      models: checks,
      ...(llm ? { llm } : {}),
    };
  }
  const vectors = await store.vectors.stats({ model: set.embedder?.model ?? null });
  const indexPath = indexFilePath(config);
  const index = set.embedder ? await semantic.index() : null;
  return {
    ok: Array.isArray(checks) && checks.every((m) => m.ok) && vectors.failing === 0 && llm?.ok !== false,
    ...(llm ? { llm } : {}),
    tier: set.tier,
    configured_tier: config.tier ?? "auto",
    recall_modes: await semantic.modes(),
    unavailable: set.unavailable,
    models_dir: config.modelsDir,
    models: checks,
    embedder: set.embedder ? { model: set.embedder.model, dimensions: set.embedder.dimensions } : null,
    reranker: set.reranker ? { model: set.reranker.model } : null,
    embeddings: {
      vectors: vectors.vectors,
      pending: vectors.pending,
      failing: vectors.failing,
      other_model: vectors.otherModel,
    },
    vector_index: {
      file: indexPath,
      file_bytes: await fileSize(indexPath),
      entries: index?.size ?? null,
      opened_from: index?.origin ?? null,
    },
  };
}

/** `index rebuild`: embed what is queued (unless `embed` is false), then rebuild and save the index. */
export async function rebuildIndex(
  deps: { store: MemoryStore; semantic: SemanticEngine; clock: Clock },
  options: { embed: boolean },
): Promise<Record<string, unknown>> {
  const started = performance.now();
  const embedder = await deps.semantic.embedder("index");
  const embedded = options.embed ? await drainQueue(deps.store.vectors, { embedder, clock: deps.clock }) : 0;
  const index = await deps.semantic.rebuildIndex();
  const stats = await deps.store.vectors.stats({ model: embedder.model });
  return {
    rebuilt: true,
    model: embedder.model,
    dimensions: embedder.dimensions,
    embedded,
    entries: index.size,
    pending: stats.pending,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}
