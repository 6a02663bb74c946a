// The shape of one catalog entry: an operation defined once, bound by every surface with no
// per-operation code. Surfaces read these fields; they never look at a specific name.
import type { z } from "zod";
import type { Clock } from "../core/clock.ts";
import type { Config } from "../core/config.ts";
import type { Grant } from "../core/grant.ts";
import type { IdSource } from "../core/ids.ts";
import type { Logger } from "../core/log.ts";
import type { OperationMetrics } from "../core/metrics.ts";
import type { WriteReplication } from "../federation/federation_node.ts";
import type { LocalLlm } from "../models/local_llm.ts";
import type { SemanticEngine } from "../recall/semantic_engine.ts";
import type { GovernedTarget } from "../safety/governance.ts";
import type { MemoryStore } from "../store/store.ts";

/** What an operation runs with; the surface supplies the actor. */
export interface OpContext {
  store: MemoryStore;
  config: Config;
  clock: Clock;
  ids: IdSource;
  log: Logger;
  /** Models, vector index and nearest-neighbour lookups (loaded on first use). */
  semantic: SemanticEngine;
  /** The configured local LLM, shared so its call statistics add up (absent: built from config.llm). */
  llm?: LocalLlm | undefined;
  /** Who is calling: an agent id resolved by the surface. */
  actor: string;
  /**
   * The namespaces the caller's credentials may read and write (an HTTP API key); absent means
   * unrestricted (MCP over stdio, the CLI, a loopback server without keys). The surface also hands
   * such a caller a store that enforces it, so operations need not check writes themselves.
   */
  grant?: Grant | undefined;
  /**
   * The caller is the machine's operator: someone running the CLI against the database file itself
   * (who could change that file anyway). Only the operator gives "human" governance approvals.
   */
  operator?: boolean;
  /**
   * Federation of this process, when configured: a write waits until its quorum of nodes has it
   * (see invokeOperation).
   */
  federation?: WriteReplication | undefined;
}

/** One HTTP route for an operation. */
export interface HttpBinding {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Hono path; `:name` segments fill the input field of the same name. */
  path: string;
  /** Status on success (default 200). */
  status?: number;
}

/** How the CLI exposes an operation. */
export interface CliBinding {
  /** Subcommand name, e.g. `store`. */
  command: string;
  /** Input fields taken as positional arguments, in order. */
  positional?: string[];
  /** One-letter flags by field name, e.g. `{ title: "T" }`. */
  short?: Record<string, string>;
  /** Fields that read standard input when given as `-`. */
  stdin?: string[];
  /** Defaults that differ on the command line, e.g. `{ source: "cli" }` as the reference has. */
  defaults?: Record<string, string>;
}

/** MCP tool annotations; they must be honest. */
export interface Annotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** An operation of the catalog. */
export interface Operation<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: Annotations;
  http: HttpBinding[];
  cli: CliBinding;
  /**
   * For an operation that writes: the changes it is about to make (namespace, kind, memory), which
   * the catalog checks against the namespaces' governance policies before `run`. Reads only.
   */
  governance?: (ctx: OpContext, input: z.output<I>) => Promise<GovernedTarget[]>;
  run(ctx: OpContext, input: z.output<I>): Promise<z.input<O>>;
}

/** Define an operation with its types checked against its schemas. */
export function defineOperation<I extends z.ZodObject, O extends z.ZodObject>(
  op: Operation<I, O>,
): Operation<I, O> {
  return op;
}

/** Annotations for an operation that only reads. */
export const READ_ONLY: Annotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/** What a surface is built from: everything an operation needs except the caller. */
export interface Deps extends Omit<OpContext, "actor" | "grant" | "operator"> {
  metrics: OperationMetrics;
}
