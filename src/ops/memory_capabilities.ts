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
    models: z.object({
      embedder: z.string().nullable().describe("Loaded embedding model, if any"),
      reranker: z.string().nullable().describe("Loaded cross-encoder, if any"),
      llm: z.string().nullable().describe("Configured local LLM, if any"),
    }),
    features: z.record(z.string(), z.boolean()).describe("Feature flags"),
    storage: z.object({
      backend: z.string().describe("Storage backend"),
      schema_version: z.number().int().describe("Database schema version"),
    }),
  }),
  annotations: READ_ONLY,
  http: [{ method: "GET", path: "/api/v1/capabilities" }],
  cli: { command: "capabilities" },
  run(ctx) {
    return Promise.resolve({
      schema_version: 2 as const,
      version: VERSION,
      tier: "keyword" as const,
      recall_modes: ["keyword"],
      models: { embedder: null, reranker: null, llm: null },
      features: {
        keyword_recall: true,
        semantic_recall: false,
        soft_delete: true,
        upsert_on_title: true,
        encryption_at_rest: Boolean(ctx.config.passphrase || ctx.config.passphraseFile),
      },
      storage: { backend: ctx.store.backend, schema_version: ctx.store.schemaVersion },
    });
  },
});
