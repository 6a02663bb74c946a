// The exact Deno permission flags a surface needs for a given configuration: the deno.json set
// for the surface, plus read/write on the configured data and database directories and read on the
// models directory only.
import { dirname } from "node:path";
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

/**
 * Flags for `deno run` that give `surface` what `config` needs and nothing more.
 * @param configFile the config file the surface will read, if any
 */
export function permissionFlags(
  config: Config,
  options: { surface: Surface; configFile?: string | undefined },
): string[] {
  const dirs = [config.dataDir, dirname(config.db)];
  const read = [...dirs, config.modelsDir];
  if (options.configFile) read.push(options.configFile);
  if (config.passphraseFile) read.push(config.passphraseFile);
  const flags = [
    `-P=${options.surface}`,
    `--allow-read=${pathList(read)}`,
    `--allow-write=${pathList(dirs)}`,
  ];
  const net: string[] = [];
  if (options.surface === "serve") {
    net.push(config.port === 0 ? config.host : `${config.host}:${config.port}`);
  }
  // The servers deliver webhooks: outbound access to the allowlisted hosts, and no other. A CIDR
  // entry cannot be a Deno permission; its receivers must also be listed by host (docs/webhooks.md).
  if (options.surface !== "cli") net.push(...webhookHosts(config.webhookAllow));
  // Every surface may call the local LLM (its operations run on all three): its host:port only.
  if (config.llm) net.push(llmHost(config.llm.url));
  if (net.length > 0) flags.push(`--allow-net=${pathList(net)}`);
  return flags;
}
