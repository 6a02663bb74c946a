// A fake Ollama-API server for tests and the bench: Deno.serve on 127.0.0.1 (an ephemeral port),
// real HTTP on /api/chat, /api/generate, /api/embed and /api/tags, with answers scripted per route
// (delays, HTTP errors, malformed bodies) and a log of every request to assert on. /api/embed answers
// a bag-of-words vector by default (each word hashed to one of EMBED_DIMENSIONS buckets), so texts that
// share words are near and equal texts are equal.

/** One scripted answer. */
export interface FakeAnswer {
  /** The model's text (message.content for chat, response for generate); JSON for our tasks. */
  content?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Answer with this HTTP status and an error body instead. */
  status?: number;
  /** Answer with this raw body (e.g. not JSON at all). */
  rawBody?: string;
  /** /api/embed: answer these vectors instead of the bag-of-words ones. */
  embeddings?: number[][];
}

/** The width of the fake's default embeddings. */
export const EMBED_DIMENSIONS = 32;

/** FNV-1a of a word, for its bucket. */
function wordHash(word: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(word)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

/** The bucket of `word` in the fake's embeddings. */
export function bucketOf(word: string): number {
  return wordHash(word.toLowerCase()) % EMBED_DIMENSIONS;
}

/** The fake's embedding of `text`: word counts in hashed buckets (not normalised; the client does that). */
export function bagOfWords(text: string): number[] {
  const vector = new Array<number>(EMBED_DIMENSIONS).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    vector[bucketOf(word)]! += 1;
  }
  // A text without words still gets a non-zero vector.
  if (!vector.some((x) => x !== 0)) vector[0] = 1;
  return vector;
}

/** A scripted answer, or a function of the request's prompt text choosing one. */
export type Script = FakeAnswer | ((prompt: string) => FakeAnswer);

/** One request the fake got. */
export interface FakeRequest {
  path: string;
  model: string | null;
  /** The user prompt (chat: the last message; generate: prompt; embed: the inputs joined). */
  prompt: string;
  body: Record<string, unknown>;
}

/** A running fake endpoint. */
export interface FakeOllama {
  url: string;
  port: number;
  requests: FakeRequest[];
  /** Answers consumed in order per route ("/api/chat", ...); when empty, `fallback` answers. */
  queue: Map<string, Script[]>;
  /** The answer when a route's queue is empty. */
  fallback: Map<string, Script>;
  /** Models /api/tags lists. */
  models: string[];
  stop(): Promise<void>;
}

function promptOf(path: string, body: Record<string, unknown>): string {
  if (path === "/api/chat") {
    const messages = body.messages as { content?: string }[] | undefined;
    return messages?.at(-1)?.content ?? "";
  }
  if (path === "/api/embed") return ([] as unknown[]).concat(body.input ?? []).join("\n");
  return String(body.prompt ?? "");
}

function answerBody(path: string, model: string | null, answer: FakeAnswer, body: Record<string, unknown>) {
  const now = new Date().toISOString();
  if (path === "/api/chat") {
    return {
      model,
      created_at: now,
      message: { role: "assistant", content: answer.content ?? "" },
      done: true,
    };
  }
  if (path === "/api/generate") return { model, created_at: now, response: answer.content ?? "", done: true };
  if (path === "/api/embed") {
    const inputs = ([] as unknown[]).concat(body.input ?? []);
    return { model, embeddings: answer.embeddings ?? inputs.map((text) => bagOfWords(String(text))) };
  }
  return {};
}

/** Start the fake; every route answers `{"tags":["general"]}`-style content unless scripted. */
export function startFakeOllama(options: { models?: string[] } = {}): FakeOllama {
  const fake: FakeOllama = {
    url: "",
    port: 0,
    requests: [],
    queue: new Map(),
    fallback: new Map(),
    models: options.models ?? ["fake-chat:1b", "fake-embed:1"],
    stop: () => server.shutdown(),
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    let body: Record<string, unknown> = {};
    if (req.method === "POST") {
      try {
        body = await req.json();
      } catch { /* logged as empty */ }
    }
    const model = typeof body.model === "string" ? body.model : null;
    const prompt = promptOf(path, body);
    fake.requests.push({ path, model, prompt, body });
    if (path === "/api/tags") {
      return Response.json({ models: fake.models.map((name) => ({ name, model: name, size: 1 })) });
    }
    const script = fake.queue.get(path)?.shift() ?? fake.fallback.get(path) ?? { content: "{}" };
    const answer = typeof script === "function" ? script(prompt) : script;
    if (answer.delayMs) {
      await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    }
    if (answer.status) return Response.json({ error: "scripted failure" }, { status: answer.status });
    if (answer.rawBody !== undefined) {
      return new Response(answer.rawBody, { headers: { "content-type": "application/json" } });
    }
    return Response.json(answerBody(path, model, answer, body));
  });
  fake.port = server.addr.port;
  fake.url = `http://127.0.0.1:${fake.port}`;
  return fake;
}

/** Queue answers for a route, consumed in order. */
export function script(fake: FakeOllama, path: string, ...answers: Script[]): void {
  fake.queue.set(path, [...(fake.queue.get(path) ?? []), ...answers]);
}

/** A chat/generate answer whose content is `value` as JSON. */
export function jsonAnswer(value: unknown, delayMs?: number): FakeAnswer {
  return { content: JSON.stringify(value), ...(delayMs ? { delayMs } : {}) };
}

/** Scripted answers chosen by what the prompt asks. */
export function answerByPrompt(fake: FakeOllama): void {
  fake.fallback.set("/api/chat", (prompt) => {
    if (prompt.includes("search terms")) return jsonAnswer({ terms: ["holiday", "vacation", "leave"] });
    if (prompt.includes("topic tags")) return jsonAnswer({ tags: ["Travel Plans", "budget"] });
    if (prompt.includes("Note A")) {
      const contradicts = prompt.includes("is blue") && prompt.includes("is green");
      return jsonAnswer({ contradicts, reason: contradicts ? "colours differ" : "compatible" });
    }
    return jsonAnswer({});
  });
  fake.fallback.set("/api/generate", jsonAnswer({ summary: "The merged note, written by the model." }));
}

/** A config file naming the fake endpoint; returns its path. */
export async function llmConfig(
  dir: string,
  fake: FakeOllama,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const path = `${dir}/config.json`;
  await Deno.writeTextFile(
    path,
    JSON.stringify({ llm: { url: fake.url, chatModel: "fake-chat:1b", timeoutMs: 800 }, ...extra }),
  );
  return path;
}
