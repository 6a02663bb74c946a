// The HTTP surface: a Hono app with one route per catalog binding, plus health and metrics.
// Input = path params + query (coerced by the schema) + JSON body; errors map in onError only.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { MemoryError, toMemoryError } from "../../core/errors.ts";
import { invokeOperation } from "../../ops/invoke.ts";
import { isPendingResult } from "../../ops/_governance_guard.ts";
import type { Deps, Operation } from "../../ops/operation.ts";
import { VERSION } from "../../version.ts";
import { coerceTextInput } from "../coerce.ts";
import { errorBody, statusFor } from "./errors.ts";

/** The reference's request body limit. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

const AGENT_ID_REGEXP = /^[A-Za-z0-9_\-:@./]{1,128}$/;

async function readJsonBody(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new MemoryError("invalid_input", "Invalid input: request body must be valid JSON", {
      details: { issues: [{ field: "", message: "must be valid JSON" }] },
    });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new MemoryError("invalid_input", "Invalid input: request body must be a JSON object", {
      details: { issues: [{ field: "", message: "must be a JSON object" }] },
    });
  }
  return body as Record<string, unknown>;
}

function callerOf(headers: Headers, fallback: string): string {
  const header = headers.get("x-agent-id");
  if (header === null) return fallback;
  if (!AGENT_ID_REGEXP.test(header)) {
    throw new MemoryError(
      "invalid_input",
      "Invalid input: X-Agent-Id: must be 1-128 characters of A-Z a-z 0-9 _ - : @ . /",
      { details: { issues: [{ field: "X-Agent-Id", message: "must be 1-128 characters" }] } },
    );
  }
  return header;
}

/**
 * Build the HTTP app bound to every catalog operation.
 * @param catalog the operations to expose
 */
export function createApp(deps: Deps, options: { catalog: readonly Operation[] }): Hono {
  const app = new Hono();
  const defaultActor = deps.config.agentId ?? "anonymous:http";

  app.onError((err, c) => {
    const error = toMemoryError(err);
    if (error.code === "internal") deps.log.error("request failed", { path: c.req.path, error: String(err) });
    return c.json(errorBody(error), statusFor(error.code));
  });
  app.notFound((c) =>
    c.json(errorBody(new MemoryError("not_found", `No route for ${c.req.method} ${c.req.path}`)), 404)
  );

  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new MemoryError(
          "payload_too_large",
          `Request body is larger than ${MAX_BODY_BYTES} bytes (2 MiB)`,
          { details: { limit_bytes: MAX_BODY_BYTES } },
        );
      },
    }),
  );

  app.get("/api/v1/health", async (c) => {
    await deps.store.ping();
    return c.json({
      status: "ok",
      version: VERSION,
      backend: deps.store.backend,
      schema_version: deps.store.schemaVersion,
    });
  });
  const metrics = (c: { text: (body: string, status: 200, headers: Record<string, string>) => Response }) =>
    c.text(deps.metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  app.get("/metrics", (c) => metrics(c));
  app.get("/api/v1/metrics", (c) => metrics(c));

  for (const op of options.catalog) {
    for (const binding of op.http) {
      app.on(binding.method, binding.path, async (c) => {
        const query = coerceTextInput(op.input, c.req.queries() as Record<string, string[]>);
        const body = binding.method === "POST" || binding.method === "PUT"
          ? await readJsonBody(c.req.raw)
          : {};
        const input = { ...query, ...body, ...c.req.param() };
        const result = await invokeOperation(op, input, {
          ctx: { ...deps, actor: callerOf(c.req.raw.headers, defaultActor) },
          metrics: deps.metrics,
        });
        // A write a governance policy queued is a 202 with its pending id. A create that found what it
        // would create (an upsert update, an idempotent repeat) is a 200.
        if (isPendingResult(result)) return c.json(result, 202);
        const createdNothing = result.action === "updated" || result.created === false;
        const status = binding.status === 201 && createdNothing ? 200 : binding.status ?? 200;
        return c.json(result, status as 200 | 201);
      });
    }
  }
  return app;
}
