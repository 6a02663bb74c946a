// Entry point: argv -> surface. `serve` runs HTTP, `mcp` runs MCP on stdio, anything else is the CLI.
import { CATALOG } from "./ops/catalog.ts";
import { MemoryError } from "./core/errors.ts";
import { StdioServerTransport } from "./deps/mcp_sdk.ts";
import { redactConfig } from "./core/config.ts";
import { auditPermissions } from "./deploy/permission_audit.ts";
import { permissionFlags } from "./deploy/permission_flags.ts";
import { createLogger } from "./core/log.ts";
import { loadConfig, openDeps, rekeyDatabase } from "./runtime.ts";
import { createApp } from "./surfaces/http/app.ts";
import { type GlobalFlags, runCli } from "./surfaces/cli/main.ts";
import { createMcpServer } from "./surfaces/mcp/server.ts";

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

async function serve(
  flags: GlobalFlags & { host?: string; port?: number; allowBroadPermissions?: boolean },
): Promise<void> {
  const config = loadConfig(configFlags(flags));
  await auditPermissions(config, {
    allowBroad: flags.allowBroadPermissions === true,
    warn: createLogger({ level: config.logLevel }).warn,
  });
  const deps = await openDeps(config);
  const app = createApp(deps, { catalog: CATALOG });
  const controller = new AbortController();
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const address = `${deps.config.host}:${deps.config.port}`;
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: deps.config.host,
      port: deps.config.port,
      signal: controller.signal,
      onListen: ({ hostname, port }) =>
        deps.log.info("listening", { url: `http://${hostname}:${port}`, port }),
    }, app.fetch);
  } catch (err) {
    deps.store.close();
    if (err instanceof Deno.errors.NotCapable) {
      throw new MemoryError(
        "unavailable",
        `Cannot listen on ${address}: the serve permission set allows only loopback addresses`,
      );
    }
    if (err instanceof Deno.errors.AddrInUse) {
      throw new MemoryError("unavailable", `Cannot listen on ${address}: the address is already in use`);
    }
    throw err;
  }
  await server.finished;
  deps.store.close();
  deps.log.info("stopped");
}

async function mcp(
  flags: GlobalFlags & { tier?: string; allowBroadPermissions?: boolean },
): Promise<void> {
  if (flags.tier !== undefined && flags.tier !== "keyword") {
    throw new MemoryError(
      "invalid_input",
      `Invalid input: tier: "${flags.tier}" needs models that are not installed; only keyword is available`,
    );
  }
  const config = loadConfig(configFlags(flags));
  await auditPermissions(config, {
    allowBroad: flags.allowBroadPermissions === true,
    warn: createLogger({ level: config.logLevel }).warn,
  });
  const deps = await openDeps(config);
  const server = createMcpServer(deps, { catalog: CATALOG });
  const closed = new Promise<void>((resolve) => (server.onclose = () => resolve()));
  await server.connect(new StdioServerTransport());
  await closed;
  deps.store.close();
}

const encoder = new TextEncoder();
function writeAll(out: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text + "\n");
  while (bytes.length > 0) bytes = bytes.subarray(out.writeSync(bytes));
}
const code = await runCli(Deno.args, {
  catalog: CATALOG,
  openDeps: (flags) => openDeps(loadConfig(configFlags(flags))),
  serve,
  mcp,
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
