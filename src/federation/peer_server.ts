// STUB (replaced by the fed-net branch).
import type { Logger } from "../core/log.ts";
export interface PeerConfig {
  url: string;
  fingerprint: string;
}
export interface NodeTls {
  key: string;
  cert: string;
  ca?: string[];
  fingerprint: string;
  privateKey: CryptoKey;
}
export interface PeerRequest {
  peer: PeerConfig;
  method: "GET" | "POST";
  path: string;
  query: URLSearchParams;
  body: unknown;
}
export interface PeerResponse {
  status: number;
  body: unknown;
}
export function servePeers(_options: {
  tls: NodeTls;
  peers: readonly PeerConfig[];
  host: string;
  port: number;
  handler: (req: PeerRequest) => Promise<PeerResponse>;
  log: Logger;
  maxBodyBytes?: number;
  clockSkewMs?: number;
}): Promise<{ port: number; close(): Promise<void> }> {
  throw new Error("stub");
}
