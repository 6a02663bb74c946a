// The semantic tier in end-to-end tests: the tiny fixture models copied where the permission sets
// can read them, texts the fixture embedder maps to one vector, waiting for the embedding queue,
// and an HTTP server the test can kill -9 (startServer only stops it gracefully).
import type { z } from "zod";
import type { memoryCheckDuplicate } from "../../src/ops/memory_check_duplicate.ts";
import type { Capabilities } from "./results.ts";

const FIXTURE_MODELS = "test/fixtures/models";

/** The model folders of the fixture manifest: a 64-dimensional embedder and a cross-encoder. */
export const FIXTURE_FOLDERS = ["tiny-embedder", "tiny-reranker"] as const;

/** The embedder and reranker as the server names them (`name@version`). */
export const FIXTURE_EMBEDDER = "tiny-embedder@1.0.0";
export const FIXTURE_RERANKER = "tiny-reranker@1.0.0";

async function copyFolder(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyFolder(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

/**
 * Copy the fixture manifest and exactly its two model folders to `<dir>/models` (under ./data, which
 * the serve, mcp and cli sets may read; a stray file in a model folder would be refused); returns
 * that directory, for AI_MEMORY_MODELS_DIR or the config's `modelsDir`.
 */
export async function copyFixtureModels(dir: string): Promise<string> {
  const models = `${dir}/models`;
  for (const folder of FIXTURE_FOLDERS) {
    await copyFolder(`${FIXTURE_MODELS}/${folder}`, `${models}/${folder}`);
  }
  await Deno.copyFile(`${FIXTURE_MODELS}/manifest.json`, `${models}/manifest.json`);
  return models;
}

/** Invert one byte in the middle of the file at `path`, so its SHA-256 no longer matches. */
export async function flipByte(path: string): Promise<void> {
  const bytes = await Deno.readFile(path);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0xff;
  await Deno.writeFile(path, bytes);
}

/**
 * `count` CJK ideographs, one per word, starting at code point `first`. The fixture tokenizer's
 * vocabulary is ASCII, so each is one [UNK]: any two such texts with the same number of words get
 * the same vector, while keyword search sees no word in common when their ideographs differ.
 */
export function unknownWords(count: number, first: number): string {
  return Array.from({ length: count }, (_, i) => String.fromCodePoint(first + i)).join(" ");
}

/** What memory_check_duplicate returns, from its output schema. */
export type DuplicateCheck = z.output<typeof memoryCheckDuplicate.output>;

/** What `ai-memory doctor --json` prints when the configured tier can run. */
export interface DoctorReport {
  ok: boolean;
  tier: string | null;
  configured_tier: string;
  recall_modes: string[];
  unavailable: { tier: string; reason: string }[];
  models_dir: string;
  models: { name: string; version: string; role: string; ok: boolean; problems: string[] }[];
  embedder: { model: string; dimensions: number } | null;
  reranker: { model: string } | null;
  embeddings: { vectors: number; pending: number; failing: number; other_model: number };
  vector_index: {
    file: string;
    file_bytes: number | null;
    entries: number | null;
    opened_from: string | null;
  };
  /** Set instead of most of the above when the configured tier cannot start. */
  error?: string;
}

/** The embedding queue as memory_capabilities reports it. */
export type Embeddings = Capabilities["embeddings"];

/**
 * Read the queue with `read` (memory_capabilities on some surface) every 100 ms until nothing is
 * pending, at least `vectors` memories have a vector and the vector index is ready; fails after
 * `timeoutMs` (20 s) with the last reading.
 */
export async function untilEmbedded(
  read: () => Promise<Embeddings>,
  options: { vectors: number; timeoutMs?: number },
): Promise<Embeddings> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last = await read();
  while (last.pending > 0 || last.vectors < options.vectors || last.index !== "ready") {
    if (Date.now() > deadline) {
      throw new Error(`embedding did not finish: ${JSON.stringify(last)}, wanted ${options.vectors} vectors`);
    }
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

/** An HTTP server whose process the test holds, to end it with any signal. */
export interface KillableServer {
  url: string;
  /** Send `signal` and wait for the process to end; resolves to how it ended. */
  kill(signal: Deno.Signal): Promise<Deno.CommandStatus>;
}

function freeLoopbackPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Start `ai-memory serve` (the serve permission set) on a free loopback port with `env` added to the
 * environment; resolves once /api/v1/health answers, fails with its stderr if it exits first.
 */
export async function startKillableServer(
  db: string,
  options: { env: Record<string, string> },
): Promise<KillableServer> {
  const port = freeLoopbackPort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=serve", "src/main.ts", "serve", "--port", String(port), "--db", db],
    stdout: "null",
    stderr: "piped",
    env: options.env,
  }).spawn();
  let log = "";
  const logged = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (log += chunk) }),
  );
  let exited: Deno.CommandStatus | undefined;
  const status = child.status.then((s) => (exited = s));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      await logged;
      throw new Error(`server exited (${exited.code}) before answering: ${log}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await status;
      throw new Error(`server did not answer within 30 s: ${log}`);
    }
    const ok = await fetch(`${url}/api/v1/health`).then(async (r) => {
      await r.body?.cancel();
      return r.ok;
    }, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    kill: async (signal) => {
      if (!exited) child.kill(signal);
      const ended = await child.status;
      await logged;
      return ended;
    },
  };
}
