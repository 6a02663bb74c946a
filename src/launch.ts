// The launcher behind `deno task start|mcp|cli`: reads the configuration, then runs src/main.ts
// with exactly the permissions it needs (a database outside ./data included), forwarding stdio.
import { parseArgs } from "node:util";
import { MemoryError } from "./core/errors.ts";
import { federationCliPaths, permissionFlags, type Surface } from "./deploy/permission_flags.ts";
import { loadConfig } from "./runtime.ts";

const args = Deno.args;

// `ai-memory bench`: the benchmark (bench/bench.ts, from a source checkout) with the `bench`
// permission set of deno.json; it starts its own servers with theirs.
if (args[0] === "bench") {
  const bench = decodeURIComponent(new URL("../bench/bench.ts", import.meta.url).pathname);
  Deno.exit(await run(["-P=bench"], bench, args.slice(1)));
}

const surface: Surface = args[0] === "serve" ? "serve" : args[0] === "mcp" ? "mcp" : "cli";
const { values } = parseArgs({
  args,
  strict: false,
  allowPositionals: true,
  options: {
    db: { type: "string" },
    "data-dir": { type: "string" },
    config: { type: "string" },
    host: { type: "string" },
    port: { type: "string" },
  },
});
const text = (v: unknown) => (typeof v === "string" ? v : undefined);

let flags: string[];
try {
  const port = text(values.port);
  const config = loadConfig({
    db: text(values.db),
    dataDir: text(values["data-dir"]),
    config: text(values.config),
    host: text(values.host),
    port: port === undefined ? undefined : Number(port),
    passphraseOnlyPath: true,
  });
  flags = permissionFlags(config, {
    surface,
    configFile: text(values.config) ?? Deno.env.get("AI_MEMORY_CONFIG"),
    extra: federationCliPaths(args),
  });
} catch (err) {
  const message = err instanceof MemoryError ? err.message : String(err);
  Deno.stderr.writeSync(new TextEncoder().encode(`error (invalid_input): ${message}\n`));
  Deno.exit(2);
}

const main = decodeURIComponent(new URL("./main.ts", import.meta.url).pathname);
Deno.exit(await run(flags, main, args));

/** Run `module` with `flags` and `moduleArgs`, stdio forwarded and signals passed on; its exit code. */
async function run(flags: string[], module: string, moduleArgs: string[]): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, module, ...moduleArgs],
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
    });
  }
  return (await child.status).code;
}
