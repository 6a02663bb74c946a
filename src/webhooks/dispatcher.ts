// The webhook dispatcher of a long-running server: leases due events from the outbox, re-checks
// each target against the SSRF guard after resolving it, posts the signed body without following
// redirects, and settles the row (removed, retried with exponential backoff, or dead-lettered).
import { lookup } from "node:dns/promises";
import type { Clock } from "../core/clock.ts";
import type { Logger } from "../core/log.ts";
import { pause } from "../core/pause.ts";
import { type AllowEntry, checkWebhookUrl, type ResolveHost } from "../safety/ssrf_guard.ts";
import type { Delivery, WebhookStore } from "../store/webhook_store.ts";
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from "./signature.ts";
import { VERSION } from "../version.ts";

const BATCH = 8;
// A stuck receiver holds a row for the timeout; the lease outlasts it so no other process retries early.
const LEASE_EXTRA_MS = 5_000;
const MAX_BACKOFF_MS = 3_600_000;
// A process that may not reach a host leaves its events to processes that may, for this long.
const SKIP_MS = 60_000;

/** How deliveries are attempted. */
export interface DispatchPolicy {
  allow: readonly AllowEntry[];
  maxAttempts: number;
  /** Delay before the first retry; doubled for each further one (with jitter), up to an hour. */
  backoffMs: number;
  timeoutMs: number;
}

/** The system resolver (getaddrinfo: /etc/hosts, then DNS). */
export async function systemResolve(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

/** Delay before attempt `attempts + 1`, after `attempts` failed ones. */
export function backoffDelay(attempts: number, baseMs: number, random: () => number = Math.random): number {
  const exp = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
  return Math.round(exp * (0.8 + 0.4 * random()));
}

type Outcome = { ok: true } | { ok: false; error: string; notPermitted?: boolean };

async function attempt(
  delivery: Delivery,
  options: DispatchPolicy & { now: Date; resolve: ResolveHost },
): Promise<Outcome> {
  try {
    await checkWebhookUrl(delivery.url, { allow: options.allow, resolve: options.resolve });
  } catch (error) {
    return { ok: false, error: `refused by the SSRF guard: ${(error as Error).message}` };
  }
  const body = JSON.stringify({ ...JSON.parse(delivery.payload), delivered_at: options.now.toISOString() });
  const timestamp = Math.floor(options.now.getTime() / 1000);
  const payload = JSON.parse(delivery.payload) as { audit_seq: number };
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": `ai-memory/${VERSION}`,
    [TIMESTAMP_HEADER]: String(timestamp),
    [EVENT_HEADER]: delivery.event,
    [DELIVERY_HEADER]: String(payload.audit_seq),
  };
  if (delivery.secret_hash) headers[SIGNATURE_HEADER] = signBody(delivery.secret_hash, { timestamp, body });
  try {
    const res = await fetch(delivery.url, {
      method: "POST",
      headers,
      body,
      // A redirect could point anywhere, past the guard: it counts as a failure, never followed.
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { ok: true };
    const redirect = res.status >= 300 && res.status < 400 ? " (redirects are not followed)" : "";
    return { ok: false, error: `receiver answered HTTP ${res.status}${redirect}` };
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) {
      return {
        ok: false,
        notPermitted: true,
        error: `this process may not connect to the receiver (list its host:port in config webhookAllow)`,
      };
    }
    const name = (error as Error).name;
    return {
      ok: false,
      error: name === "TimeoutError" ? `no answer within ${options.timeoutMs} ms` : "connection failed",
    };
  }
}

/** Lease and attempt one batch of due events; returns how many were leased (0 when idle). */
export async function dispatchBatch(
  webhooks: WebhookStore,
  options: DispatchPolicy & { clock: Clock; resolve?: ResolveHost; skip?: Map<string, number> },
): Promise<number> {
  const now = options.clock.now();
  const skip = options.skip ?? new Map<string, number>();
  for (const [id, until] of skip) if (until <= now.getTime()) skip.delete(id);
  const batch = await webhooks.claim({
    now: now.toISOString(),
    leaseUntil: new Date(now.getTime() + options.timeoutMs + LEASE_EXTRA_MS).toISOString(),
    limit: BATCH,
    skip: [...skip.keys()],
  });
  await Promise.all(batch.map(async (delivery) => {
    const outcome = await attempt(delivery, { ...options, now, resolve: options.resolve ?? systemResolve });
    const settledAt = options.clock.now();
    if (outcome.ok) return webhooks.delivered(delivery.id, { now: settledAt.toISOString() });
    if (outcome.notPermitted) {
      skip.set(delivery.subscription_id, settledAt.getTime() + SKIP_MS);
      return webhooks.release(delivery.id, { error: outcome.error });
    }
    const dead = delivery.attempts >= options.maxAttempts;
    const retryAt = dead
      ? null
      : new Date(settledAt.getTime() + backoffDelay(delivery.attempts, options.backoffMs)).toISOString();
    return webhooks.failed(delivery.id, { error: outcome.error, retryAt });
  }));
  return batch.length;
}

/** Dispatch until the returned function is called: drain, then look again every `pollMs`. */
export function startDispatcher(
  webhooks: WebhookStore,
  options: DispatchPolicy & { clock: Clock; log: Logger; pollMs: number },
): () => Promise<void> {
  const stop = new AbortController();
  const skip = new Map<string, number>();
  const loop = (async () => {
    while (!stop.signal.aborted) {
      let leased = 0;
      try {
        leased = await dispatchBatch(webhooks, { ...options, skip });
      } catch (error) {
        options.log.error("webhook dispatch failed", { error: (error as Error).message });
      }
      if (leased > 0 && !stop.signal.aborted) continue;
      await pause(options.pollMs, stop.signal);
    }
  })();
  return async () => {
    stop.abort();
    await loop;
  };
}
