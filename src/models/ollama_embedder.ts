// The second embedder option: the local LLM endpoint's /api/embed (llm.embedModel), its width learnt
// from one probe at load and checked on every answer, its vectors made unit-length as the index needs.
import type { Config } from "../core/config.ts";
import { invalidInput, MemoryError } from "../core/errors.ts";
import { normalised } from "../vector/brute_force.ts";
import { LocalLlm } from "./local_llm.ts";
import type { Embedder } from "./onnx.ts";

/** The `embedder` config value choosing the endpoint's embedding model instead of the manifest's. */
export const OLLAMA_EMBEDDER = "ollama";

/** The widest vector accepted (the manifest's bound for ONNX embedders). */
const MAX_DIMENSIONS = 8192;

/** `ollama:<embedModel>`: how vectors, the index file and capabilities name this embedder. */
export function ollamaEmbedderName(embedModel: string): string {
  return `${OLLAMA_EMBEDDER}:${embedModel}`;
}

function malformed(model: string, problem: string): MemoryError {
  return new MemoryError(
    "unavailable",
    `The embedding model ${model} gave a malformed answer (${problem}); nothing was stored`,
    { details: { model, problem } },
  );
}

/** Unit-length copies of `rows`, or an error when one has the wrong width or a non-finite value. */
function checkedVectors(rows: number[][], options: { model: string; dimensions: number }): Float32Array[] {
  return rows.map((row, i) => {
    if (row.length !== options.dimensions) {
      throw malformed(
        options.model,
        `vector ${i} has ${row.length} dimensions, expected ${options.dimensions}`,
      );
    }
    const vector = new Float32Array(row);
    if (!vector.every(Number.isFinite)) throw malformed(options.model, `vector ${i} has a non-finite value`);
    if (vector.every((x) => x === 0)) throw malformed(options.model, `vector ${i} is all zeros`);
    return normalised(vector);
  });
}

/**
 * An embedder over the configured endpoint's /api/embed. One probe call learns the dimensions, so an
 * endpoint that is down or answers badly fails here, at start, and not on the first write.
 * @throws {MemoryError} invalid_input without llm.embedModel; unavailable or timeout from the endpoint
 */
export async function loadOllamaEmbedder(config: Config, llm?: LocalLlm): Promise<Embedder> {
  const embedModel = config.llm?.embedModel;
  if (!config.llm || !embedModel) {
    throw invalidInput([{
      field: "config.llm.embedModel",
      message:
        `embedder "${OLLAMA_EMBEDDER}" needs llm.url and llm.embedModel (the endpoint's embedding model)`,
    }]);
  }
  const client = llm ?? new LocalLlm(config.llm);
  const model = ollamaEmbedderName(embedModel);
  const [probe] = await client.embed(["ai-memory start-up check"]);
  const dimensions = probe?.length ?? 0;
  if (dimensions < 1 || dimensions > MAX_DIMENSIONS) {
    throw malformed(model, `the probe vector has ${dimensions} dimensions, expected 1 to ${MAX_DIMENSIONS}`);
  }
  checkedVectors([probe!], { model, dimensions });
  return {
    model,
    dimensions,
    async embed(texts) {
      if (texts.length === 0) return [];
      return checkedVectors(await client.embed(texts), { model, dimensions });
    },
  };
}
