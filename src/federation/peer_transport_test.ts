// The peer transport over real mutual TLS on 127.0.0.1: who gets past the handshake, which signed
// requests reach the handler, and what forged, replayed, stale or oversized requests get instead.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { MemoryError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { createNodeIdentity, createSiteCa, type NodeTls, nodeTlsFromPem } from "./node_identity.ts";
import { PeerClient } from "./peer_client.ts";
import { type PeerRequest, servePeers } from "./peer_server.ts";
import { signPeerRequest } from "./request_signature.ts";
import { rawPeerRequest as raw } from "../../test/support/peer_raw.ts";

async function node(cn: string, ca?: { certPem: string; keyPem: string }): Promise<NodeTls> {
  const id = await createNodeIdentity({ commonName: cn, san: ["127.0.0.1"], days: 2, ...(ca ? { ca } : {}) });
  return await nodeTlsFromPem({
    certPem: id.certPem,
    keyPem: id.keyPem,
    ...(ca ? { caPem: ca.certPem } : {}),
  });
}

function recordingLog(): Logger & { lines: { msg: string; fields: Record<string, unknown> }[] } {
  const lines: { msg: string; fields: Record<string, unknown> }[] = [];
  const push = (msg: string, fields: Record<string, unknown> = {}) => void lines.push({ msg, fields });
  return { lines, debug: push, info: push, warn: push, error: push };
}

/** Node A serving peers; `seen` holds every request its handler ran for. */
async function serveA(
  a: NodeTls,
  allow: { tls: NodeTls; url: string }[],
  options: { maxBodyBytes?: number } = {},
) {
  const seen: PeerRequest[] = [];
  const log = recordingLog();
  const server = await servePeers({
    tls: a,
    peers: allow.map((p) => ({ url: p.url, fingerprint: p.tls.fingerprint })),
    host: "127.0.0.1",
    port: 0,
    log,
    ...options,
    handler: (req) => {
      seen.push(req);
      if (req.path === "/boom") throw new Error("secret internal detail");
      if (req.path === "/late") throw new MemoryError("timeout", "Timed out after 5 ms");
      return Promise.resolve({
        status: 200,
        body: { path: req.path, q: req.query.get("after"), echo: req.body },
      });
    },
  });
  return { ...server, seen, log, url: `https://127.0.0.1:${server.port}` };
}

async function refusedWith(promise: Promise<unknown>, mention: string): Promise<MemoryError> {
  const error = await promise.then(() => null, (e) => e);
  assert.ok(error instanceof MemoryError, `expected a MemoryError, got ${error}`);
  assert.equal(error.code, "unavailable");
  assert.ok(error.message.includes(mention), error.message);
  return error;
}

Deno.test("peer transport: an allowlisted peer's signed requests reach the handler over reused connections", async () => {
  const [a, b] = await Promise.all([node("a"), node("b")]);
  const server = await serveA(a, [{ tls: b, url: "https://127.0.0.1:1" }]);
  const client = new PeerClient({ url: server.url, fingerprint: a.fingerprint }, { tls: b, timeoutMs: 5000 });
  try {
    const first = await client.request("POST", "/api/v1/sync/push", { body: { changes: [1, 2] } });
    assert.deepEqual(first, {
      status: 200,
      body: { path: "/api/v1/sync/push", q: null, echo: { changes: [1, 2] } },
    });
    const second = await client.request("GET", "/api/v1/sync/changes", { query: { after: "5" } });
    assert.deepEqual(second.body, { path: "/api/v1/sync/changes", q: "5" });
    assert.equal(server.seen.length, 2);
    assert.equal(
      server.log.lines.filter((l) => l.msg === "peer connected").length,
      1,
      "one handshake, kept alive",
    );
    assert.equal(server.seen[0]!.peer.fingerprint, b.fingerprint);
    assert.equal(server.seen[1]!.body, undefined, "a GET has no body");
    assert.equal(server.log.lines.filter((l) => l.msg.includes("refused")).length, 0);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("peer transport: a certificate not allowlisted, or none, gets a connection error and the handler never runs", async () => {
  const [a, b, c] = await Promise.all([node("a"), node("b"), node("c")]);
  const server = await serveA(a, [{ tls: b, url: "https://127.0.0.1:1" }]);
  const intruder = new PeerClient({ url: server.url, fingerprint: a.fingerprint }, {
    tls: c,
    timeoutMs: 5000,
  });
  try {
    const error = await refusedWith(intruder.request("POST", "/api/v1/sync/push", { body: {} }), server.url);
    assert.ok(error.message.includes("TLS handshake"), error.message);
    await assert.rejects(
      raw(server.port, { target: "/api/v1/sync/push", body: "{}" }),
      "no client certificate",
    );
    assert.equal(server.seen.length, 0);
    const refusals = server.log.lines.filter((l) => l.msg === "peer refused at the TLS handshake");
    assert.deepEqual(refusals.map((l) => l.fields.reason).sort(), [
      "certificate not allowlisted",
      "no client certificate",
    ]);
    assert.equal(
      refusals.find((l) => l.fields.reason === "certificate not allowlisted")!.fields.fingerprint,
      c.fingerprint,
    );
  } finally {
    intruder.close();
    await server.close();
  }
});

Deno.test("peer transport: the client refuses a server whose certificate is not the pinned one, before sending", async () => {
  const [a, b, c] = await Promise.all([node("a"), node("b"), node("c")]);
  const server = await serveA(a, [{ tls: b, url: "https://127.0.0.1:1" }]);
  // b is allowlisted by the server, so a request that left b would reach the handler.
  const client = new PeerClient({ url: server.url, fingerprint: c.fingerprint }, { tls: b, timeoutMs: 5000 });
  try {
    await refusedWith(
      client.request("POST", "/api/v1/sync/push", { body: { secret: 1 } }),
      "not the pinned one",
    );
    assert.equal(server.seen.length, 0);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("peer transport: with a site CA, CA-signed peers connect and a certificate from another CA is refused", async () => {
  const [site, other] = await Promise.all([
    createSiteCa({ commonName: "site ca", days: 2 }),
    createSiteCa({ commonName: "other ca", days: 2 }),
  ]);
  const [a, b] = await Promise.all([node("a", site), node("b", site)]);
  const foreign = await node("d", other);
  const server = await serveA(a, [{ tls: b, url: "https://127.0.0.1:1" }, {
    tls: foreign,
    url: "https://127.0.0.1:2",
  }]);
  const client = new PeerClient({ url: server.url, fingerprint: a.fingerprint }, { tls: b, timeoutMs: 5000 });
  // The foreign node is allowlisted by fingerprint: only the chain check can refuse it.
  const stranger = new PeerClient({ url: server.url, fingerprint: a.fingerprint }, {
    tls: { ...foreign, ca: [site.certPem] },
    timeoutMs: 5000,
  });
  try {
    assert.equal((await client.request("GET", "/health")).status, 200);
    await refusedWith(stranger.request("GET", "/health"), server.url);
    assert.equal(server.seen.length, 1);
  } finally {
    client.close();
    stranger.close();
    await server.close();
  }
});

Deno.test("peer transport: forged, replayed and stale requests get 401 and oversized ones 413; the handler never runs; its errors get the API's statuses", async () => {
  const [a, b, c] = await Promise.all([node("a"), node("b"), node("c")]);
  const server = await serveA(a, [{ tls: b, url: "https://127.0.0.1:1" }, {
    tls: c,
    url: "https://127.0.0.1:2",
  }], {
    maxBodyBytes: 1024,
  });
  const target = "/api/v1/sync/push";
  const body = JSON.stringify({ changes: ["x"] });
  const sign = (
    key: CryptoKey,
    parts: { target?: string; body?: string; from?: string; timestamp?: number },
  ) =>
    signPeerRequest(key, {
      method: "POST",
      target: parts.target ?? target,
      from: parts.from ?? b.fingerprint,
      body: Buffer.from(parts.body ?? body),
      ...(parts.timestamp ? { timestamp: parts.timestamp } : {}),
    });
  const refused = async (reason: string, sent: Promise<{ status: number; body: unknown }>) => {
    const r = await sent;
    assert.equal(r.status, 401, `${reason}: ${JSON.stringify(r.body)}`);
    assert.deepEqual(r.body, { error: { code: "unauthorized", message: `Peer request refused: ${reason}` } });
  };
  try {
    const genuine = await sign(b.privateKey, {});
    await refused(
      "forged signature",
      raw(server.port, { from: b, target, headers: genuine, body: '{"changes":["y"]}' }),
    );
    await refused(
      "forged signature",
      raw(server.port, { from: b, target: "/api/v1/sync/other", headers: genuine, body }),
    );
    await refused(
      "forged signature",
      raw(server.port, { from: b, target, headers: await sign(c.privateKey, {}), body }),
    );
    // c's genuine signature sent over b's connection: the certificate in the handshake decides.
    const byC = await sign(c.privateKey, { from: c.fingerprint });
    await refused(
      "sender does not match the TLS certificate",
      raw(server.port, { from: b, target, headers: byC, body }),
    );
    await refused("missing signature headers", raw(server.port, { from: b, target, body }));
    const stale = await sign(b.privateKey, { timestamp: Date.now() - 31_000 });
    await refused(
      "timestamp outside the allowed clock skew",
      raw(server.port, { from: b, target, headers: stale, body }),
    );
    assert.equal(server.seen.length, 0);

    const once = await sign(b.privateKey, {});
    assert.equal((await raw(server.port, { from: b, target, headers: once, body })).status, 200);
    await refused("replayed request", raw(server.port, { from: b, target, headers: once, body }));
    assert.equal(server.seen.length, 1);

    const big = JSON.stringify({ pad: "x".repeat(2000) });
    const oversized = await raw(server.port, {
      from: b,
      target,
      headers: await sign(b.privateKey, { body: big }),
      body: big,
    });
    assert.equal(oversized.status, 413);
    assert.equal(server.seen.length, 1);

    const boom = await raw(server.port, {
      from: b,
      target: "/boom",
      headers: await sign(b.privateKey, { target: "/boom" }),
      body,
    });
    assert.deepEqual(boom, { status: 500, body: { error: { code: "internal", message: "Internal error" } } });
    // A MemoryError answers with the HTTP API's status for its code (a timeout is 503 there too).
    const late = await raw(server.port, {
      from: b,
      target: "/late",
      headers: await sign(b.privateKey, { target: "/late" }),
      body,
    });
    assert.deepEqual(late, {
      status: 503,
      body: { error: { code: "timeout", message: "Timed out after 5 ms" } },
    });
  } finally {
    await server.close();
  }
});

Deno.test("peer transport: during a rotation a peer is accepted with its next certificate, at both ends", async () => {
  const [a, aNext, b, bNext] = await Promise.all([node("a"), node("a2"), node("b"), node("b2")]);
  const server = await servePeers({
    tls: aNext, // a has switched to its new certificate
    peers: [{ url: "https://127.0.0.1:1", fingerprint: b.fingerprint, nextFingerprint: bNext.fingerprint }],
    host: "127.0.0.1",
    port: 0,
    log: recordingLog(),
    handler: () => Promise.resolve({ status: 200, body: { ok: true } }),
  });
  const url = `https://127.0.0.1:${server.port}`;
  const pinned = { url, fingerprint: a.fingerprint, nextFingerprint: aNext.fingerprint };
  const clients = [b, bNext].map((tls) => new PeerClient(pinned, { tls, timeoutMs: 5000 }));
  const unlisted = new PeerClient({ url, fingerprint: a.fingerprint }, { tls: b, timeoutMs: 5000 });
  try {
    for (const client of clients) {
      assert.deepEqual(await client.request("GET", "/x"), { status: 200, body: { ok: true } });
    }
    await refusedWith(unlisted.request("GET", "/x"), "not the pinned one");
  } finally {
    for (const client of [...clients, unlisted]) client.close();
    await server.close();
  }
});

Deno.test("a peer address already in use is refused naming federation.listen", async () => {
  const a = await node("node-a");
  const first = await serveA(a, []);
  try {
    const error = await refusedWith(
      servePeers({
        tls: a,
        peers: [],
        host: "127.0.0.1",
        port: first.port,
        log: recordingLog(),
        handler: () => Promise.resolve({ status: 200, body: {} }),
      }),
      "federation.listen",
    );
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${first.port}.*already in use`));
  } finally {
    await first.close();
  }
});
