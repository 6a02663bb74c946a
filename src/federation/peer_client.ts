// STUB (replaced by the fed-net branch).
import type { NodeTls, PeerConfig, PeerResponse } from "./peer_server.ts";
export class PeerClient {
  constructor(_peer: PeerConfig, _options: { tls: NodeTls; timeoutMs: number; clockSkewMs?: number }) {}
  request(
    _method: "GET" | "POST",
    _path: string,
    _options?: { query?: Record<string, string>; body?: unknown; signal?: AbortSignal },
  ): Promise<PeerResponse> {
    throw new Error("stub");
  }
  close(): void {}
}
