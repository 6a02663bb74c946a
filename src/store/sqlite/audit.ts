// The audit trail in SQLite: append inside the caller's write transaction (so the last hash read
// there is the chain's head for every process), and pages in seq order for verify and export.
import {
  type Attribution,
  type AuditChange,
  auditHash,
  type AuditRecord,
  GENESIS_HASH,
  namespacesOf,
} from "../../core/audit_chain.ts";
import type { AuditStore } from "../audit_store.ts";
import type { SqliteSession, Statement } from "./session.ts";

interface AuditRow extends Omit<AuditRecord, "ids" | "namespaces"> {
  ids: string;
  namespaces: string;
}

function toRecord(row: AuditRow): AuditRecord {
  return { ...row, ids: JSON.parse(row.ids), namespaces: JSON.parse(row.namespaces) };
}

/** The change of a write that touched these rows; null when it touched none. */
export function rowsChange(
  action: string,
  rows: readonly { id: string; namespace: string }[],
): AuditChange | null {
  if (rows.length === 0) return null;
  return { action, ids: rows.map((r) => r.id), namespaces: namespacesOf(rows) };
}

/**
 * Append the record of `change` to the chain. Must run inside a write transaction: BEGIN IMMEDIATE
 * holds the database's write lock, so no other process can append between the read and the insert.
 */
export function appendAudit(
  stmt: (sql: string) => Statement,
  change: AuditChange,
  options: Attribution & { at: string },
): AuditRecord {
  const last = stmt("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").get() as
    | { seq: number; hash: string }
    | undefined;
  const unhashed = {
    seq: (last?.seq ?? 0) + 1,
    at: options.at,
    actor: options.actor,
    operation: options.operation,
    action: change.action,
    ids: change.ids,
    namespaces: change.namespaces,
    prev_hash: last?.hash ?? GENESIS_HASH,
  };
  const record = { ...unhashed, hash: auditHash(unhashed) };
  stmt(
    `INSERT INTO audit_log (seq, at, actor, operation, action, ids, namespaces, prev_hash, hash)
     VALUES (@seq, @at, @actor, @operation, @action, @ids, @namespaces, @prev_hash, @hash)`,
  ).run({ ...record, ids: JSON.stringify(record.ids), namespaces: JSON.stringify(record.namespaces) });
  return record;
}

/** AuditStore on SQLite. */
export class SqliteAudit implements AuditStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  page(options: { afterSeq: number; limit: number }): Promise<AuditRecord[]> {
    return this.#s.read(() =>
      (this.#s.stmt("SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?")
        .all(options.afterSeq, options.limit) as AuditRow[]).map(toRecord)
    );
  }
}
