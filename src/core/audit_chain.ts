// The audit trail's hash chain: the canonical serialisation of a record, its SHA-256 over the
// previous record's hash, and the walk that finds the first record that breaks the chain.
import { createHash } from "node:crypto";

/** The hash a chain's first record links to. */
export const GENESIS_HASH = "0".repeat(64);

/** What one write transaction changed, as the store describes it. */
export interface AuditChange {
  /** The store-level action, e.g. `memory.upsert`, `link.create`, `archive.purge`. */
  action: string;
  /** Ids of the memories (or agents, subscriptions) the change touched, in a stable order. */
  ids: string[];
  /** The namespaces of the touched memories, sorted and without repeats (empty when none apply). */
  namespaces: string[];
}

/** Who made a change: the request's agent id and the operation it ran. */
export interface Attribution {
  actor: string;
  /** The catalog operation (e.g. `memory_store`) or a named background task (e.g. `sweeper`). */
  operation: string;
}

/** One record of the audit trail. */
export interface AuditRecord extends AuditChange, Attribution {
  seq: number;
  /** ISO-8601 time of the write. */
  at: string;
  prev_hash: string;
  hash: string;
}

/** The record's fields in a fixed order, with the previous hash: exactly what is hashed. */
export function canonicalAuditText(record: Omit<AuditRecord, "hash">): string {
  return JSON.stringify([
    record.seq,
    record.at,
    record.actor,
    record.operation,
    record.action,
    record.ids,
    record.namespaces,
    record.prev_hash,
  ]);
}

/** SHA-256 (hex) of the record's canonical text. */
export function auditHash(record: Omit<AuditRecord, "hash">): string {
  return createHash("sha256").update(canonicalAuditText(record)).digest("hex");
}

/** Namespaces of a set of memories, sorted and deduplicated. */
export function namespacesOf(items: readonly { namespace: string }[]): string[] {
  return [...new Set(items.map((i) => i.namespace))].sort();
}

/** The first problem found in a chain, or null when it is intact. */
export interface ChainBreak {
  seq: number;
  problem: string;
}

/**
 * Walks records in seq order and reports the first one that breaks the chain: a gap in the
 * sequence (a deleted record), a hash that does not match the record's contents (an edited
 * record), or a previous-hash that does not match the record before it.
 */
export class ChainVerifier {
  #expectedSeq = 1;
  #prevHash = GENESIS_HASH;
  #count = 0;

  /** Check the next record; returns the break it shows, if any. */
  next(record: AuditRecord): ChainBreak | null {
    if (record.seq !== this.#expectedSeq) {
      return record.seq > this.#expectedSeq
        ? {
          seq: this.#expectedSeq,
          problem: `record ${this.#expectedSeq} is missing (the next record present is ${record.seq})`,
        }
        : { seq: record.seq, problem: `record ${record.seq} is out of order` };
    }
    if (record.prev_hash !== this.#prevHash) {
      return {
        seq: record.seq,
        problem: `prev_hash does not match the hash of record ${record.seq - 1}`,
      };
    }
    if (auditHash(record) !== record.hash) {
      return { seq: record.seq, problem: "hash does not match the record's contents (it was edited)" };
    }
    this.#expectedSeq++;
    this.#prevHash = record.hash;
    this.#count++;
    return null;
  }

  /** Records checked so far, and the hash of the last one (the chain's head). */
  get head(): { records: number; hash: string } {
    return { records: this.#count, hash: this.#prevHash };
  }
}
