// JSON requests to a running HTTP server for end-to-end tests: the request and its parsed reply,
// the error body the API answers with, query strings, and storing a memory that must be created.
import assert from "node:assert/strict";
import { expectStatus } from "./http_assertions.ts";
import type { Memory, StoreResult } from "./results.ts";

/** The body of every API error. */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details: { issues?: { field: string; message: string }[]; [key: string]: unknown };
  };
}

/** A reply whose body was read and parsed as JSON. */
export interface Reply<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** What goes with a request besides its method and path. */
export interface RequestOptions {
  /** A body sent as JSON (with content-type application/json unless `headers` sets one). */
  json?: unknown;
  /** A body sent as this text, verbatim (content-type as for `json`); wins over `json`. */
  raw?: string;
  /** Sent as the x-agent-id header. */
  agent?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

/** Requests against one server. */
export interface HttpClient {
  /** One request; the body is always read and parsed as JSON (a non-JSON body fails the test). */
  api<T = ErrorBody>(method: string, path: string, options?: RequestOptions): Promise<Reply<T>>;
  /** A request that must answer `status` (200 unless given); returns its body. */
  ok<T>(method: string, path: string, options?: RequestOptions & { status?: number }): Promise<T>;
  /** POST a memory that must be created anew (201, action "created"); returns it. */
  created(fields: Record<string, unknown>, options?: { agent?: string }): Promise<Memory>;
}

/** A client for the server at `base`; `onReply` sees every parsed reply (e.g. to count successes). */
export function httpClient(
  base: string,
  options: { onReply?: (method: string, path: string, reply: Reply<unknown>) => void } = {},
): HttpClient {
  const api = async <T = ErrorBody>(
    method: string,
    path: string,
    request: RequestOptions = {},
  ): Promise<Reply<T>> => {
    const headers: Record<string, string> = { ...request.headers };
    if (request.agent) headers["x-agent-id"] = request.agent;
    let body: string | undefined;
    if (request.raw !== undefined) body = request.raw;
    else if (request.json !== undefined) body = JSON.stringify(request.json);
    if (body !== undefined) headers["content-type"] ??= "application/json";
    const res = await fetch(base + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path} answered ${res.status} with non-JSON: ${text.slice(0, 200)}`);
    }
    const reply = { status: res.status, body: parsed as T, headers: res.headers };
    options.onReply?.(method, path, reply);
    return reply;
  };
  const ok = async <T>(
    method: string,
    path: string,
    request: RequestOptions & { status?: number } = {},
  ): Promise<T> => {
    const { status, ...rest } = request;
    return expectStatus(await api<T>(method, path, rest), { status, what: `${method} ${path}` });
  };
  const created = async (fields: Record<string, unknown>, request: { agent?: string } = {}) => {
    const r = await ok<StoreResult>("POST", "/api/v1/memories", {
      json: fields,
      status: 201,
      ...(request.agent ? { agent: request.agent } : {}),
    });
    assert.equal(r.action, "created");
    return r.memory;
  };
  return { api, ok, created };
}

/** A query string ("?a=1&b=x&b=y"): arrays become repeated keys, everything else its string. */
export function qs(params: Record<string, string | number | boolean | string[]>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.forEach((x) => sp.append(k, x));
    else sp.append(k, String(v));
  }
  return "?" + sp.toString();
}
