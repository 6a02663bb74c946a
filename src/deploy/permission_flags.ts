// The exact Deno permission flags a surface needs for a given configuration: the deno.json set
// for the surface, plus read/write on the configured data and database directories and read on the
// models directory only.
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import type { Config } from "../core/config.ts";
import { MemoryError } from "../core/errors.ts";

/** The long-running or one-shot surfaces, each with a permission set in deno.json. */
export type Surface = "serve" | "mcp" | "cli";

function pathList(paths: string[]): string {
  for (const p of paths) {
    if (p.includes(",")) {
      throw new MemoryError("invalid_input", `Invalid input: path "${p}" must not contain a comma`);
    }
  }
  return [...new Set(paths)].join(",");
}

/** The host and host:port entries of the webhook allowlist, as --allow-net wants them. */
export function webhookHosts(entries: readonly string[]): string[] {
  return entries.map((e) => e.trim().toLowerCase()).filter((e) => !e.includes("/"));
}

/** The host:port of the local LLM endpoint, as --allow-net wants it (the scheme's port when none). */
export function llmHost(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
  return `${parsed.hostname}:${port}`;
}

/** host:port of an http(s) URL as --allow-net wants it (IPv6 in brackets). */
function urlHost(url: URL): string {
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  return `${url.hostname}:${port}`;
}

/**
 * The files a `federation` CLI command reads and writes, from its arguments (argv without the
 * program name): `init --dir` writes DIR, `--ca-cert`/`--ca-key`/`fingerprint --cert` are read.
 */
export function federationCliPaths(args: readonly string[]): { read: string[]; write: string[] } {
  const { values, positionals } = parseArgs({
    args: [...args],
    strict: false,
    allowPositionals: true,
    options: {
      dir: { type: "string" },
      "ca-cert": { type: "string" },
      "ca-key": { type: "string" },
      cert: { type: "string" },
    },
  });
  if (positionals[0] !== "federation") return { read: [], write: [] };
  const text = (v: unknown) => (typeof v === "string" && v.length > 0 ? [v] : []);
  const write = positionals[1] === "init" ? text(values.dir) : [];
  return {
    read: [...write, ...text(values["ca-cert"]), ...text(values["ca-key"]), ...text(values.cert)],
    write,
  };
}

/**
 * Flags for `deno run` that give `surface` what `config` needs and nothing more.
 * @param configFile the config file the surface will read, if any
 * @param extra files a one-shot command needs beyond the configuration (see federationCliPaths)
 */
export function permissionFlags(
  config: Config,
  options: {
    surface: Surface;
    configFile?: string | undefined;
    extra?: { read: string[]; write: string[] };
  },
): string[] {
  const dirs = [config.dataDir, dirname(config.db)];
  const read = [...dirs, config.modelsDir, ...(options.extra?.read ?? [])];
  if (options.configFile) read.push(options.configFile);
  if (config.passphraseFile) read.push(config.passphraseFile);
  const fed = config.federation;
  // The servers run federation: they read the node's key, certificate and site CA.
  if (fed && options.surface !== "cli") read.push(fed.cert, fed.key, ...(fed.ca ? [fed.ca] : []));
  const flags = [
    `-P=${options.surface}`,
    `--allow-read=${pathList(read)}`,
    `--allow-write=${pathList([...dirs, ...(options.extra?.write ?? [])])}`,
  ];
  const net: string[] = [];
  if (options.surface === "serve") {
    net.push(config.port === 0 ? config.host : `${config.host}:${config.port}`);
  }
  // Federation: listen on federation.listen, connect to each allowlisted peer's host:port, no more.
  if (fed && options.surface !== "cli") {
    net.push(fed.listen.port === 0 ? fed.listen.host : `${fed.listen.host}:${fed.listen.port}`);
    net.push(...fed.peers.map((p) => urlHost(new URL(p.url))));
  }
  // The servers deliver webhooks: outbound access to the allowlisted hosts, and no other. A CIDR
  // entry cannot be a Deno permission; its receivers must also be listed by host (docs/webhooks.md).
  if (options.surface !== "cli") net.push(...webhookHosts(config.webhookAllow));
  // Every surface may call the local LLM (its operations run on all three): its host:port only.
  if (config.llm) net.push(llmHost(config.llm.url));
  if (net.length > 0) flags.push(`--allow-net=${pathList(net)}`);
  return flags;
}
