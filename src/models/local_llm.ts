// The local LLM behind an Ollama-compatible endpoint: JSON answers checked by a zod schema (a
// malformed one is asked again once, then reported), a timeout per request, errors in our family.
import { Ollama } from "ollama/browser";
import { z } from "zod";
import type { Config } from "../core/config.ts";
import { invalidInput, MemoryError } from "../core/errors.ts";

/** The `llm` section of the configuration. */
export type LlmConfig = NonNullable<Config["llm"]>;

/** One question to the model whose answer must be JSON of `schema`. */
export interface LlmTask<T> {
  /** Short name for errors and logs, e.g. "auto_tag". */
  name: string;
  system: string;
  prompt: string;
  schema: z.ZodType<T>;
  /** Which endpoint to ask: /api/chat (default) or /api/generate. */
  endpoint?: "chat" | "generate";
}

/** Where the time of the LLM calls went, for the curator's report and the bench. */
export interface LlmStats {
  calls: number;
  retries: number;
  malformed: number;
  /** Time waiting for the endpoint (request and body). */
  requestMs: number;
  /** Time parsing and checking answers. */
  parseMs: number;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "answer"}: ${i.message}`).join("; ");
}

class MalformedAnswer extends Error {}

/** A client of one configured endpoint; cheap to create, holds no connection. */
export class LocalLlm {
  readonly config: LlmConfig;
  readonly stats: LlmStats = { calls: 0, retries: 0, malformed: 0, requestMs: 0, parseMs: 0 };
  readonly #client: Ollama;

  constructor(config: LlmConfig) {
    this.config = config;
    const timeoutMs = config.timeoutMs;
    this.#client = new Ollama({
      host: config.url,
      // Every request (and the reading of its body) is bounded by the configured timeout.
      fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    });
  }

  /** "host:port" of the endpoint, for messages (never a path or credentials). */
  get endpoint(): string {
    return new URL(this.config.url).host;
  }

  /**
   * Ask `task` and return its checked answer; a malformed answer is asked again once.
   * @throws {MemoryError} timeout; unavailable when the endpoint fails or answers malformed twice
   */
  async ask<T>(task: LlmTask<T>): Promise<T> {
    let last = "";
    for (let attempt = 1; attempt <= 2; attempt++) {
      if (attempt === 2) this.stats.retries++;
      try {
        return await this.#askOnce(task);
      } catch (error) {
        if (!(error instanceof MalformedAnswer)) throw error;
        this.stats.malformed++;
        last = error.message;
      }
    }
    throw new MemoryError(
      "unavailable",
      `The local LLM (${this.config.chatModel}) gave a malformed answer to ${task.name} twice (${last}); ` +
        "nothing was stored",
      { details: { task: task.name, model: this.config.chatModel, problem: last } },
    );
  }

  async #askOnce<T>(task: LlmTask<T>): Promise<T> {
    const format = z.toJSONSchema(task.schema) as Record<string, unknown>;
    const options = { temperature: this.config.temperature, num_predict: this.config.maxOutputTokens };
    const text = await this.#call(async () => {
      if (task.endpoint === "generate") {
        const r = await this.#client.generate({
          model: this.config.chatModel,
          system: task.system,
          prompt: task.prompt,
          format,
          options,
          stream: false,
        });
        return r.response;
      }
      const r = await this.#client.chat({
        model: this.config.chatModel,
        messages: [{ role: "system", content: task.system }, { role: "user", content: task.prompt }],
        format,
        options,
        stream: false,
      });
      return r.message?.content;
    });
    const started = performance.now();
    try {
      if (typeof text !== "string") throw new MalformedAnswer("no text in the response");
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new MalformedAnswer("the answer is not JSON");
      }
      const parsed = task.schema.safeParse(json);
      if (!parsed.success) throw new MalformedAnswer(describeIssues(parsed.error));
      return parsed.data;
    } finally {
      this.stats.parseMs += performance.now() - started;
    }
  }

  /** Embed `texts` with the configured embedding model (/api/embed). */
  async embed(texts: string[]): Promise<number[][]> {
    const model = this.config.embedModel;
    if (!model) throw new MemoryError("unavailable", "No embedding model is configured (llm.embedModel)");
    const malformed = (problem: string) =>
      new MemoryError(
        "unavailable",
        `The local embedding model (${model}) gave a malformed answer (${problem})`,
        {
          details: { model, problem },
        },
      );
    let r;
    try {
      r = await this.#call(() => this.#client.embed({ model, input: texts }));
    } catch (error) {
      if (error instanceof MalformedAnswer) throw malformed(error.message);
      throw error;
    }
    const parsed = z.array(z.array(z.number())).length(texts.length).safeParse(r?.embeddings);
    if (!parsed.success) throw malformed(describeIssues(parsed.error));
    return parsed.data;
  }

  /** The models the endpoint has (/api/tags). */
  async models(): Promise<string[]> {
    const r = await this.#call(() => this.#client.list());
    const parsed = z.array(z.object({ name: z.string() }).loose()).safeParse(r?.models);
    if (!parsed.success) throw new MemoryError("unavailable", "The local LLM endpoint listed no models");
    return parsed.data.map((m) => m.name);
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    this.stats.calls++;
    try {
      return await fn();
    } catch (error) {
      throw this.#failure(error);
    } finally {
      this.stats.requestMs += performance.now() - started;
    }
  }

  #failure(error: unknown): Error {
    const e = error as { name?: string; status_code?: number; message?: string };
    if (e?.name === "TimeoutError" || e?.name === "AbortError") {
      return new MemoryError(
        "timeout",
        `The local LLM at ${this.endpoint} did not answer within ${this.config.timeoutMs} ms (llm.timeoutMs)`,
        { details: { endpoint: this.endpoint, timeout_ms: this.config.timeoutMs } },
      );
    }
    // A body that is not JSON at all: the same as a malformed answer.
    if (error instanceof SyntaxError) return new MalformedAnswer("the response body is not JSON");
    if (typeof e?.status_code === "number") {
      return new MemoryError(
        "unavailable",
        `The local LLM at ${this.endpoint} failed with HTTP ${e.status_code}`,
        { details: { endpoint: this.endpoint, status: e.status_code } },
      );
    }
    // Refused connections and the sandbox's NotCapable; the message names no memory text.
    return new MemoryError(
      "unavailable",
      `Cannot reach the local LLM at ${this.endpoint} (${e?.name ?? "Error"}: ${
        String(e?.message ?? error).slice(0, 200)
      })`,
      { details: { endpoint: this.endpoint } },
    );
  }
}

/**
 * The LLM of this context (or one built from its config), or an error naming `field` and why.
 * @throws {MemoryError} invalid_input when no local LLM is configured
 */
export function requireLlm(ctx: { config: Config; llm?: LocalLlm | undefined }, field: string): LocalLlm {
  if (ctx.llm) return ctx.llm;
  if (ctx.config.llm) return new LocalLlm(ctx.config.llm);
  throw invalidInput([{
    field,
    message: "needs a local LLM (the smart tier); none is configured (set llm.url and llm.chatModel)",
  }]);
}
