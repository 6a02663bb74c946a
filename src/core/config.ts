// The one typed configuration: defaults < config file < environment < flags, validated by zod.
// Pure: the caller hands in the environment, the parsed file and the flags; nothing here does I/O.
import { z } from "zod";
import { federationConfigSchema } from "./federation_config.ts";
import { parseAllowEntry } from "./ip_address.ts";

/** Environment variables the program reads; the permission sets grant exactly these. */
export const CONFIG_ENV_VARS = [
  "AI_MEMORY_DB",
  "AI_MEMORY_DATA_DIR",
  "AI_MEMORY_CONFIG",
  "AI_MEMORY_AGENT_ID",
  "AI_MEMORY_DB_PASSPHRASE",
  "AI_MEMORY_DB_PASSPHRASE_FILE",
  "AI_MEMORY_DB_NEW_PASSPHRASE",
  "AI_MEMORY_LOG_LEVEL",
  "AI_MEMORY_HOST",
  "AI_MEMORY_PORT",
  "AI_MEMORY_MODELS_DIR",
  "AI_MEMORY_TIER",
] as const;

/** The local LLM endpoint and its models (Ollama's API: /api/chat, /api/embed, /api/tags). */
export const llmConfigSchema = z.object({
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. http://127.0.0.1:11434" })
    .describe(
      "Base URL of the Ollama-compatible endpoint, e.g. http://127.0.0.1:11434 (nothing is downloaded)",
    ),
  chatModel: z.string().min(1).describe(
    "Model answering chat requests, e.g. gemma3:4b (pulled by the operator)",
  ),
  embedModel: z.string().min(1).optional()
    .describe(
      "Model for Ollama's /api/embed, checked by doctor; the semantic tier's embedder with " +
        'embedder "ollama" (optional)',
    ),
  timeoutMs: z.number().int().min(100).max(600_000).default(30_000)
    .describe("How long one LLM request may take before it fails with a timeout"),
  maxOutputTokens: z.number().int().min(16).max(8192).default(512)
    .describe("Largest answer requested from the model (num_predict)"),
  temperature: z.number().min(0).max(2).default(0).describe("Sampling temperature (0: most repeatable)"),
}).strict();

/** What one curator cycle may do, and when the server runs one. */
export const curatorConfigSchema = z.object({
  enabled: z.boolean().default(false).describe("Run the curator loop inside serve/mcp (needs llm)"),
  intervalSecs: z.number().int().min(1).max(86_400).default(3600).describe("Pause between two cycles"),
  maxMemories: z.number().int().min(1).max(100_000).default(200)
    .describe("Memories one cycle looks at, at most (the rest wait for the next cycle)"),
  maxLlmCalls: z.number().int().min(1).max(100_000).default(400)
    .describe("LLM requests one cycle makes, at most"),
  budgetMs: z.number().int().min(100).max(3_600_000).default(60_000)
    .describe("Time one cycle may take; it stops at the next memory after that"),
  similarity: z.number().min(0.1).max(1).default(0.55)
    .describe("Word-set (Jaccard) similarity from which two memories are proposed for consolidation"),
  minContentBytes: z.number().int().min(0).max(65_536).default(20)
    .describe("Memories with less content are left alone (too short to tag or compare)"),
}).strict();

export const configSchema = z.object({
  dataDir: z.string().min(1).default("data").describe("Directory for the database and indexes"),
  db: z.string().min(1).optional().describe("Database file; default <dataDir>/ai-memory.db"),
  host: z.string().min(1).default("127.0.0.1").describe("HTTP bind address"),
  port: z.number().int().min(0).max(65535).default(9077).describe("HTTP port (0 = ephemeral)"),
  agentId: z.string().regex(/^[A-Za-z0-9_\-:@./]{1,128}$/, {
    error: "must be 1-128 characters of A-Z a-z 0-9 _ - : @ . /",
  }).optional().describe("Default agent id for writes from this process"),
  passphrase: z.string().optional().describe("Database encryption key (never printed)"),
  passphraseFile: z.string().optional().describe("File holding the database encryption key"),
  logLevel: z.enum(["debug", "info", "warn", "error"]).default("info").describe("Log level"),
  shortTtlSecs: z.number().int().min(0).default(6 * 3600).describe("Expiry of short memories"),
  midTtlSecs: z.number().int().min(0).default(7 * 24 * 3600).describe("Expiry of mid memories"),
  promoteAfterAccesses: z.number().int().min(1).default(5)
    .describe("A mid memory returned by recall this many times becomes long"),
  gcIntervalSecs: z.number().int().min(0).default(1800)
    .describe("How often the server archives expired memories (0 = never)"),
  deletedRetentionDays: z.number().min(0).default(30)
    .describe("Tombstones older than this are removed by purge"),
  modelsDir: z.string().min(1).default("models")
    .describe("Directory holding manifest.json and the model folders it lists (never fetched)"),
  tier: z.enum(["keyword", "semantic", "smart"]).optional()
    .describe(
      "Recall tier to run: keyword (no model), semantic (embedder), smart (embedder + cross-encoder); " +
        "default: the highest the verified models allow. A tier whose models are missing refuses to start",
    ),
  embedder: z.string().min(1).optional().describe(
    'Name of the manifest\'s embedder to use (default: the first), or "ollama": the local LLM ' +
      "endpoint's llm.embedModel through its /api/embed (docs/llm.md)",
  ),
  reranker: z.string().min(1).optional().describe(
    "Name of the manifest's reranker to use (default: the first)",
  ),
  fusion: z.enum(["blend", "rrf"]).default("blend")
    .describe(
      "How hybrid recall merges keyword and vector results: the reference's weighted blend of " +
        "normalised BM25 and cosine, or reciprocal rank fusion (see bench/RESULTS.md for the comparison)",
    ),
  duplicateThreshold: z.number().min(0.5).max(1).default(0.85)
    .describe("Cosine similarity from which memory_check_duplicate calls two memories duplicates"),
  scoreBudget: z.number().int().min(100).max(1_000_000).default(2500)
    .describe(
      "How many keyword matches one query scores at most: the rare terms' always, the common terms' " +
        "where they decide the ranking, else their most recent (see docs/keyword-recall.md)",
    ),
  busyTimeoutMs: z.number().int().min(0).default(5000)
    .describe("How long one SQLite call waits for another process's lock"),
  writeRetryMs: z.number().int().min(0).default(30_000)
    .describe("How long a write keeps retrying a busy database before it fails"),
  webhookAllow: z.array(
    z.string().superRefine((entry, ctx) => {
      const parsed = parseAllowEntry(entry);
      if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: parsed });
    }),
  ).max(256).default([]).describe(
    "Webhook targets exempt from the SSRF guard's refusal of internal addresses: host, host:port, " +
      "[IPv6]:port or CIDR entries. The launcher grants outbound network access to the host entries only",
  ),
  webhookMaxAttempts: z.number().int().min(1).max(100).default(8)
    .describe("Delivery attempts of one webhook event before it is dead-lettered"),
  webhookBackoffMs: z.number().int().min(10).max(3_600_000).default(2000)
    .describe("Delay before a webhook's first retry; doubled for each further retry, up to an hour"),
  webhookTimeoutMs: z.number().int().min(100).max(120_000).default(10_000)
    .describe("How long a webhook receiver may take to answer"),
  webhookPollMs: z.number().int().min(10).max(600_000).default(1000)
    .describe("How often an idle server looks for due webhook events"),
  llm: llmConfigSchema.optional().describe(
    "A local LLM behind an Ollama-compatible endpoint (smart tier: memory_expand_query, memory_auto_tag, " +
      "memory_detect_contradiction, consolidation summaries, the curator); absent means none. The launcher " +
      "grants network access to its host:port only (docs/llm.md)",
  ),
  curator: curatorConfigSchema.default(curatorConfigSchema.parse({})).describe(
    "The curator: tags new memories, flags contradictions, proposes consolidations, expires (docs/llm.md)",
  ),
  maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(2 * 1024 * 1024)
    .describe("Largest HTTP request body accepted; larger ones get 413 (the reference's 2 MiB by default)"),
  requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000)
    .describe("An HTTP request not answered within this time gets 503 (code timeout)"),
  rateLimitPerSecond: z.number().min(0).max(100_000).default(50)
    .describe("Requests per second each HTTP API key may sustain (0 = no limit); more get 429"),
  rateLimitBurst: z.number().int().min(1).max(100_000).default(200)
    .describe("Requests an HTTP API key may send at once before the per-second rate applies"),
  federation: federationConfigSchema.optional().describe(
    "Replication with trusted peer nodes over mutual TLS (docs/federation.md); absent means this node " +
      "runs alone. The launcher grants network access to federation.listen and each peer's host:port only",
  ),
}).superRefine((config, ctx) => {
  // "ollama" names the endpoint's embedding model, which must then be configured.
  if (config.embedder === "ollama" && !config.llm?.embedModel) {
    ctx.addIssue({
      code: "custom",
      path: ["embedder"],
      message: '"ollama" needs llm.url and llm.embedModel (the endpoint\'s embedding model)',
    });
  }
});

/** Validated configuration. */
export type Config = z.infer<typeof configSchema> & { db: string };

/** Config keys settable from flags. */
export type ConfigFlags = Partial<z.input<typeof configSchema>>;

function fromEnv(env: Record<string, string | undefined>): ConfigFlags {
  const out: ConfigFlags = {};
  if (env.AI_MEMORY_DATA_DIR) out.dataDir = env.AI_MEMORY_DATA_DIR;
  if (env.AI_MEMORY_DB) out.db = env.AI_MEMORY_DB;
  if (env.AI_MEMORY_AGENT_ID) out.agentId = env.AI_MEMORY_AGENT_ID;
  if (env.AI_MEMORY_DB_PASSPHRASE) out.passphrase = env.AI_MEMORY_DB_PASSPHRASE;
  if (env.AI_MEMORY_DB_PASSPHRASE_FILE) out.passphraseFile = env.AI_MEMORY_DB_PASSPHRASE_FILE;
  if (env.AI_MEMORY_HOST) out.host = env.AI_MEMORY_HOST;
  if (env.AI_MEMORY_PORT) out.port = Number(env.AI_MEMORY_PORT);
  if (env.AI_MEMORY_MODELS_DIR) out.modelsDir = env.AI_MEMORY_MODELS_DIR;
  if (env.AI_MEMORY_TIER) out.tier = env.AI_MEMORY_TIER as Config["tier"];
  if (env.AI_MEMORY_LOG_LEVEL) out.logLevel = env.AI_MEMORY_LOG_LEVEL as Config["logLevel"];
  return out;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Build the configuration from its layers.
 * @throws {z.ZodError} when a layer holds an invalid value
 */
export function resolveConfig(
  layers: { file?: unknown; env?: Record<string, string | undefined>; flags?: ConfigFlags } = {},
): Config {
  const file = z.record(z.string(), z.unknown()).parse(layers.file ?? {});
  const merged = {
    ...dropUndefined(file),
    ...dropUndefined(fromEnv(layers.env ?? {})),
    ...dropUndefined(layers.flags ?? {}),
  };
  const parsed = configSchema.parse(merged);
  const dataDir = parsed.dataDir.replace(/\/+$/, "") || ".";
  parsed.modelsDir = parsed.modelsDir.replace(/\/+$/, "") || ".";
  return { ...parsed, dataDir, db: parsed.db ?? `${dataDir}/ai-memory.db` };
}

/** The config with secrets redacted, for `config show` and logs. */
export function redactConfig(config: Config): Record<string, unknown> {
  // federation names its key file by path only; the key itself is never part of the config.
  return { ...config, passphrase: config.passphrase ? "<redacted>" : undefined };
}
