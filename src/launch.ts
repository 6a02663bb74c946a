// The launcher behind `deno task start|mcp|cli`: reads the configuration, then runs src/main.ts
// with exactly the permissions it needs (a database outside ./data included), forwarding stdio.
import { parseArgs } from "node:util";
import { MemoryError } from "./core/errors.ts";
import { federationCliPaths, permissionFlags, type Surface } from "./deploy/permission_flags.ts";
import { loadConfig } from "./runtime.ts";

const args = Deno.args;
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
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", ...flags, main, ...args],
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
Deno.exit((await child.status).code);
