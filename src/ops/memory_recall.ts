// memory_recall: OR-semantics keyword recall ranked by relevance plus the memory's signals.
import { z } from "zod";
import { limitSchema } from "../core/fields.ts";
import { estimateTokens, rankKeywordHits } from "../recall/keyword_rank.ts";
import { queryTerms } from "../recall/query_terms.ts";
import { CONTEXT_SPAN, foldContext } from "../recall/neighbours.ts";
import { withoutStopWords } from "../recall/stop_words.ts";
import { filterFields, formatSchema, memorySchema, toFilter } from "./_shared.ts";
import { ancestorsOrSelf } from "../core/visibility.ts";
import { touchRules } from "../lifecycle/touch.ts";
import { standardsChain } from "../graph/standards.ts";
import { proximityBoost } from "../recall/namespace_proximity.ts";
import { type Scored } from "../recall/keyword_rank.ts";
import { fuseBlend, fuseRrf, rerankHead } from "../recall/fusion.ts";
import { dot, queryVector } from "../recall/query_vector.ts";
import type { OpContext } from "./operation.ts";
import type { MemoryFilter } from "../store/store.ts";
import { asAgentSchema, resolveReader } from "./_reader.ts";
import { standardEntry, standardEntrySchema } from "./_standards_shared.ts";
import { defineOperation } from "./operation.ts";

// Vector candidates: as many as the reference takes (max(5 * limit, 50)), above its cosine floor.
const VECTOR_FACTOR = 5;
const MIN_VECTOR_CANDIDATES = 50;
const MIN_COSINE = 0.2;
// Keyword candidates that enter fusion (the reference: max(3 * limit, 30)).
const FUSED_KEYWORD_FACTOR = 3;
const MIN_FUSED_KEYWORD = 30;
// How much of the head the cross-encoder rescores: what will be returned (as the reference does),
// at least 10; each pair costs a full model pass, so this bounds the smart tier's latency.
const MIN_RERANK = 10;

/** The hybrid ranking: keyword candidates and vector neighbours fused, optionally reranked. */
async function hybridRank(
  ctx: OpContext,
  keyword: Scored[],
  options: {
    context: string;
    contextTokens: string[] | undefined;
    filter: MemoryFilter;
    now: Date;
    limit: number;
    rerank: boolean;
  },
): Promise<Scored[]> {
  const embedder = await ctx.semantic.embedder("mode");
  const query = await queryVector(embedder, options.context, options.contextTokens);
  const neighbours = await ctx.semantic.nearest(query, {
    k: Math.max(options.limit * VECTOR_FACTOR, MIN_VECTOR_CANDIDATES),
    filter: options.filter,
    now: options.now.toISOString(),
    minSimilarity: MIN_COSINE,
  });
  const head = keyword.slice(0, Math.max(options.limit * FUSED_KEYWORD_FACTOR, MIN_FUSED_KEYWORD));
  let fused: Scored[];
  if (ctx.config.fusion === "rrf") {
    fused = fuseRrf(head, neighbours, options.now);
  } else {
    const stored = await ctx.store.vectors.vectorsOf(head.map((s) => s.memory.id), { model: embedder.model });
    const cosines = new Map([...stored].map(([id, v]) => [id, dot(query, v)]));
    fused = fuseBlend(head, neighbours, { cosines, now: options.now });
  }
  const reranker = options.rerank ? await ctx.semantic.reranker() : null;
  if (!reranker || fused.length === 0) return fused;
  const top = fused.slice(0, Math.max(options.limit, MIN_RERANK));
  const scores = await reranker.score(
    options.context,
    top.map((s) => `${s.memory.title} ${s.memory.content}`),
  );
  return rerankHead(fused, scores);
}

// Enough candidates that the signals can reorder the top of the list, few enough to stay fast.
const CANDIDATE_FACTOR = 5;
const MIN_CANDIDATES = 50;
// The best matches whose stored neighbours are read as their context (harmless to quality at 2x).
const CONTEXT_MATCH_FACTOR = 2;
const MIN_CONTEXT_MATCHES = 20;

export const memoryRecall = defineOperation({
  name: "memory_recall",
  title: "Recall memories",
  description: "Recall the memories most relevant to a context (any word may match, in any form: " +
    "paint, painted, painting; common words such as 'the' or 'what' are ignored), ranked by text " +
    "relevance, lifted by the relevance of what was stored just before and after in the same namespace " +
    "(a reply is found through its question), and nudged by priority, confidence, tier and recency. " +
    "Use before answering. Each " +
    "returned memory is touched: access_count and last_accessed_at are updated, its expiry is pushed " +
    "to the tier's lifetime from now (never earlier; left as it is when already within 1/24 of that), " +
    "and a mid memory recalled 5 times becomes long. No content changes.",
  input: z.object({
    context: z.string({ error: "must be a string" })
      .refine((t) => t.trim().length > 0, { error: "must not be empty" })
      .refine((t) => t.length <= 65_536, { error: "must be at most 65536 characters" })
      .describe("What to recall: a question, task or topic"),
    ...filterFields,
    limit: limitSchema(10, 50),
    budget_tokens: z.number({ error: "must be a number" }).int({ error: "must be an integer" })
      .min(1, { error: "must be at least 1" }).optional()
      .describe("Stop adding memories once their estimated tokens would exceed this budget"),
    context_tokens: z.array(z.string({ error: "must be a string" }).max(1024), {
      error: "must be an array of strings",
    }).max(64, { error: "must have at most 64 entries" }).optional()
      .describe("Extra terms from the surrounding conversation, added to the query"),
    as_agent: asAgentSchema,
    include_superseded: z.boolean({ error: "must be true or false" }).default(false)
      .describe("Also return memories replaced by a currently valid supersedes link"),
    mode: z.enum(["keyword", "hybrid", "hybrid+rerank"], {
      error: 'must be one of "keyword", "hybrid", "hybrid+rerank"',
    }).optional().describe(
      "Recall mode: keyword (BM25 only), hybrid (BM25 fused with vector search; needs the semantic tier) or " +
        "hybrid+rerank (plus a cross-encoder; needs the smart tier). Default: the best this server runs",
    ),
    format: formatSchema,
  }),
  output: z.object({
    memories: z.array(memorySchema.extend({ score: z.number().describe("Ranking score") }))
      .describe("Recalled memories, best first"),
    count: z.number().int().describe("Number of memories returned"),
    mode: z.enum(["keyword", "hybrid", "hybrid+rerank"]).describe("Which recall mode answered"),
    tokens_used: z.number().int().describe("Estimated tokens of the returned memories"),
    budget_tokens: z.number().int().optional().describe("The budget, when one was given"),
    standards: z.array(standardEntrySchema).describe("Namespace standards in force, outermost first"),
  }),
  // Not read-only: recall records an access on what it returns (a bookkeeping write).
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false,
  },
  http: [{ method: "GET", path: "/api/v1/recall" }, { method: "POST", path: "/api/v1/recall" }],
  cli: { command: "recall", positional: ["context"], short: { namespace: "n" } },
  async run(ctx, input) {
    const mode = await ctx.semantic.resolveMode(input.mode);
    const now = ctx.clock.now();
    const terms = withoutStopWords(queryTerms([input.context, ...(input.context_tokens ?? [])].join(" ")));
    const reader = await resolveReader(ctx, input.as_agent);
    // A namespace sees itself and its ancestors; the proximity boost favours the nearest.
    const filter = toFilter({ ...input, namespace: undefined });
    if (input.namespace !== undefined) filter.namespaceIn = ancestorsOrSelf(input.namespace);
    if (reader) filter.reader = reader;
    if (!input.include_superseded) filter.excludeSuperseded = true;
    const hits = await ctx.store.keyword(terms, {
      mode: "any",
      filter,
      now: now.toISOString(),
      limit: Math.max(input.limit * CONTEXT_MATCH_FACTOR, MIN_CONTEXT_MATCHES),
      context: CONTEXT_SPAN,
    });
    const namespace = input.namespace;
    const candidates = foldContext(hits, terms, {
      keep: Math.max(input.limit * CANDIDATE_FACTOR, MIN_CANDIDATES),
    });
    const near = (list: Scored[]) =>
      namespace
        ? list.map((s) => ({ ...s, score: s.score * proximityBoost(s.memory.namespace, namespace) }))
          .sort((a, b) => b.score - a.score)
        : list;
    let ranked = near(rankKeywordHits(candidates, now));
    if (mode !== "keyword") {
      ranked = near(
        await hybridRank(ctx, ranked, {
          context: input.context,
          contextTokens: input.context_tokens,
          filter,
          now,
          limit: input.limit,
          rerank: mode === "hybrid+rerank",
        }),
      );
    }
    ranked = ranked.slice(0, input.limit);
    const memories = [];
    let tokens = 0;
    for (const { memory, score } of ranked) {
      const cost = estimateTokens(memory);
      if (input.budget_tokens !== undefined && tokens + cost > input.budget_tokens) break;
      tokens += cost;
      memories.push({ ...memory, score });
    }
    const standards = (await standardsChain(ctx.store, input.namespace, reader)).map(standardEntry);
    // Last: the store writes touches after the answer, unless another read comes first.
    await ctx.store.touch(memories.map((m) => m.id), {
      ...touchRules(now, ctx.config),
      now: now.toISOString(),
    });
    return {
      memories,
      count: memories.length,
      mode,
      tokens_used: tokens,
      ...(input.budget_tokens !== undefined ? { budget_tokens: input.budget_tokens } : {}),
      standards,
    };
  },
});
