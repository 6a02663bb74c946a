// Hand-made requests to a peer listener over a chosen certificate (or none), trusting any server:
// for sending what PeerClient never would (forged, replayed, unsigned).
import { Buffer } from "node:buffer";
import https from "node:https";
import tls from "node:tls";
import type { NodeTls } from "../../src/federation/node_identity.ts";

/** An agent connecting with `from`'s certificate (or none) through node:tls, trusting any server. */
export function oneShotAgent(from: NodeTls | undefined): https.Agent {
  const agent = new https.Agent({ keepAlive: false });
  (agent as unknown as { createConnection: (o: tls.ConnectionOptions) => tls.TLSSocket }).createConnection = (
    o,
  ) =>
    tls.connect({
      ...o,
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      ...(from ? { key: from.key, cert: from.cert } : {}),
    });
  return agent;
}

/** A hand-made request over `from`'s certificate, for sending what PeerClient never would. */
export function rawPeerRequest(
  port: number,
  options: {
    from?: NodeTls;
    method?: string;
    target: string;
    headers?: Record<string, string>;
    body?: string;
  },
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const body = Buffer.from(options.body ?? "");
    const req = https.request({
      host: "127.0.0.1",
      port,
      method: options.method ?? "POST",
      path: options.target,
      agent: oneShotAgent(options.from),
      headers: {
        "content-type": "application/json",
        "content-length": String(body.length),
        ...options.headers,
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}
