// The CLI surface: one subcommand per catalog operation (flags from its schema), a table by
// default and JSON with --json; exit 2 with a message on stderr for bad input.
import { Command, CommanderError, Option } from "commander";
import { MemoryError, toMemoryError } from "../../core/errors.ts";
import { invokeOperation } from "../../ops/invoke.ts";
import type { Deps, Operation } from "../../ops/operation.ts";
import { VERSION } from "../../version.ts";
import { coerceTextInput, fieldKind } from "../coerce.ts";
import { renderResult } from "../render.ts";
import { errorLine, EXIT_USAGE, exitCodeFor } from "./errors.ts";

/** Flags every command accepts. */
export interface GlobalFlags {
  db?: string;
  dataDir?: string;
  config?: string;
  agentId?: string;
  json?: boolean;
}

/** Where the CLI writes and reads, and how it reaches the rest of the program. */
export interface CliIo {
  catalog: readonly Operation[];
  /** Build the dependencies once global flags are known. */
  openDeps(flags: GlobalFlags): Promise<Deps>;
  /** Start the long-running surfaces; they resolve when the server stops. */
  serve(
    flags: GlobalFlags & { host?: string; port?: number; allowBroadPermissions?: boolean; quorum?: string },
  ): Promise<void>;
  mcp(
    flags: GlobalFlags & { tier?: string; allowBroadPermissions?: boolean; quorum?: string },
  ): Promise<void>;
  /** The effective configuration, secrets redacted. */
  showConfig(flags: GlobalFlags): Record<string, unknown>;
  /** Change the database key; the new key comes from a file or the environment, never argv. */
  rekey(
    flags: GlobalFlags,
    options: { newKeyFile?: string; decrypt?: boolean },
  ): Promise<Record<string, unknown>>;
  /** Replace the database with a backup. */
  restore(flags: GlobalFlags, options: { path: string; force: boolean }): Record<string, unknown>;
  /** `models verify`: each manifest model against its files; `ok` false when any is refused. */
  modelsVerify(flags: GlobalFlags): Promise<{ ok: boolean } & Record<string, unknown>>;
  /** `doctor`: which tiers run and why the others do not. */
  doctor(flags: GlobalFlags): Promise<{ ok: boolean } & Record<string, unknown>>;
  /**
   * `curator`: run curator cycles (one with `once` or `dryRun`, else one per interval until stopped),
   * handing each cycle's report to `report`.
   */
  curator(
    flags: GlobalFlags,
    options: { dryRun: boolean; once: boolean; report: (report: Record<string, unknown>) => void },
  ): Promise<void>;
  /** `index rebuild`: embed the queue (unless told not to) and rebuild the vector index. */
  indexRebuild(flags: GlobalFlags, options: { embed: boolean }): Promise<Record<string, unknown>>;
  /** `audit verify`: recompute the audit trail's hash chain; `ok` false names the first broken record. */
  auditVerify(
    flags: GlobalFlags,
  ): Promise<{ ok: boolean; broken?: { seq: number; problem: string } } & Record<string, unknown>>;
  /** `audit export`: every audit record as JSON Lines, into a new file `out` or as `text`. */
  auditExport(
    flags: GlobalFlags,
    options: { out?: string | undefined },
  ): Promise<{ records: number; text?: string } & Record<string, unknown>>;
  /** `keys create|list|revoke`: HTTP API keys (the token is in the create result, once). */
  keys: {
    create(
      flags: GlobalFlags,
      request: { agent?: string; read?: string; write?: string; label?: string },
    ): Promise<Record<string, unknown>>;
    list(flags: GlobalFlags, options: { all: boolean }): Promise<Record<string, unknown>>;
    revoke(flags: GlobalFlags, id: string): Promise<Record<string, unknown>>;
  };
  /** `federation init|fingerprint`: node identities for mutual TLS between peers (docs/federation.md). */
  federation: {
    init(
      dir: string,
      options: { commonName: string; san: string[]; days: number; caCert?: string; caKey?: string },
    ): Promise<{ key: string; cert: string; fingerprint: string; snippet: Record<string, unknown> }>;
    fingerprint(cert: string): string;
    /** `federation status`: this node's id and feed head, and each configured peer's backlog. */
    status(flags: GlobalFlags): Promise<{
      node: string;
      head: number;
      configured: boolean;
      quorum: number | null;
      peers: { url: string; fingerprint: string; acknowledged: number; backlog: number; pulled: number }[];
    }>;
  };
  /** The exact `deno run` command line a surface needs for the current configuration. */
  permissions(flags: GlobalFlags, surface: "serve" | "mcp" | "cli"): string;
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
}

function kebab(name: string): string {
  return name.replaceAll("_", "-");
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function isRequired(schema: { safeParse(v: unknown): { success: boolean } }): boolean {
  return !schema.safeParse(undefined).success;
}

function describeField(field: { description?: string }): string {
  return field.description ?? "";
}

function addOperationCommand(program: Command, op: Operation, io: CliIo, run: RunState): void {
  const shape = op.input.shape as Record<
    string,
    { description?: string; safeParse(v: unknown): { success: boolean } }
  >;
  const positional = op.cli.positional ?? [];
  // "kg query" becomes subcommand `query` of a `kg` group shared by the operations that name it.
  const words = op.cli.command.split(" ");
  let parent = program;
  for (const word of words.slice(0, -1)) {
    parent = parent.commands.find((c) => c.name() === word) ??
      parent.command(word).description(`${word} commands`);
  }
  const cmd = parent.command(words.at(-1)!).description(op.description);
  for (const name of positional) {
    const field = shape[name]!;
    cmd.argument(isRequired(field) ? `<${name}>` : `[${name}]`, describeField(field));
  }
  for (const [name, field] of Object.entries(shape)) {
    if (positional.includes(name)) continue;
    const short = op.cli.short?.[name];
    const kind = fieldKind(field as never);
    const flag = `${short ? `-${short}, ` : ""}--${kebab(name)}${kind === "boolean" ? "" : " <value>"}`;
    const hint = kind === "array" ? " (comma-separated)" : kind === "object" ? " (JSON)" : "";
    cmd.addOption(new Option(flag, describeField(field) + hint));
  }
  cmd.action(async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const flags = command.optsWithGlobals() as Record<string, unknown> & GlobalFlags;
    const text: Record<string, string> = {};
    positional.forEach((name, i) => {
      if (typeof args[i] === "string") text[name] = args[i] as string;
    });
    for (const name of Object.keys(shape)) {
      if (positional.includes(name)) continue;
      const value = flags[camel(name)];
      if (value === undefined) continue;
      text[name] = value === true ? "true" : String(value);
    }
    for (const [name, value] of Object.entries(op.cli.defaults ?? {})) text[name] ??= value;
    for (const name of op.cli.stdin ?? []) {
      if (text[name] === "-") text[name] = await io.readStdin();
    }
    const deps = await io.openDeps(flags);
    run.close = () => deps.store.close();
    const result = await invokeOperation(op, coerceTextInput(op.input, text), {
      // Whoever runs the CLI holds the database file itself: the operator (docs/governance.md).
      ctx: { ...deps, actor: deps.config.agentId ?? `cli:pid-${Deno.pid}`, operator: true },
      metrics: deps.metrics,
    });
    io.stdout(flags.json ? JSON.stringify(result, null, 2) : renderResult(result));
  });
}

/**
 * Node identities are operator tooling like `audit` and `keys`: they write key files on the host
 * they run on, so they are CLI-only admin commands, never catalog operations.
 */
function addFederationCommands(program: Command, io: CliIo): void {
  const federation = program.command("federation")
    .description(
      "Federation between trusted nodes: node identities and replication status (docs/federation.md)",
    );
  federation.command("init")
    .description(
      "Create this node's ECDSA P-256 key (DIR/node.key, mode 0600) and certificate (DIR/node.crt), " +
        "self-signed or signed by a site CA; print the fingerprint peers allowlist. Never overwrites",
    )
    .requiredOption("--dir <dir>", "Directory for node.key and node.crt (created if missing)")
    .option("--cn <name>", "Common name of the certificate", "ai-memory-node")
    .option(
      "--san <names>",
      "Comma-separated IP addresses and DNS names peers reach this node by",
      "127.0.0.1,localhost",
    )
    .option("--days <n>", "Validity in days (1-3650)", "825")
    .option("--ca-cert <file>", "Site CA certificate (PEM) to sign with, with --ca-key")
    .option("--ca-key <file>", "Site CA private key (PEM PKCS#8)")
    .action(async (
      opts: { dir: string; cn: string; san: string; days: string; caCert?: string; caKey?: string },
      command: Command,
    ) => {
      const flags = command.optsWithGlobals() as GlobalFlags;
      if (!/^[0-9]+$/.test(opts.days)) {
        throw new MemoryError("invalid_input", "Invalid input: days: must be an integer from 1 to 3650");
      }
      const result = await io.federation.init(opts.dir, {
        commonName: opts.cn,
        san: opts.san.split(",").map((s) => s.trim()).filter(Boolean),
        days: Number(opts.days),
        ...(opts.caCert !== undefined ? { caCert: opts.caCert } : {}),
        ...(opts.caKey !== undefined ? { caKey: opts.caKey } : {}),
      });
      if (flags.json) return io.stdout(JSON.stringify(result, null, 2));
      io.stdout(
        [
          `key:         ${result.key} (mode 0600; keep it on this node)`,
          `certificate: ${result.cert}`,
          `fingerprint: ${result.fingerprint}`,
          "",
          "Give peers this node's URL and fingerprint for their federation.peers. Config for this node:",
          JSON.stringify(result.snippet, null, 2),
        ].join("\n"),
      );
    });
  federation.command("status")
    .description(
      "This node's id and feed head, and for each configured peer what it has acknowledged, the backlog " +
        "still to push to it, and how far this node pulled from it (read from the database; no peer is contacted)",
    )
    .action(async (_opts, command: Command) => {
      const flags = command.optsWithGlobals() as GlobalFlags;
      const status = await io.federation.status(flags);
      if (flags.json) return io.stdout(JSON.stringify(status, null, 2));
      const lines = [
        `node ${status.node}, feed head ${status.head}` +
        (status.configured ? `, quorum ${status.quorum} of ${status.peers.length + 1}` : ""),
      ];
      if (!status.configured) lines.push("federation is not configured (docs/federation.md)");
      for (const p of status.peers) {
        lines.push(
          `  ${p.url}  acknowledged ${p.acknowledged}  backlog ${p.backlog}  pulled ${p.pulled}  ` +
            `(${p.fingerprint.slice(0, 16)}…)`,
        );
      }
      io.stdout(lines.join("\n"));
    });
  federation.command("fingerprint")
    .description("Print the SHA-256 fingerprint of a certificate, as federation.peers[].fingerprint wants it")
    .requiredOption("--cert <file>", "The certificate (PEM)")
    .action((opts: { cert: string }, command: Command) => {
      const flags = command.optsWithGlobals() as GlobalFlags;
      const fingerprint = io.federation.fingerprint(opts.cert);
      io.stdout(flags.json ? JSON.stringify({ cert: opts.cert, fingerprint }, null, 2) : fingerprint);
    });
}

interface RunState {
  close?: () => void;
}

/**
 * Run the CLI with `argv` (without the program name); resolves to the exit code.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const run: RunState = {};
  const program = new Command("ai-memory")
    .version(VERSION)
    .description("Long-term memory for AI agents: MCP server, HTTP API and CLI")
    .option("--db <path>", "Database file (env AI_MEMORY_DB)")
    .option("--data-dir <dir>", "Data directory (env AI_MEMORY_DATA_DIR)")
    .option("--config <file>", "JSON config file (env AI_MEMORY_CONFIG)")
    .option("--agent-id <id>", "Agent id for writes (env AI_MEMORY_AGENT_ID)")
    .option("--json", "Print JSON instead of a table")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s.trimEnd()),
      writeErr: (s) => io.stderr(s.trimEnd()),
      // Commander would probe NO_COLOR/FORCE_COLOR, which the permission sets do not grant.
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });
  program.showHelpAfterError(false);

  program.command("serve")
    .description("Serve the HTTP API (default 127.0.0.1:9077)")
    .option("--host <host>", "Bind address")
    .option("--port <port>", "Port (0 = ephemeral)")
    .option(
      "--tier <tier>",
      "Recall tier: keyword, semantic or smart (default: the highest the models allow)",
    )
    .option(
      "--quorum <w>",
      "Federation: answer a write once W nodes (this one included) have it (overrides federation.quorum)",
    )
    .option("--allow-broad-permissions", "Run even with unscoped Deno permissions (logged)")
    .action(async (_opts, command: Command) => {
      const flags = command.optsWithGlobals() as GlobalFlags & { host?: string; port?: string };
      const port = flags.port === undefined ? undefined : Number(flags.port);
      if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
        throw new MemoryError("invalid_input", "Invalid input: port: must be an integer from 0 to 65535");
      }
      await io.serve({ ...flags, port });
    });
  program.command("mcp")
    .description("Serve MCP over stdio")
    .option(
      "--tier <tier>",
      "Recall tier: keyword, semantic or smart (default: the highest the models allow)",
    )
    .option(
      "--quorum <w>",
      "Federation: answer a write once W nodes (this one included) have it (overrides federation.quorum)",
    )
    .option("--allow-broad-permissions", "Run even with unscoped Deno permissions (logged)")
    .action(async (_opts, command: Command) => {
      await io.mcp(command.optsWithGlobals() as GlobalFlags);
    });
  // The launcher (deno task cli bench) runs bench/bench.ts itself; a process that gets here (a compiled
  // binary, or src/main.ts run directly) has no benchmark to run.
  program.command("bench")
    .description("Benchmark every budgeted operation (from a source checkout: deno task cli bench --help)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new MemoryError(
        "invalid_input",
        "Invalid input: bench: the benchmark runs from a source checkout, through the launcher " +
          "(`npx deno task cli bench --help`, or `deno task bench`); this program does not carry it",
      );
    });
  program.command("config")
    .description("Show the effective configuration (secrets redacted)")
    .argument("[action]", "show", "show")
    .action((action: string, _opts, command: Command) => {
      if (action !== "show") throw new MemoryError("invalid_input", `Invalid input: action: must be "show"`);
      io.stdout(JSON.stringify(io.showConfig(command.optsWithGlobals() as GlobalFlags), null, 2));
    });
  program.command("permissions")
    .description("Print the exact Deno command line (permission flags) a surface needs for this config")
    .argument("[surface]", "serve, mcp or cli", "serve")
    .action((surface: string, _opts, command: Command) => {
      if (surface !== "serve" && surface !== "mcp" && surface !== "cli") {
        throw new MemoryError("invalid_input", `Invalid input: surface: must be one of serve, mcp, cli`);
      }
      io.stdout(io.permissions(command.optsWithGlobals() as GlobalFlags, surface));
    });
  const report = (flags: GlobalFlags, result: Record<string, unknown>) =>
    io.stdout(flags.json ? JSON.stringify(result, null, 2) : renderResult(result));
  // A check prints its report, then fails (exit 1) when the report is not ok.
  const check = <R extends { ok: boolean }>(
    command: Command,
    options: { run: (flags: GlobalFlags) => Promise<R>; failure: string | ((result: R) => string) },
  ) =>
    command.action(async (_opts, self: Command) => {
      const flags = self.optsWithGlobals() as GlobalFlags;
      const result = await options.run(flags);
      report(flags, result);
      if (!result.ok) {
        const failure = typeof options.failure === "string" ? options.failure : options.failure(result);
        throw new MemoryError("unavailable", failure);
      }
    });
  const models = program.command("models").description("The operator's local models (models/manifest.json)");
  check(
    models.command("verify")
      .description("Check every model file against its SHA-256 in the manifest; exit 1 when any is refused"),
    { run: io.modelsVerify, failure: "Some models do not match the manifest" },
  );
  check(
    program.command("doctor")
      .description("Report which recall tiers run, which models are loaded, and why any tier is unavailable"),
    { run: io.doctor, failure: "doctor found problems (see above)" },
  );
  // The audit trail is read by operators and inspectors, not by agents: these are CLI-only admin
  // commands like `models verify` and `doctor`, not catalog operations. As MCP tools or HTTP routes
  // they would hand any agent every actor, id and namespace of the database (past all visibility
  // rules), and an export would write files on the server host on a client's say-so.
  const audit = program.command("audit").description("The hash-chained audit trail of every write");
  check(
    audit.command("verify")
      .description("Recompute the audit trail's hash chain; exit 1 naming the first broken record"),
    {
      run: io.auditVerify,
      failure: (r) =>
        `audit trail broken at record ${r.broken?.seq}: ${r.broken?.problem ?? "unknown problem"}`,
    },
  );
  audit.command("export")
    .description("Write every audit record as JSON Lines (to stdout, or a new file with --out)")
    .option("--out <file>", "Write to this new file instead of stdout")
    .action(async (opts: { out?: string }, command: Command) => {
      const flags = command.optsWithGlobals() as GlobalFlags;
      const { text, ...result } = await io.auditExport(flags, { out: opts.out });
      if (text !== undefined) io.stdout(text.trimEnd());
      else report(flags, result);
    });
  program.command("curator")
    .description(
      "Tag new memories, link likely contradictions, propose consolidations and expire, through " +
        "governance and the audit trail (needs llm; see docs/llm.md). Runs a cycle per interval until stopped",
    )
    .option("--dry-run", "Report what one cycle would do; change nothing (implies --once)")
    .option("--once", "Run one cycle and exit")
    .action(async (opts: { dryRun?: boolean; once?: boolean }, command: Command) => {
      const flags = command.optsWithGlobals() as GlobalFlags;
      await io.curator(flags, {
        dryRun: opts.dryRun === true,
        once: opts.once === true,
        report: (r) => report(flags, r),
      });
    });
  const index = program.command("index").description("The vector index of the semantic tier");
  index.command("rebuild")
    .description("Embed queued memories, then rebuild the vector index from the stored vectors and save it")
    .option("--no-embed", "Only rebuild from vectors already stored")
    .action(async (opts: { embed: boolean }, command: Command) => {
      const flags = command.optsWithGlobals() as GlobalFlags;
      report(flags, await io.indexRebuild(flags, { embed: opts.embed }));
    });
  program.command("restore")
    .description("Replace the database with a backup made by `backup` (checked first; --force to overwrite)")
    .argument("<path>", "The backup file")
    .option("--force", "Replace an existing database (stop servers using it first)")
    .action((path: string, opts: { force?: boolean }, command: Command) => {
      const flags = command.optsWithGlobals() as GlobalFlags;
      const result = io.restore(flags, { path, force: opts.force === true });
      io.stdout(flags.json ? JSON.stringify(result, null, 2) : renderResult(result));
    });
  program.command("rekey")
    .description(
      "Change the database encryption key (new key from --new-key-file or AI_MEMORY_DB_NEW_PASSPHRASE), " +
        "or remove it with --decrypt; stop servers using the database first",
    )
    .option("--new-key-file <path>", "File holding the new key")
    .option("--decrypt", "Store the database unencrypted")
    .action(async (opts: { newKeyFile?: string; decrypt?: boolean }, command: Command) => {
      const flags = command.optsWithGlobals() as GlobalFlags;
      const result = await io.rekey(flags, opts);
      io.stdout(flags.json ? JSON.stringify(result, null, 2) : renderResult(result));
    });
  const keys = program.command("keys")
    .description(
      "HTTP API keys: each acts as one agent and reads/writes only its namespaces (see docs/security.md)",
    );
  keys.command("create")
    .description("Create a key; its token is printed once and only a hash of it is stored")
    .option("--agent <id>", "The agent every request with this key acts as")
    .option("--read <patterns>", "Namespaces it may read: comma-separated ns, ns/* (ns and below) or *")
    .option("--write <patterns>", "Namespaces it may write: same patterns")
    .option("--label <text>", "A note for `keys list`, e.g. who holds the key")
    .action(
      async (opts: { agent?: string; read?: string; write?: string; label?: string }, command: Command) => {
        const flags = command.optsWithGlobals() as GlobalFlags;
        const result = await io.keys.create(flags, opts);
        report(flags, result);
        if (!flags.json) io.stderr("The token above is shown only once: hand it to the agent now.");
      },
    );
  keys.command("list")
    .description("List keys (never their secrets)")
    .option("--all", "Include revoked keys")
    .action(async (opts: { all?: boolean }, command: Command) => {
      const flags = command.optsWithGlobals() as GlobalFlags;
      report(flags, await io.keys.list(flags, { all: opts.all === true }));
    });
  keys.command("revoke")
    .description("Revoke a key: requests with it get 401 from the next request on")
    .argument("<id>", "The key id (from keys list)")
    .action(async (id: string, _opts, command: Command) => {
      const flags = command.optsWithGlobals() as GlobalFlags;
      report(flags, await io.keys.revoke(flags, id));
    });
  addFederationCommands(program, io);
  for (const op of io.catalog) addOperationCommand(program, op, io, run);

  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0; // --help, --version
      return EXIT_USAGE; // commander already wrote the message to stderr
    }
    const error = toMemoryError(err);
    io.stderr(errorLine(error));
    return exitCodeFor(error);
  } finally {
    run.close?.();
  }
}
