// The surfaces an operation is measured through: in process (invokeOperation), MCP stdio (the SDK
// client and `ai-memory mcp` as a subprocess) and HTTP (`ai-memory serve` on a loopback ephemeral
// port, fetch). Each is a Driver: call an operation by name with a JSON input, get its JSON result.
import { CATALOG } from "../src/ops/catalog.ts";
import { invokeOperation } from "../src/ops/invoke.ts";
import type { IdSource } from "../src/core/ids.ts";
import type { Deps, OpContext, Operation } from "../src/ops/operation.ts";
import { loadConfig, openDeps } from "../src/runtime.ts";
import { connectMcp, startServer } from "../test/support/processes.ts";
import { mixSeed, mulberry32 } from "./_prng.ts";

/** Where a measured call runs. */
export type SurfaceName = "inproc" | "mcp" | "http";

export const SURFACES: readonly SurfaceName[] = ["inproc", "mcp", "http"];

/** Calls operations through one surface on one database. */
export interface Driver {
  surface: SurfaceName;
  /** Run `op` with `input`; throws when the surface reports an error. */
  call(op: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The server process's pid, for surfaces that run one. */
  pid(): number | undefined;
  close(): Promise<void>;
}

/** A catalog operation by name. */
export function operation(name: string): Operation {
  const op = CATALOG.find((o) => o.name === name);
  if (!op) throw new Error(`Operation ${name} is not in the catalog`);
  return op;
}

const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * UUID v4 ids drawn from a seeded generator: shaped and spread like the product's random ids, but the
 * same on every run, so the id index (and every page split in it) is the same from run to run.
 */
export function seededIds(seed: number): IdSource {
  const rng = mulberry32(mixSeed(seed, 0x69647321));
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join("");
  return {
    next: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${"89ab"[Math.floor(rng() * 4)]}${hex(3)}-${hex(12)}`,
  };
}

/**
 * In-process deps on `db` with a silent log, and the context operations run in; with `seed`, ids
 * come from seededIds(seed) instead of the platform's random UUIDs.
 */
export async function openInProcess(
  db: string,
  actor: string,
  seed?: number,
  modelsDir?: string,
): Promise<{ deps: Deps; ctx: OpContext }> {
  const deps = await openDeps(loadConfig(modelsDir ? { db, modelsDir } : { db }));
  deps.log = SILENT;
  if (seed !== undefined) deps.ids = seededIds(seed);
  return { deps, ctx: { ...deps, actor } };
}

/** The in-process driver: the same invokeOperation every surface ends in, without transport. */
export async function inProcessDriver(db: string, actor: string): Promise<Driver> {
  const { deps, ctx } = await openInProcess(db, actor);
  return inProcessDriverOf(deps, ctx);
}

/** The in-process driver on deps already open; closing it closes their store. */
export function inProcessDriverOf(deps: Deps, ctx: OpContext): Driver {
  return {
    surface: "inproc",
    call: (op, input) => invokeOperation(operation(op), input, { ctx, metrics: deps.metrics }),
    pid: () => undefined,
    close: () => Promise.resolve(deps.store.close()),
  };
}

/** The MCP driver: `ai-memory mcp` over stdio, through the MCP SDK client's callTool. */
export async function mcpDriver(db: string, serverArgs: string[] = []): Promise<Driver> {
  const client = await connectMcp(db, serverArgs);
  const transport = client.transport as { pid?: number | null } | undefined;
  return {
    surface: "mcp",
    call: async (op, input) => {
      const result = await client.callTool({ name: op, arguments: input });
      if (result.isError) throw new Error(`MCP ${op} failed: ${JSON.stringify(result.content)}`);
      return (result.structuredContent ?? {}) as Record<string, unknown>;
    },
    pid: () => transport?.pid ?? undefined,
    close: () => client.close(),
  };
}

function queryString(input: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/** The HTTP driver: `ai-memory serve` on 127.0.0.1 with an ephemeral port, one fetch per call. */
export async function httpDriver(db: string, serverArgs: string[] = []): Promise<Driver> {
  const server = await startServer(db, serverArgs);
  // startServer does not expose the child's pid: find it by its unique --db argument.
  const pid = await pidByArgument(db);
  return {
    surface: "http",
    call: async (op, input) => {
      const binding = operation(op).http[0];
      if (!binding) throw new Error(`Operation ${op} has no HTTP route`);
      const body = binding.method === "GET" || binding.method === "DELETE";
      // `:name` segments of the route take the input field of that name; the rest goes as usual.
      const rest = { ...input };
      const path = binding.path.replace(/:([a-z_]+)/g, (_, name: string) => {
        const value = rest[name];
        delete rest[name];
        return encodeURIComponent(String(value));
      });
      const response = await fetch(
        `${server.url}${path}${body ? queryString(rest) : ""}`,
        body ? { method: binding.method } : {
          method: binding.method,
          headers: { "content-type": "application/json" },
          body: JSON.stringify(rest),
        },
      );
      const json = await response.json() as Record<string, unknown>;
      if (!response.ok) throw new Error(`HTTP ${op} failed (${response.status}): ${JSON.stringify(json)}`);
      return json;
    },
    pid: () => pid,
    close: () => server.stop(),
  };
}

/** A driver for `surface` on `db`; `serverArgs` go to the server processes (e.g. `--config F`). */
export function openDriver(
  surface: SurfaceName,
  db: string,
  actor: string,
  serverArgs: string[] = [],
): Promise<Driver> {
  switch (surface) {
    case "inproc":
      return inProcessDriver(db, actor);
    case "mcp":
      return mcpDriver(db, serverArgs);
    case "http":
      return httpDriver(db, serverArgs);
  }
}

/** True when the permission set lets this process run `ps`. */
function canRunPs(): boolean {
  return Deno.permissions.querySync({ name: "run", command: "ps" }).state === "granted";
}

async function ps(args: string[]): Promise<string | undefined> {
  if (!canRunPs()) return undefined;
  try {
    const out = await new Deno.Command("ps", { args, stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The pid of the one process whose command line has `arg` as a word (`ps -eo pid=,args=`), when
 * `ps` may be run. (Deno grants /proc/<pid> reads only with --allow-all, so `ps` reads them.)
 */
export async function pidByArgument(arg: string): Promise<number | undefined> {
  const text = await ps(["-eo", "pid=,args="]);
  if (text === undefined) return undefined;
  const found = text.split("\n").map((line) => line.trim().split(/\s+/)).filter((words) =>
    words.includes(arg)
  );
  return found.length === 1 ? Number(found[0]![0]) : undefined;
}

/** Resident set size of another process now, in bytes (`ps -o rss=`); undefined when unknown. */
export async function processRss(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const text = await ps(["-o", "rss=", "-p", String(pid)]);
  const kib = text === undefined ? Number.NaN : Number(text.trim());
  return Number.isFinite(kib) && kib > 0 ? kib * 1024 : undefined;
}

/** The largest of several RSS samples of one process. */
export class ProcessPeak {
  #peak: number | undefined;
  constructor(readonly pid: () => number | undefined) {}

  async sample(): Promise<void> {
    const rss = await processRss(this.pid());
    if (rss !== undefined && (this.#peak === undefined || rss > this.#peak)) this.#peak = rss;
  }

  get peak(): number | undefined {
    return this.#peak;
  }
}
