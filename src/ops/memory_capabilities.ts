// memory_capabilities: what this server can do right now, so agents can adapt.
import { z } from "zod";
import { VERSION } from "../version.ts";
import { defineOperation, READ_ONLY } from "./operation.ts";

export const memoryCapabilities = defineOperation({
  name: "memory_capabilities",
  title: "Server capabilities",
  description: "Report the active recall tier, loaded models, enabled features and the server version.",
  input: z.object({}),
  output: z.object({
    schema_version: z.literal(2).describe("Version of this report's format"),
    version: z.string().describe("Server version"),
    tier: z.enum(["keyword", "semantic", "smart", "autonomous"]).describe("Active recall tier"),
    recall_modes: z.array(z.string()).describe("Recall modes this server can answer with"),
    unavailable: z.array(z.object({
      tier: z.string().describe("A tier above the active one"),
      reason: z.string().describe("Why it does not run (e.g. no embedder in the manifest, a hash mismatch)"),
    })).describe("Tiers this server does not run, and why"),
    embeddings: z.object({
      vectors: z.number().int().describe("Memories with a vector from the active embedder"),
      pending: z.number().int().describe("Memories waiting to be embedded"),
      index: z.enum(["ready", "building", "none"])
        .describe("The vector index: ready, building (recall without a mode answers by keyword), none yet"),
    }).describe("Progress of the embedding queue and the vector index"),
    models: z.object({
      embedder: z.string().nullable().describe("Loaded embedding model, if any"),
      reranker: z.string().nullable().describe("Loaded cross-encoder, if any"),
      llm: z.string().nullable().describe("Configured local LLM, if any"),
    }),
    llm: z.object({
      tier: z.literal("smart").describe(
        "The LLM features' tier: smart (memory_expand_query, memory_auto_tag, ...)",
      ),
      endpoint: z.string().describe("host:port of the configured Ollama-compatible endpoint"),
      chat_model: z.string().describe("Chat model"),
      embed_model: z.string().nullable().describe("Embedding model at the endpoint, if configured"),
      curator: z.boolean().describe("Whether the server runs the curator loop"),
    }).nullable().describe("The configured local LLM (null: none, the LLM operations refuse)"),
    features: z.record(z.string(), z.boolean()).describe("Feature flags"),
    governance: z.object({
      rules: z.number().int().describe("Namespaces with a governance policy"),
      pending: z.number().int().describe("Actions waiting for approval"),
      approved: z.number().int().describe("Actions approved (and replayed)"),
      rejected: z.number().int().describe("Actions rejected"),
    }).describe("Live counts of governance policies and of the approval queue"),
    storage: z.object({
      backend: z.string().describe("Storage backend"),
      schema_version: z.number().int().describe("Database schema version"),
    }),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/capabilities" }],
  cli: { command: "capabilities" },
  async run(ctx) {
    const set = await ctx.semantic.models();
    const vectors = await ctx.store.vectors.stats({ model: set.embedder?.model ?? null });
    const queue = await ctx.store.pending.counts();
    const llm = ctx.config.llm !== undefined;
    return {
      schema_version: 2 as const,
      version: VERSION,
      tier: set.tier,
      recall_modes: await ctx.semantic.modes(),
      unavailable: set.unavailable,
      embeddings: { vectors: vectors.vectors, pending: vectors.pending, index: ctx.semantic.indexState() },
      models: {
        embedder: set.embedder?.model ?? null,
        reranker: set.reranker?.model ?? null,
        llm: ctx.config.llm?.chatModel ?? null,
      },
      llm: ctx.config.llm
        ? {
          tier: "smart" as const,
          endpoint: new URL(ctx.config.llm.url).host,
          chat_model: ctx.config.llm.chatModel,
          embed_model: ctx.config.llm.embedModel ?? null,
          curator: ctx.config.curator.enabled,
        }
        : null,
      features: {
        keyword_recall: true,
        semantic_recall: set.embedder !== null,
        cross_encoder_rerank: set.reranker !== null,
        check_duplicate: set.embedder !== null,
        soft_delete: true,
        upsert_on_title: true,
        governance: true,
        query_expansion: llm,
        auto_tagging: llm,
        contradiction_detection: llm,
        llm_consolidation_summary: llm,
        curator: llm && ctx.config.curator.enabled,
        encryption_at_rest: Boolean(ctx.config.passphrase || ctx.config.passphraseFile),
      },
      governance: { rules: await ctx.store.namespaces.governedCount(), ...queue },
      storage: { backend: ctx.store.backend, schema_version: ctx.store.schemaVersion },
    };
  },
});
