// Wiring: reads the environment and config file, opens the store and builds the Deps that
// every surface is created from. The only module that reads Deno.env.
import { dirname } from "node:path";
import { systemClock } from "./core/clock.ts";
import { type Config, CONFIG_ENV_VARS, type ConfigFlags, resolveConfig } from "./core/config.ts";
import { z } from "zod";
import { invalidInput, MemoryError, zodIssues } from "./core/errors.ts";
import { randomIds } from "./core/ids.ts";
import { createLogger } from "./core/log.ts";
import { OperationMetrics } from "./core/metrics.ts";
import type { Deps } from "./ops/operation.ts";
import { rekeySqlite } from "./store/sqlite/rekey.ts";
import { restoreSqlite } from "./store/sqlite/restore.ts";
import { SqliteStore } from "./store/sqlite/sqlite_store.ts";
import { SemanticEngine } from "./recall/semantic_engine.ts";
import { LocalLlm } from "./models/local_llm.ts";
import type { MemoryStore } from "./store/store.ts";

function readEnv(): Record<string, string | undefined> {
  return Object.fromEntries(CONFIG_ENV_VARS.map((name) => [name, Deno.env.get(name)]));
}

function readTextFile(path: string, what: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    throw new MemoryError("invalid_input", `Cannot read ${what} "${path}": ${(err as Error).message}`);
  }
}

/**
 * Build the configuration from defaults, the config file, the environment and flags.
 * @throws {MemoryError} invalid_input when a value is invalid
 */
export function loadConfig(
  flags: ConfigFlags & { config?: string | undefined; passphraseOnlyPath?: boolean },
): Config {
  const env = readEnv();
  const file = flags.config ?? env.AI_MEMORY_CONFIG;
  let fileValues: unknown = {};
  if (file) {
    try {
      fileValues = JSON.parse(readTextFile(file, "config file"));
    } catch (err) {
      if (err instanceof MemoryError) throw err;
      throw new MemoryError("invalid_input", `Config file "${file}" is not valid JSON`);
    }
  }
  const { config: _file, passphraseOnlyPath = false, ...rest } = flags;
  try {
    const config = resolveConfig({ file: fileValues, env, flags: rest });
    // The launcher only needs to know where the key file is, never the key.
    if (config.passphraseFile && !config.passphrase && !passphraseOnlyPath) {
      config.passphrase = readTextFile(config.passphraseFile, "passphrase file").trimEnd();
    }
    return config;
  } catch (err) {
    if (err instanceof MemoryError) throw err;
    if (err instanceof z.ZodError) {
      throw invalidInput(zodIssues(err, "config"));
    }
    throw new MemoryError("invalid_input", `Invalid configuration: ${(err as Error).message}`);
  }
}

/** A file-system error in words an operator can act on. */
export function describeFsError(err: unknown): string {
  if (err instanceof Deno.errors.NotCapable) {
    return "this process's permission set does not allow it (the deno.json sets allow only ./data)";
  }
  return err instanceof Error ? err.message : String(err);
}

/** Open the configured store, creating its directory on first use. */
export async function openStore(config: Config): Promise<MemoryStore> {
  if (/^postgres(ql)?:\/\//.test(config.db)) {
    throw new MemoryError("unavailable", "The PostgreSQL backend is not available in this build");
  }
  try {
    Deno.mkdirSync(dirname(config.db), { recursive: true });
  } catch (err) {
    throw new MemoryError(
      "unavailable",
      `Cannot create the data directory "${dirname(config.db)}": ${describeFsError(err)}`,
    );
  }
  return await SqliteStore.open(config.db, {
    now: systemClock.now().toISOString(),
    busyTimeoutMs: config.busyTimeoutMs,
    retryMs: config.writeRetryMs,
    scoreBudget: config.scoreBudget,
    ...(config.passphrase ? { passphrase: config.passphrase } : {}),
  });
}

/** Everything a surface needs, for one configuration. */
export async function openDeps(config: Config): Promise<Deps> {
  const store = await openStore(config);
  return {
    store,
    semantic: new SemanticEngine(config, store),
    llm: config.llm ? new LocalLlm(config.llm) : undefined,
    config,
    clock: systemClock,
    ids: randomIds,
    log: createLogger({ level: config.logLevel }),
    metrics: new OperationMetrics(),
  };
}

/**
 * Change the configured database's key to the one in `newKeyFile` (or AI_MEMORY_DB_NEW_PASSPHRASE),
 * or remove encryption with `decrypt`. Keys never come from argv.
 * @throws {MemoryError} invalid_input when no new key is given; unavailable when the file is in use
 */
export async function rekeyDatabase(
  config: Config,
  options: { newKeyFile?: string | undefined; decrypt?: boolean | undefined },
): Promise<{ encrypted: boolean; memories: number }> {
  const newKey = options.newKeyFile
    ? readTextFile(options.newKeyFile, "new key file").trimEnd()
    : Deno.env.get("AI_MEMORY_DB_NEW_PASSPHRASE");
  if (options.decrypt && newKey) {
    throw new MemoryError("invalid_input", "Invalid input: give either a new key or --decrypt, not both");
  }
  if (!options.decrypt && !newKey) {
    throw new MemoryError(
      "invalid_input",
      "Invalid input: new key: give --new-key-file FILE or AI_MEMORY_DB_NEW_PASSPHRASE, or --decrypt",
    );
  }
  // Opening first brings the schema up to date and proves the current key.
  (await openStore(config)).close();
  const memories = rekeySqlite(config.db, { currentKey: config.passphrase, newKey });
  return { encrypted: Boolean(newKey), memories };
}

/**
 * Restore the configured database from a backup file (see restoreSqlite).
 * @throws {MemoryError} on a bad backup, an existing database without force, or a database in use
 */
export function restoreDatabase(
  config: Config,
  options: { path: string; force: boolean },
): { memories: number } {
  for (const [name, path] of [["read", options.path], ["write", config.db]] as const) {
    if (Deno.permissions.querySync({ name, path }).state !== "granted") {
      throw new MemoryError("unavailable", `Cannot ${name} "${path}": the permission set does not allow it`);
    }
  }
  Deno.mkdirSync(dirname(config.db), { recursive: true });
  return {
    memories: restoreSqlite(options.path, config.db, { passphrase: config.passphrase, force: options.force }),
  };
}
