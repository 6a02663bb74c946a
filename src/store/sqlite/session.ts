// What the SQLite table-family modules share: the connection, a prepared-statement cache, and
// reads and writes that wait out other processes' locks.
import type Database from "better-sqlite3-multiple-ciphers";
import type { Attribution, AuditChange } from "../../core/audit_chain.ts";

/** A prepared statement. */
export type Statement = Database.Statement<unknown[]>;

/** Access to one open database for the table-family modules. */
export interface SqliteSession {
  stmt(sql: string): Statement;
  read<T>(fn: () => T): Promise<T>;
  /**
   * Run `fn` in one write transaction. `change` describes what it did from its result (null when
   * it changed nothing the audit trail records); the audit record is appended in the same
   * transaction. Every write path must say what it changed: the parameter is not optional.
   * `by` records the change as made by someone else than the store's attribution (a peer's
   * changes applied by replication).
   */
  write<T>(
    fn: () => T,
    change: (result: T) => AuditChange | null,
    options?: { by?: Attribution },
  ): Promise<T>;
}
