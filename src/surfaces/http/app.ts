// The HTTP surface: a Hono app with one route per catalog binding, plus health and metrics, behind
// a deadline, API-key authentication, a per-key rate limit and a body limit; errors map in onError only.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { httpStatusOf, MemoryError, toMemoryError } from "../../core/errors.ts";
import { invokeOperation } from "../../ops/invoke.ts";
import type { Deps, OpContext, Operation } from "../../ops/operation.ts";
import { scopeStore } from "../../store/scoped_store.ts";
import { authenticate, type Caller } from "./auth.ts";
import { RateLimiter, withDeadline } from "./limits.ts";
import { isPendingResult } from "../../ops/_governance_guard.ts";
import { VERSION } from "../../version.ts";
import { coerceTextInput } from "../coerce.ts";
import { errorBody } from "./errors.ts";

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

/**
 * Build the HTTP app bound to every catalog operation.
 * @param catalog the operations to expose
 * @param loopback true when the server listens on a loopback address only: then, while no API key
 *   exists, requests need none (any other server refuses requests without a valid key)
 */
export function createApp(
  deps: Deps,
  options: { catalog: readonly Operation[]; loopback: boolean },
): Hono<{ Variables: { caller: Caller } }> {
  const app = new Hono<{ Variables: { caller: Caller } }>();
  const defaultActor = deps.config.agentId ?? "anonymous:http";
  const limiter = new RateLimiter({
    perSecond: deps.config.rateLimitPerSecond,
    burst: deps.config.rateLimitBurst,
    clock: deps.clock,
  });
  const maxBody = deps.config.maxBodyBytes;

  app.onError((err, c) => {
    const error = toMemoryError(err);
    // The log keeps the cause; the client gets the code and message only, never a stack.
    if (error.code === "internal") deps.log.error("request failed", { path: c.req.path, error: String(err) });
    const headers: Record<string, string> = {};
    if (error.code === "unauthorized") headers["WWW-Authenticate"] = 'Bearer realm="ai-memory"';
    if (error.code === "rate_limited") headers["Retry-After"] = String(error.details.retry_after_secs ?? 1);
    return c.json(errorBody(error), httpStatusOf(error.code), headers);
  });
  app.notFound((c) =>
    c.json(errorBody(new MemoryError("not_found", `No route for ${c.req.method} ${c.req.path}`)), 404)
  );

  app.use("*", (_c, next) => withDeadline(next(), deps.config.requestTimeoutMs));
  app.use("*", async (c, next) => {
    // Liveness stays open, as in the reference, so probes need no key.
    if (c.req.path !== "/api/v1/health") {
      const caller = await authenticate(c.req.raw.headers, {
        keys: deps.store.keys,
        loopback: options.loopback,
        defaultActor,
      });
      if (caller.keyId !== undefined) limiter.take(caller.keyId);
      c.set("caller", caller);
    }
    await next();
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: maxBody,
      onError: () => {
        throw new MemoryError(
          "payload_too_large",
          `Request body is larger than ${maxBody} bytes (${humanBytes(maxBody)}, maxBodyBytes)`,
          { details: { limit_bytes: maxBody } },
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
          ctx: contextFor(deps, c.get("caller")),
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

/** 2097152 -> "2 MiB", 4096 -> "4 KiB", 1500 -> "1500 B". */
function humanBytes(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

/** The operation context of a caller: a keyed caller gets the store as its grant allows it. */
function contextFor(deps: Deps, caller: Caller): OpContext {
  if (!caller.grant) return { ...deps, actor: caller.actor };
  return {
    ...deps,
    actor: caller.actor,
    grant: caller.grant,
    store: scopeStore(deps.store, { grant: caller.grant, actor: caller.actor, clock: deps.clock }),
  };
}
