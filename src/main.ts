// Entry point: argv -> surface. `serve` runs HTTP, `mcp` runs MCP on stdio, anything else is the CLI.
import { CATALOG } from "./ops/catalog.ts";
import { type Config, redactConfig } from "./core/config.ts";
import { MemoryError } from "./core/errors.ts";
import { auditPermissions } from "./deploy/permission_audit.ts";
import { permissionFlags } from "./deploy/permission_flags.ts";
import { createLogger } from "./core/log.ts";
import { startSweeper } from "./lifecycle/sweeper.ts";
import { startEmbedWorker } from "./recall/embed_worker.ts";
import { doctorReport, rebuildIndex, verifyModels } from "./recall/doctor.ts";
import { loadConfig, openDeps, openStore, rekeyDatabase, restoreDatabase } from "./runtime.ts";
import { exportAuditTrail, verifyAuditTrail } from "./safety/audit_trail.ts";
import { allowList } from "./safety/ssrf_guard.ts";
import { startDispatcher } from "./webhooks/dispatcher.ts";
import { startCurator } from "./curator/loop.ts";
import { startFederation } from "./federation/federation_node.ts";
import { runCuratorCycle } from "./curator/cycle.ts";
import { writeNewFile } from "./lifecycle/export_file.ts";
import type { MemoryStore } from "./store/store.ts";
import type { Deps } from "./ops/operation.ts";
import { serveHttp } from "./surfaces/http/serve.ts";
import { type GlobalFlags, runCli } from "./surfaces/cli/main.ts";
import { serveStdio } from "./surfaces/mcp/stdio.ts";
import { createApiKey, revokeApiKey } from "./safety/api_keys.ts";
import { fingerprintOfFile, initNodeIdentity } from "./federation/identity_files.ts";
import { federationStatus } from "./federation/federation_status.ts";

interface ServerFlags {
  host?: string;
  port?: number;
  tier?: string;
  allowBroadPermissions?: boolean;
  /** `--quorum W`: overrides federation.quorum for this process. */
  quorum?: string;
}

/**
 * The configuration with `--quorum W` applied: W nodes of the federation, this one included.
 * @throws {MemoryError} invalid_input without a federation section, or for W outside 1..N
 */
function withQuorum(config: Config, quorum: string | undefined): Config {
  if (quorum === undefined) return config;
  if (!config.federation) {
    throw new MemoryError(
      "invalid_input",
      "Invalid input: quorum: needs a federation section in the config file (see docs/federation.md)",
    );
  }
  const nodes = 1 + config.federation.peers.length;
  const w = Number(quorum);
  if (!/^[0-9]+$/.test(quorum) || w < 1 || w > nodes) {
    throw new MemoryError(
      "invalid_input",
      `Invalid input: quorum: must be an integer from 1 to ${nodes} (this node and ${nodes - 1} peers)`,
    );
  }
  return { ...config, federation: { ...config.federation, quorum: w } };
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
  // Only the server commands have a recall --tier; `store --tier` is a memory's tier.
  const config = withQuorum(
    loadConfig({
      ...configFlags(flags),
      tier: flags.tier as "keyword" | "semantic" | "smart" | undefined,
    }),
    flags.quorum,
  );
  await auditPermissions(config, {
    allowBroad: flags.allowBroadPermissions === true,
    warn: createLogger({ level: config.logLevel }).warn,
  });
  return await openDeps(config);
}

async function runServer(flags: GlobalFlags & ServerFlags, serveSurface: typeof serveHttp): Promise<void> {
  const deps = await openServerDeps(flags);
  deps.store.startBackgroundCheckpoints?.({
    onFailure: (error) => deps.log.warn("background checkpoints stopped; checkpointing when idle", { error }),
    onCheckpoint: (result) => deps.log.debug("wal checkpoint", { ...result }),
  });
  const stopSweeper = deps.config.gcIntervalSecs > 0
    ? startSweeper(deps.store, {
      clock: deps.clock,
      log: deps.log,
      intervalMs: deps.config.gcIntervalSecs * 1000,
    })
    : () => {};
  // Models load before the surface answers, so a configured tier that cannot run fails at start.
  const models = await deps.semantic.models();
  deps.log.info("recall tier", {
    tier: models.tier,
    embedder: models.embedder?.model ?? null,
    reranker: models.reranker?.model ?? null,
    unavailable: models.unavailable,
  });
  let stopWorker = () => Promise.resolve();
  if (models.embedder) {
    // Loading a saved index takes under a second; building one for 100k memories takes minutes, and
    // the server answers meanwhile (keyword by default, semantic modes when asked, once it is ready).
    void deps.semantic.warmUp().then(
      (index) =>
        deps.log.info(deps.semantic.stopped ? "vector index build stopped" : "vector index ready", {
          entries: index.size,
          from: index.origin,
        }),
      (error) => deps.log.error("vector index failed", { error: (error as Error).message }),
    );
    stopWorker = startEmbedWorker(deps.store.vectors, {
      embedder: models.embedder,
      clock: deps.clock,
      log: deps.log,
      idleMs: 200,
      quietMs: () => deps.metrics.quietMs(),
      // Fold new vectors in now, and persist the index now and then so a restart loads it fast.
      afterBatch: async () => {
        await (await deps.semantic.index()).catchUp();
        await deps.semantic.saveIndex(INDEX_SAVE_EVERY);
      },
    });
  }
  // Events queued by any process (a CLI write included) are delivered by whichever server leases them.
  const stopDispatcher = startDispatcher(deps.store.webhooks, {
    allow: allowList(deps.config.webhookAllow),
    maxAttempts: deps.config.webhookMaxAttempts,
    backoffMs: deps.config.webhookBackoffMs,
    timeoutMs: deps.config.webhookTimeoutMs,
    pollMs: deps.config.webhookPollMs,
    clock: deps.clock,
    log: deps.log,
  });
  // The curator runs beside the surface when enabled; its writes take the operations' path.
  const stopCurator = deps.config.curator.enabled && deps.config.llm
    ? startCurator(deps, { intervalMs: deps.config.curator.intervalSecs * 1000 })
    : () => Promise.resolve();
  // Federation: `serve` is the node peers talk to (listener, catch-up, anti-entropy); an MCP instance
  // on the same database pushes its own writes and waits for their quorum, like the server.
  const federation = deps.config.federation
    ? await startFederation(deps.store.replication, {
      config: deps.config.federation,
      log: deps.log,
      listen: serveSurface === serveHttp,
    })
    : undefined;
  try {
    await serveSurface({ ...deps, federation }, { catalog: CATALOG });
  } finally {
    await federation?.close();
    await stopCurator();
    await stopDispatcher();
    stopSweeper();
    // An index still being built stops where it is (saved below), rather than holding the exit.
    deps.semantic.stop();
    await stopWorker();
    await deps.semantic.saveIndex().catch((error) =>
      deps.log.warn("vector index not saved", { error: (error as Error).message })
    );
    deps.store.close();
  }
}

/** Open the configured store for one admin command, and close it after. */
async function withStore<T>(flags: GlobalFlags, fn: (store: MemoryStore) => Promise<T>): Promise<T> {
  const store = await openStore(loadConfig(configFlags(flags)));
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

/** Save the vector index after this many new vectors (and always at shutdown). */
const INDEX_SAVE_EVERY = 5000;

/** Run `fn` with dependencies opened for one CLI command, closing the store after. */
async function withDeps<T>(flags: GlobalFlags, fn: (deps: Deps) => Promise<T>): Promise<T> {
  const deps = await openDeps(loadConfig(configFlags(flags)));
  try {
    return await fn(deps);
  } finally {
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
  mcp: (flags) => runServer(flags, serveStdio),
  restore: (flags, options) => ({
    restored: true,
    ...restoreDatabase(loadConfig(configFlags(flags)), options),
  }),
  rekey: async (flags, options) => ({
    rekeyed: true,
    ...(await rekeyDatabase(loadConfig(configFlags(flags)), options)),
  }),
  modelsVerify: (flags) => verifyModels(loadConfig({ ...configFlags(flags), passphraseOnlyPath: true })),
  doctor: async (flags) => {
    const deps = await openDeps(loadConfig(configFlags(flags)));
    try {
      return await doctorReport(deps) as { ok: boolean };
    } finally {
      deps.store.close();
    }
  },
  curator: async (flags, options) => {
    const deps = await openDeps(loadConfig(configFlags(flags)));
    try {
      for (;;) {
        const report = await runCuratorCycle(deps, { dryRun: options.dryRun });
        options.report(report as unknown as Record<string, unknown>);
        if (options.once || options.dryRun) return;
        await new Promise((resolve) => setTimeout(resolve, deps.config.curator.intervalSecs * 1000));
      }
    } finally {
      deps.store.close();
    }
  },
  indexRebuild: async (flags, options) => {
    const deps = await openDeps(loadConfig(configFlags(flags)));
    try {
      return await rebuildIndex(deps, options);
    } finally {
      deps.store.close();
    }
  },
  auditVerify: (flags) => withStore(flags, (store) => verifyAuditTrail(store.audit)),
  auditExport: (flags, options) =>
    withStore(flags, async (store) => {
      let text = "";
      const records = await exportAuditTrail(store.audit, {
        write: (lines) => Promise.resolve(void (text += lines)),
      });
      if (options.out === undefined) return { records, text };
      return { records, path: options.out, ...(await writeNewFile(options.out, text, {})) };
    }),
  keys: {
    create: (flags, request) =>
      withDeps(flags, async (deps) => {
        const { key, token } = await createApiKey(deps.store.keys, request, { clock: deps.clock });
        return { ...key, token };
      }),
    list: (flags, options) =>
      withDeps(flags, async (deps) => {
        const keys = await deps.store.keys.list({ includeRevoked: options.all });
        return { keys, count: keys.length };
      }),
    revoke: (flags, id) =>
      withDeps(
        flags,
        async (deps) => ({ key: await revokeApiKey(deps.store.keys, id, { clock: deps.clock }) }),
      ),
  },
  federation: {
    init: initNodeIdentity,
    fingerprint: fingerprintOfFile,
    status: async (flags) => {
      const config = loadConfig(configFlags(flags));
      const store = await openStore(config);
      try {
        return await federationStatus(store.replication, config.federation);
      } finally {
        store.close();
      }
    },
  },
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
