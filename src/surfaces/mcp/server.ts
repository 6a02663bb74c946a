// The MCP surface: one tool per catalog operation, with JSON schemas from the operation's zod
// schemas, structuredContent plus a short text, and errors as isError results.
import { z } from "zod";
import { MemoryError, toMemoryError } from "../../core/errors.ts";
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListToolsRequestSchema,
  McpError,
  Server,
} from "../../deps/mcp_sdk.ts";
import { invokeOperation } from "../../ops/invoke.ts";
import { outputSchemaOf } from "../../ops/_governance_guard.ts";
import type { Deps, Operation } from "../../ops/operation.ts";
import { VERSION } from "../../version.ts";
import { renderCompact } from "../render.ts";
import { PROMPTS } from "./prompts.ts";

// MCP wants an object with properties at the root. A governed write answers either its own result
// or the pending response (anyOf): the root lists the properties of both, each branch stays exact.
function objectRoot(schema: Record<string, unknown>): Record<string, unknown> {
  if (schema.type === "object") return schema;
  const properties: Record<string, unknown> = {};
  for (const branch of (schema.anyOf ?? []) as { properties?: Record<string, unknown> }[]) {
    for (const [key, value] of Object.entries(branch.properties ?? {})) {
      properties[key] = key in properties ? { anyOf: [properties[key], value] } : value;
    }
  }
  return { type: "object", properties, ...schema };
}

function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return objectRoot(rest);
}

function toolListing(op: Operation) {
  return {
    name: op.name,
    title: op.title,
    description: op.description,
    inputSchema: jsonSchemaOf(op.input, "input"),
    outputSchema: jsonSchemaOf(outputSchemaOf(op), "output"),
    annotations: { title: op.title, ...op.annotations },
  };
}

function renderText(result: Record<string, unknown>, format: unknown): string {
  return format === "json" ? JSON.stringify(result) : renderCompact(result);
}

/**
 * Build an MCP server bound to every catalog operation.
 * @param catalog the operations to expose
 */
export function createMcpServer(deps: Deps, options: { catalog: readonly Operation[] }): Server {
  const server = new Server(
    { name: "ai-memory", version: VERSION },
    { capabilities: { tools: {}, prompts: {} } },
  );
  const byName = new Map(options.catalog.map((op) => [op.name, op]));
  const listing = options.catalog.map(toolListing);
  const processActor = deps.config.agentId ?? `mcp:pid-${Deno.pid}`;

  function actor(): string {
    if (deps.config.agentId) return deps.config.agentId;
    const client = server.getClientVersion()?.name;
    const safe = client?.replace(/[^A-Za-z0-9_\-:@./]/g, "-").slice(0, 100);
    return safe ? `ai:${safe}` : processActor;
  }

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listing }));

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const op = byName.get(request.params.name);
    if (!op) {
      const error = new MemoryError("not_found", `Unknown tool "${request.params.name}"`);
      return { content: [{ type: "text" as const, text: error.message }], isError: true };
    }
    try {
      const args = request.params.arguments ?? {};
      const result = await invokeOperation(op, args, {
        ctx: { ...deps, actor: actor() },
        metrics: deps.metrics,
      });
      return {
        content: [{ type: "text" as const, text: renderText(result, args.format) }],
        structuredContent: result,
      };
    } catch (err) {
      const error = toMemoryError(err);
      return {
        content: [{ type: "text" as const, text: `${error.code}: ${error.message}` }],
        isError: true,
      };
    }
  });

  server.setRequestHandler(ListPromptsRequestSchema, () => ({
    prompts: PROMPTS.map(({ name, description, arguments: args }) => ({
      name,
      description,
      arguments: args,
    })),
  }));

  server.setRequestHandler(GetPromptRequestSchema, (request) => {
    const prompt = PROMPTS.find((p) => p.name === request.params.name);
    if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt "${request.params.name}"`);
    return {
      description: prompt.description,
      messages: [{
        role: "user" as const,
        content: { type: "text" as const, text: prompt.render(request.params.arguments ?? {}) },
      }],
    };
  });

  return server;
}
