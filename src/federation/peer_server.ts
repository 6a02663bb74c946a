// The peer endpoint: HTTPS with mutual TLS where only allowlisted certificates get past the
// handshake, and every request's signature is checked before the handler sees it. JSON only.
import { Buffer } from "node:buffer";
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import type { TLSSocket } from "node:tls";
import { type Clock, systemClock } from "../core/clock.ts";
import { type ErrorCode, httpStatusOf, MemoryError } from "../core/errors.ts";
import type { PeerConfig } from "../core/federation_config.ts";
import type { Logger } from "../core/log.ts";
import { certPublicKey, derFingerprint, type NodeTls } from "./node_identity.ts";
import { NonceCache, verifyPeerRequest } from "./request_signature.ts";
export type { PeerConfig } from "../core/federation_config.ts";
export type { NodeTls } from "./node_identity.ts";

/** One signed request from an allowlisted peer, as the handler sees it. */
export interface PeerRequest {
  peer: PeerConfig;
  method: "GET" | "POST";
  /** The path without the query, e.g. `/api/v1/sync/changes`. */
  path: string;
  query: URLSearchParams;
  /** The parsed JSON body; undefined when the request had none. */
  body: unknown;
}

/** The handler's answer, sent as JSON. */
export interface PeerResponse {
  status: number;
  body: unknown;
}

/** The certificate a TLS socket's peer presented: its fingerprint, DER bytes and validity. */
function presented(socket: TLSSocket): { fingerprint: string; der: Uint8Array; expired: boolean } | null {
  const cert = socket.getPeerCertificate?.();
  if (!cert || !cert.raw || cert.raw.length === 0) return null;
  const der = new Uint8Array(cert.raw);
  const from = Date.parse(cert.valid_from);
  const to = Date.parse(cert.valid_to);
  const now = Date.now();
  return { fingerprint: derFingerprint(der), der, expired: !(now >= from && now <= to) };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function errorBody(code: ErrorCode, message: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message } };
}

/** The body, or null once it exceeds `max` bytes. */
async function readBody(req: IncomingMessage, max: number): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Uint8Array).length;
    if (size > max) return null;
    chunks.push(chunk as Uint8Array);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return body;
}

/** Why the peer listener could not bind, in words an operator can act on. */
function listenError(err: unknown, address: string): MemoryError {
  const code = (err as { code?: unknown })?.code;
  if (code === "EADDRINUSE" || err instanceof Deno.errors.AddrInUse) {
    return new MemoryError(
      "unavailable",
      `Cannot listen for peers on ${address} (federation.listen): the address is already in use`,
    );
  }
  if (
    err instanceof Deno.errors.NotCapable || code === "EACCES" || err instanceof Deno.errors.PermissionDenied
  ) {
    return new MemoryError(
      "unavailable",
      `Cannot listen for peers on ${address} (federation.listen): the permission set does not allow it (run through the launcher)`,
    );
  }
  return new MemoryError(
    "unavailable",
    `Cannot listen for peers on ${address} (federation.listen): ${(err as Error)?.message ?? err}`,
  );
}

/**
 * Listen with mutual TLS; only allowlisted peers get past the handshake; every request's
 * signature is checked before the handler. Resolves once listening (`port` 0 picks one).
 */
export async function servePeers(options: {
  tls: NodeTls;
  peers: readonly PeerConfig[];
  host: string;
  port: number;
  handler: (req: PeerRequest) => Promise<PeerResponse>;
  log: Logger;
  maxBodyBytes?: number;
  clockSkewMs?: number;
  clock?: Clock;
  /** Most nonces remembered at once; further requests get 503 until old ones expire. */
  maxNonces?: number;
}): Promise<{ port: number; close(): Promise<void> }> {
  const { tls, log, handler } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const clockSkewMs = options.clockSkewMs ?? 30_000;
  const clock = options.clock ?? systemClock;
  // A peer rotating its certificate is accepted with either (federation.peers[].nextFingerprint).
  const allowed = new Map<string, PeerConfig>();
  for (const peer of options.peers) {
    allowed.set(peer.fingerprint, peer);
    if (peer.nextFingerprint) allowed.set(peer.nextFingerprint, peer);
  }
  const publicKeys = new Map<string, Promise<CryptoKey>>();
  const nonces = new NonceCache({ max: options.maxNonces });
  const sockets = new Set<TLSSocket>();

  /** The allowlisted peer behind a socket, or null (and why) when it must be refused. */
  const peerOf = (socket: TLSSocket) => {
    const cert = presented(socket);
    if (!cert) return { refused: "no client certificate" } as const;
    const peer = allowed.get(cert.fingerprint);
    if (!peer) return { refused: "certificate not allowlisted", fingerprint: cert.fingerprint } as const;
    if (cert.expired) return { refused: "certificate expired", fingerprint: cert.fingerprint } as const;
    return { peer, cert } as const;
  };

  const server = https.createServer({
    key: tls.key,
    cert: tls.cert,
    requestCert: true,
    // Self-signed peers cannot be verified by a chain: their fingerprint is checked below instead.
    // With a site CA, the chain is verified as well.
    rejectUnauthorized: tls.ca !== undefined,
    ...(tls.ca ? { ca: tls.ca } : {}),
  });
  server.keepAliveTimeout = 60_000;
  server.on("secureConnection", (socket: TLSSocket) => {
    const who = peerOf(socket);
    if ("refused" in who) {
      log.warn("peer refused at the TLS handshake", {
        reason: who.refused,
        fingerprint: "fingerprint" in who ? who.fingerprint : null,
        remote: socket.remoteAddress ?? null,
      });
      socket.destroy();
      return;
    }
    log.debug("peer connected", { peer: who.peer.url, remote: socket.remoteAddress ?? null });
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", (error: Error, socket: TLSSocket) => {
    log.warn("peer TLS handshake failed", { reason: error.message, remote: socket?.remoteAddress ?? null });
  });

  const respond = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const socket = req.socket as TLSSocket;
    const who = peerOf(socket);
    if ("refused" in who) {
      socket.destroy(); // cannot happen after the handshake check; never answer an unknown peer
      return;
    }
    const method = req.method ?? "";
    if (method !== "GET" && method !== "POST") {
      res.setHeader("allow", "GET, POST");
      return sendJson(res, 405, errorBody("invalid_input", `Method ${method} not allowed: use GET or POST`));
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    const tooLarge = () => {
      res.setHeader("connection", "close");
      sendJson(res, 413, errorBody("payload_too_large", `Request body exceeds ${maxBodyBytes} bytes`));
    };
    if (declared > maxBodyBytes) return tooLarge();
    const raw = await readBody(req, maxBodyBytes);
    if (raw === null) return tooLarge();
    const target = req.url ?? "/";
    let publicKey = publicKeys.get(who.cert.fingerprint);
    if (!publicKey) {
      publicKey = certPublicKey(who.cert.der);
      publicKeys.set(who.cert.fingerprint, publicKey);
    }
    const problem = await verifyPeerRequest(
      { method, target, headers: req.headers, body: raw },
      {
        sender: { fingerprint: who.cert.fingerprint, publicKey: await publicKey },
        nonces,
        now: clock.now().getTime(),
        clockSkewMs,
      },
    );
    if (problem === "replay cache full") {
      return sendJson(res, 503, errorBody("unavailable", "Too many recent peer requests; retry shortly"));
    }
    if (problem) {
      log.warn("peer request refused", { reason: problem, peer: who.peer.url, path: target.split("?")[0] });
      return sendJson(res, 401, errorBody("unauthorized", `Peer request refused: ${problem}`));
    }
    let body: unknown = undefined;
    if (raw.length > 0) {
      try {
        body = JSON.parse(new TextDecoder().decode(raw));
      } catch {
        return sendJson(res, 400, errorBody("invalid_input", "Invalid input: body: not valid JSON"));
      }
    }
    const url = new URL(target, "https://peer.invalid");
    try {
      const answer = await handler({
        peer: who.peer,
        method,
        path: url.pathname,
        query: url.searchParams,
        body,
      });
      sendJson(res, answer.status, answer.body);
    } catch (error) {
      if (error instanceof MemoryError && error.code !== "internal") {
        return sendJson(res, httpStatusOf(error.code), errorBody(error.code, error.message));
      }
      log.error("peer request handler failed", {
        peer: who.peer.url,
        path: url.pathname,
        error: error instanceof Error ? error.message : String(error),
      });
      sendJson(res, 500, errorBody("internal", "Internal error"));
    }
  };
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    respond(req, res).catch((error) => {
      log.error("peer request failed", { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) sendJson(res, 500, errorBody("internal", "Internal error"));
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    const refused = (err: unknown) => reject(listenError(err, `${options.host}:${options.port}`));
    server.once("error", refused);
    server.listen(options.port, options.host, () => {
      server.off("error", refused);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  log.info("federation listening", { host: options.host, port, fingerprint: tls.fingerprint });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
