// The query side of semantic recall: the context embedded, with the conversation's extra terms
// fused in as the reference does (0.7 context + 0.3 terms, renormalised).
import type { Embedder } from "../models/onnx.ts";
import { normalised } from "../vector/brute_force.ts";

/** Dot product; the cosine similarity of unit vectors. */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** The query vector for a recall context and optional extra terms. */
export async function queryVector(
  embedder: Embedder,
  context: string,
  contextTokens?: string[],
): Promise<Float32Array> {
  const extra = (contextTokens ?? []).join(" ").trim();
  const [main, terms] = await embedder.embed(extra ? [context, extra] : [context]);
  if (!terms) return main!;
  return normalised(main!.map((x, i) => 0.7 * x + 0.3 * terms[i]!));
}
