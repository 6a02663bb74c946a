// Running verified local models with @huggingface/transformers on the native ONNX runtime: remote
// loading off, fetch refused, no cache written; the library is imported only when a model is used.
import { resolve } from "node:path";
import type { ManifestModel } from "./manifest.ts";

/** Turns texts into unit-length vectors. */
export interface Embedder {
  /** `name@version` of the model. */
  readonly model: string;
  readonly dimensions: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}

/** Scores how well each passage answers a query, from 0 to 1 (a cross-encoder). */
export interface Reranker {
  /** `name@version` of the model. */
  readonly model: string;
  score(query: string, passages: string[]): Promise<number[]>;
}

type Transformers = typeof import("@huggingface/transformers");

let loaded: Promise<Transformers> | undefined;

// One inference thread: a server embeds in the background while it answers requests, and ONNX
// Runtime's default (a thread per core) took every core from the request path.
const SESSION_OPTIONS = { intraOpNumThreads: 1, interOpNumThreads: 1 };

/** The library, configured once for this process: local files under `modelsDir` only. */
function transformersFor(modelsDir: string): Promise<Transformers> {
  loaded ??= import("@huggingface/transformers").then((t) => {
    t.env.allowRemoteModels = false;
    t.env.allowLocalModels = true;
    t.env.useFSCache = false;
    t.env.useBrowserCache = false;
    t.env.fetch = (input: string | URL) => {
      throw new Error(`Model files are never fetched (asked for ${String(input)})`);
    };
    return t;
  });
  return loaded.then((t) => {
    t.env.localModelPath = `${resolve(modelsDir)}/`;
    return t;
  });
}

function rowsOf(data: Float32Array, rows: number, width: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < rows; i++) out.push(data.slice(i * width, (i + 1) * width));
  return out;
}

/**
 * Load an embedder from its (already verified) folder.
 * @throws {Error} when the runtime cannot load it or its output width is not `dimensions`
 */
export async function loadEmbedder(modelsDir: string, model: ManifestModel): Promise<Embedder> {
  const t = await transformersFor(modelsDir);
  const extract = await t.pipeline("feature-extraction", model.path, {
    dtype: "fp32",
    device: "cpu",
    local_files_only: true,
    session_options: SESSION_OPTIONS,
  });
  const dimensions = model.dimensions ?? 0;
  const pooling = model.pooling ?? "mean";
  const embedder: Embedder = {
    model: `${model.name}@${model.version}`,
    dimensions,
    async embed(texts) {
      if (texts.length === 0) return [];
      const output = await extract(texts, { pooling, normalize: true });
      const [rows, width] = output.dims as [number, number];
      if (width !== dimensions) {
        throw new Error(
          `Model ${model.name} gives ${width}-dimensional vectors; the manifest says ${dimensions}`,
        );
      }
      return rowsOf(output.data as Float32Array, rows, width);
    },
  };
  // One call now, so a wrong dimension or a broken graph fails at start, not on the first write.
  await embedder.embed(["ai-memory start-up check"]);
  return embedder;
}

/**
 * Load a cross-encoder (one logit per query/passage pair) from its (already verified) folder.
 * @throws {Error} when the runtime cannot load it
 */
export async function loadReranker(modelsDir: string, model: ManifestModel): Promise<Reranker> {
  const t = await transformersFor(modelsDir);
  const options = { local_files_only: true };
  const tokenizer = await t.AutoTokenizer.from_pretrained(model.path, options);
  const classifier = await t.AutoModelForSequenceClassification.from_pretrained(model.path, {
    ...options,
    dtype: "fp32",
    device: "cpu",
    session_options: SESSION_OPTIONS,
  });
  const reranker: Reranker = {
    model: `${model.name}@${model.version}`,
    async score(query, passages) {
      if (passages.length === 0) return [];
      const inputs = tokenizer(passages.map(() => query), {
        text_pair: passages,
        padding: true,
        truncation: true,
      });
      const { logits } = await classifier(inputs);
      const values = Array.from(logits.data as Float32Array);
      if (values.length !== passages.length) {
        throw new Error(`Model ${model.name} gives ${values.length} scores for ${passages.length} pairs`);
      }
      return values.map((x) => 1 / (1 + Math.exp(-x)));
    },
  };
  await reranker.score("ai-memory", ["start-up check"]);
  return reranker;
}
