// Storage interface for the archive: memories that left the live set by expiry, forget or
// consolidation, kept (with their links) until the operator purges them.
import type { Memory } from "../core/memory.ts";
import type { MemoryDraft, MemoryFilter } from "./store.ts";

/** An archived memory: the memory as it was, and when, why and by whom it was archived. */
export interface ArchivedMemory extends Memory {
  archived_at: string;
  archive_reason: string;
  archived_by: string | null;
}

/** Counts of the archive. */
export interface ArchiveStats {
  total: number;
  byNamespace: Record<string, number>;
  byReason: Record<string, number>;
}

/** The archive. Moving into it is a state change of the memory, so links and ids survive. */
export interface ArchiveStore {
  /** Archive live memories that expired at or before `now`; with dryRun only report them. */
  archiveExpired(options: { now: string; actor: string; dryRun: boolean; limit: number }): Promise<Memory[]>;
  /** Archive live memories matching the filter and (when given) all the terms; dryRun reports only. */
  archiveMatching(
    options: {
      filter: MemoryFilter;
      terms?: string[] | undefined;
      now: string;
      actor: string;
      reason: string;
      dryRun: boolean;
    },
  ): Promise<Memory[]>;
  /** Archived memories, newest first. */
  list(options: { namespace?: string | undefined; limit: number; offset: number }): Promise<ArchivedMemory[]>;
  /**
   * Bring an archived memory back to the live set with the expiry `expiresAt` computes.
   * @throws {MemoryError} not_found; conflict when a live memory has taken its title
   */
  restore(id: string, options: { now: string; expiresAt: (m: Memory) => string | null }): Promise<Memory>;
  /** Delete archived memories archived at or before `before` (all when absent) for good. */
  purge(options: { before?: string | undefined }): Promise<number>;
  stats(): Promise<ArchiveStats>;
  /**
   * In one transaction: store `draft` as a new memory, archive the sources (reason "consolidated")
   * and link the new memory `derived_from` each source.
   * @throws {MemoryError} not_found for a missing source; conflict when the title is taken
   */
  consolidate(
    draft: MemoryDraft,
    options: { id: string; sourceIds: string[]; now: string; actor: string },
  ): Promise<{ memory: Memory; sources: Memory[] }>;
}
