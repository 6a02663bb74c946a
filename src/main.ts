// Entry point: argv -> surface. `serve` runs HTTP, `mcp` runs MCP on stdio, anything else is the CLI.
import { CATALOG } from "./ops/catalog.ts";
import { MemoryError } from "./core/errors.ts";
import { redactConfig } from "./core/config.ts";
import { auditPermissions } from "./deploy/permission_audit.ts";
import { permissionFlags } from "./deploy/permission_flags.ts";
import { createLogger } from "./core/log.ts";
import { startSweeper } from "./lifecycle/sweeper.ts";
import { loadConfig, openDeps, rekeyDatabase, restoreDatabase } from "./runtime.ts";
import type { Deps } from "./ops/operation.ts";
import { serveHttp } from "./surfaces/http/serve.ts";
import { type GlobalFlags, runCli } from "./surfaces/cli/main.ts";
import { serveStdio } from "./surfaces/mcp/stdio.ts";

interface ServerFlags {
  host?: string;
  port?: number;
  tier?: string;
  allowBroadPermissions?: boolean;
}

function configFlags(flags: GlobalFlags & { host?: string; port?: number }) {
  return {
    db: flags.db,
    dataDir: flags.dataDir,
    config: flags.config,
    agentId: flags.agentId,
    host: flags.host,
    port: flags.port,
  };
}

/** Config, sandbox audit and dependencies for a long-running surface. */
async function openServerDeps(flags: GlobalFlags & ServerFlags): Promise<Deps> {
  const config = loadConfig(configFlags(flags));
  await auditPermissions(config, {
    allowBroad: flags.allowBroadPermissions === true,
    warn: createLogger({ level: config.logLevel }).warn,
  });
  return await openDeps(config);
}

async function runServer(flags: GlobalFlags & ServerFlags, serveSurface: typeof serveHttp): Promise<void> {
  const deps = await openServerDeps(flags);
  const stopSweeper = deps.config.gcIntervalSecs > 0
    ? startSweeper(deps.store, {
      clock: deps.clock,
      log: deps.log,
      intervalMs: deps.config.gcIntervalSecs * 1000,
    })
    : () => {};
  try {
    await serveSurface(deps, { catalog: CATALOG });
  } finally {
    stopSweeper();
    deps.store.close();
  }
}

const encoder = new TextEncoder();
function writeAll(out: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text + "\n");
  while (bytes.length > 0) bytes = bytes.subarray(out.writeSync(bytes));
}
const code = await runCli(Deno.args, {
  catalog: CATALOG,
  openDeps: (flags) => openDeps(loadConfig(configFlags(flags))),
  serve: (flags) => runServer(flags, serveHttp),
  mcp: (flags) => {
    if (flags.tier !== undefined && flags.tier !== "keyword") {
      throw new MemoryError(
        "invalid_input",
        `Invalid input: tier: "${flags.tier}" needs models that are not installed; only keyword is available`,
      );
    }
    return runServer(flags, serveStdio);
  },
  restore: (flags, options) => ({
    restored: true,
    ...restoreDatabase(loadConfig(configFlags(flags)), options),
  }),
  rekey: async (flags, options) => ({
    rekeyed: true,
    ...(await rekeyDatabase(loadConfig(configFlags(flags)), options)),
  }),
  showConfig: (flags) => redactConfig(loadConfig({ ...configFlags(flags), passphraseOnlyPath: true })),
  permissions: (flags, surface) => {
    const config = loadConfig({ ...configFlags(flags), passphraseOnlyPath: true });
    const main = decodeURIComponent(new URL("./main.ts", import.meta.url).pathname);
    const args = permissionFlags(config, { surface, configFile: flags.config });
    return ["deno", "run", ...args, main, surface === "cli" ? "" : surface].join(" ").trimEnd();
  },
  stdout: (text) => writeAll(Deno.stdout, text),
  stderr: (text) => writeAll(Deno.stderr, text),
  readStdin: () => new Response(Deno.stdin.readable).text(),
});
Deno.exit(code);
