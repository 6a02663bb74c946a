// STUB (replaced by the fed-net branch).
import type { NodeTls } from "./peer_server.ts";
export function loadNodeTls(_paths: { cert: string; key: string; ca?: string | undefined }): Promise<NodeTls> {
  throw new Error("stub");
}
