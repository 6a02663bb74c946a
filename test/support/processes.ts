// Real processes for end-to-end tests: the HTTP server on an ephemeral loopback port, the CLI,
// and the MCP server over stdio, each started with its own permission set from deno.json.
import { Client, StdioClientTransport } from "./mcp_client.ts";

const MAIN = "src/main.ts";
const decoder = new TextDecoder();

// The directories tempDataDir() made in this test process, removed when it exits.
const madeDirs: string[] = [];
let removalArmed = false;

/** Remove this process's test directories; AI_MEMORY_KEEP_TEST_DIRS=1 keeps them to look into. */
function removeMadeDirs(): void {
  if (Deno.env.get("AI_MEMORY_KEEP_TEST_DIRS") === "1") return;
  for (const dir of madeDirs.splice(0)) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Already gone, or still held open (Windows): the next clean clone does not have it.
    }
  }
}

/**
 * A fresh directory under ./data (the only place the permission sets may write), removed with
 * everything in it when the test process exits.
 */
export async function tempDataDir(): Promise<string> {
  await Deno.mkdir("data/tmp", { recursive: true });
  const dir = await Deno.makeTempDir({ dir: "data/tmp", prefix: "test-" });
  madeDirs.push(dir);
  if (!removalArmed) {
    removalArmed = true;
    globalThis.addEventListener("unload", removeMadeDirs);
  }
  return dir;
}

/** A running HTTP server. */
export interface ServerProcess {
  url: string;
  port: number;
  /** Stop it: SIGTERM (a clean shutdown) unless told otherwise, e.g. SIGKILL for a crash. */
  stop(signal?: Deno.Signal): Promise<void>;
  /** Its JSON log lines so far (stderr), parsed. */
  logs(): Record<string, unknown>[];
}

/** Start `ai-memory serve` on 127.0.0.1 with an ephemeral port and wait until it listens. */
export async function startServer(
  db: string,
  extraArgs: string[] = [],
  options: { env?: Record<string, string> } = {},
): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=serve", MAIN, "serve", "--port", "0", "--db", db, ...extraArgs],
    stdout: "null",
    stderr: "piped",
    env: { AI_MEMORY_LOG_LEVEL: "info", ...options.env },
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let port = 0;
  const deadline = Date.now() + 30_000;
  while (port === 0) {
    if (Date.now() > deadline) throw new Error("Server did not start within 30 s");
    const { value, done } = await reader.read();
    if (done) throw new Error(`Server exited before listening: ${buffered}`);
    buffered += value;
    for (const line of buffered.split("\n")) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line);
      if (entry.msg === "listening") port = entry.port;
    }
  }
  // Keep draining stderr so the child never blocks on a full pipe, keeping the log lines.
  const drained = (async () => {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) buffered += chunk.value;
  })();
  const logs = () =>
    buffered.split("\n").filter((line) => line.startsWith("{")).flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return []; // a line still being written
      }
    });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async (signal: Deno.Signal = "SIGTERM") => {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      await child.status;
      await drained;
    },
    logs,
  };
}

/** The outcome of one CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI as a subprocess with the `cli` permission set. */
export async function runCli(
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-P=cli", MAIN, ...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: options.env ?? {},
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/**
 * Connect the MCP SDK client to `ai-memory mcp` over stdio; `denoFlags` add permissions, e.g. the
 * --allow-net of a local LLM endpoint (the mcp set grants no network).
 */
export async function connectMcp(
  db: string,
  extraArgs: string[] = [],
  options: { denoFlags?: string[] } = {},
): Promise<Client> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-P=mcp", ...(options.denoFlags ?? []), MAIN, "mcp", "--db", db, ...extraArgs],
    stderr: "pipe",
  });
  const client = new Client({ name: "e2e-test", version: "1.0.0" });
  await client.connect(transport);
  return client;
}
