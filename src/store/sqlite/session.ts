// What the SQLite table-family modules share: the connection, a prepared-statement cache, and
// reads and writes that wait out other processes' locks.
import type Database from "better-sqlite3-multiple-ciphers";

/** A prepared statement. */
export type Statement = Database.Statement<unknown[]>;

/** Access to one open database for the table-family modules. */
export interface SqliteSession {
  stmt(sql: string): Statement;
  read<T>(fn: () => T): Promise<T>;
  write<T>(fn: () => T): Promise<T>;
}
