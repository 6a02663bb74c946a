// A client for one peer: mutual TLS over keep-alive connections, the server pinned to the
// configured fingerprint before any byte of a request leaves, and every request signed.
import { Buffer } from "node:buffer";
import type { ClientRequest, IncomingMessage } from "node:http";
import https from "node:https";
import tls, { type ConnectionOptions, type TLSSocket } from "node:tls";
import { MemoryError } from "../core/errors.ts";
import type { PeerConfig } from "../core/federation_config.ts";
import { derFingerprint, type NodeTls } from "./node_identity.ts";
import type { PeerResponse } from "./peer_server.ts";
import { signPeerRequest } from "./request_signature.ts";
export type { PeerConfig } from "../core/federation_config.ts";
export type { NodeTls } from "./node_identity.ts";
export type { PeerRequest, PeerResponse } from "./peer_server.ts";

/** Connection errors that mean a kept-alive socket was closed by the peer while idle. */
const STALE_SOCKET = new Set(["ECONNRESET", "EPIPE"]);

/** Raised on a socket whose server presents another certificate than the pinned one. */
class PinMismatch extends Error {}

/** JSON requests to one peer over mutual TLS. */
export class PeerClient {
  readonly #peer: PeerConfig;
  readonly #tls: NodeTls;
  readonly #timeoutMs: number;
  readonly #agent: https.Agent;
  readonly #host: string;
  readonly #port: number;

  constructor(peer: PeerConfig, options: { tls: NodeTls; timeoutMs: number; clockSkewMs?: number }) {
    this.#peer = peer;
    this.#tls = options.tls;
    this.#timeoutMs = options.timeoutMs;
    const url = new URL(peer.url);
    this.#host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    this.#port = Number(url.port || 443);
    // One keep-alive agent per peer: a quorum write reuses a verified connection, no new handshake.
    this.#agent = new https.Agent({ keepAlive: true, maxSockets: 16, maxFreeSockets: 4 });
    const agent = this.#agent as unknown as {
      createConnection: (options: ConnectionOptions) => TLSSocket;
    };
    agent.createConnection = (connect) => this.#connect(connect);
  }

  /** A TLS socket that holds back every write until the server's certificate matched the pin. */
  #connect(connect: ConnectionOptions): TLSSocket {
    const socket = tls.connect({
      ...connect,
      host: this.#host,
      port: this.#port,
      key: this.#tls.key,
      cert: this.#tls.cert,
      // A self-signed peer has no chain to verify: the fingerprint pin below is the check. With a
      // site CA the chain must verify too; the pin makes the host name check redundant.
      rejectUnauthorized: this.#tls.ca !== undefined,
      ...(this.#tls.ca ? { ca: this.#tls.ca } : {}),
      checkServerIdentity: () => undefined,
    });
    socket.cork();
    socket.once("secureConnect", () => {
      const raw = socket.getPeerCertificate()?.raw;
      const fingerprint = raw && raw.length > 0 ? derFingerprint(new Uint8Array(raw)) : "none";
      if (fingerprint !== this.#peer.fingerprint && fingerprint !== this.#peer.nextFingerprint) {
        socket.destroy(
          new PinMismatch(`server certificate ${fingerprint.slice(0, 16)}… is not the pinned one`),
        );
        return;
      }
      socket.uncork();
    });
    return socket;
  }

  /**
   * JSON request to the peer; resolves with any HTTP status.
   * @throws {MemoryError} unavailable on connection, TLS, pinning or timeout failure, naming the peer
   * URL and the reason
   */
  async request(
    method: "GET" | "POST",
    path: string,
    options: { query?: Record<string, string>; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<PeerResponse> {
    const query = new URLSearchParams(options.query ?? {}).toString();
    const target = query ? `${path}?${query}` : path;
    const body = method === "POST" ? Buffer.from(JSON.stringify(options.body ?? null)) : Buffer.alloc(0);
    try {
      return await this.#send(method, target, body, options.signal);
    } catch (error) {
      // A kept-alive connection the peer closed while idle fails at once; one fresh try is safe.
      if (error instanceof StaleSocket) return await this.#send(method, target, body, options.signal);
      throw error;
    }
  }

  async #send(method: string, target: string, body: Buffer, signal?: AbortSignal): Promise<PeerResponse> {
    const unavailable = (reason: string, cause?: unknown) =>
      new MemoryError("unavailable", `Peer ${this.#peer.url} unavailable: ${reason}`, {
        details: { peer: this.#peer.url },
        cause,
      });
    if (signal?.aborted) throw unavailable("request aborted");
    const headers = {
      ...(await signPeerRequest(this.#tls.privateKey, {
        method,
        target,
        from: this.#tls.fingerprint,
        body,
      })),
      "content-type": "application/json",
      "content-length": String(body.length),
      accept: "application/json",
    };
    return await new Promise<PeerResponse>((resolve, reject) => {
      let settled = false;
      let req: ClientRequest | undefined = undefined;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        outcome();
      };
      const fail = (error: Error) => {
        if (req?.reusedSocket && !responded && STALE_SOCKET.has((error as { code?: string }).code ?? "")) {
          return finish(() => reject(new StaleSocket()));
        }
        finish(() => reject(unavailable(describe(error), error)));
      };
      const timer = setTimeout(() => {
        fail(new Error(`no answer within ${this.#timeoutMs} ms`));
        req?.destroy();
      }, this.#timeoutMs);
      const onAbort = () => {
        fail(new Error("request aborted"));
        req?.destroy();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      let responded = false;
      req = https.request({
        agent: this.#agent,
        host: this.#host,
        port: this.#port,
        method,
        path: target,
        headers,
      }, (res: IncomingMessage) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", fail);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = null;
          if (text.length > 0) {
            try {
              parsed = JSON.parse(text);
            } catch {
              return fail(new Error(`answered HTTP ${res.statusCode} with a body that is not JSON`));
            }
          }
          finish(() => resolve({ status: res.statusCode ?? 0, body: parsed }));
        });
      });
      req.on("error", fail);
      req.end(body);
    });
  }

  /** Close the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }
}

/** Marks a failure on a reused keep-alive socket before any answer: the request may be resent. */
class StaleSocket extends Error {}

function describe(error: Error): string {
  if (error instanceof PinMismatch) return error.message;
  const code = (error as { code?: string }).code;
  if (error.message === "socket hang up" || code === "ECONNRESET") {
    return "connection closed during or right after the TLS handshake (is this node's fingerprint " +
      "in the peer's federation.peers?)";
  }
  return code ? `${error.message} (${code})` : error.message;
}
