// STUB (replaced by the fed-store branch): the interface the federation runtime codes against.
import { z } from "zod";

export type ReplicaState = "live" | "archived" | "deleted";
export const replicaChangeSchema = z.object({
  kind: z.literal("memory"),
  id: z.string(),
  hlc: z.string(),
  origin: z.string(),
  state: z.enum(["live", "archived", "deleted"]),
  memory: z.record(z.string(), z.unknown()).nullable(),
});
export type ReplicaChange = z.infer<typeof replicaChangeSchema>;
export interface NamespaceDigest {
  namespace: string;
  count: number;
  hash: string;
}
export interface ReplicationStore {
  nodeId(): Promise<string>;
  head(): Promise<number>;
  changesSince(cursor: number, options: { limit: number }): Promise<{ changes: ReplicaChange[]; next: number; more: boolean }>;
  changesFor(ids: readonly string[]): Promise<ReplicaChange[]>;
  apply(changes: readonly ReplicaChange[], options: { from: string }): Promise<{ applied: number; ignored: number }>;
  digest(): Promise<NamespaceDigest[]>;
  versions(
    namespace: string,
    options: { after?: string; limit: number },
  ): Promise<{ id: string; hlc: string; origin: string; state: ReplicaState }[]>;
  cursor(peer: string, direction: "pull" | "push"): Promise<number>;
  advanceCursor(peer: string, direction: "pull" | "push", value: number): Promise<void>;
}
