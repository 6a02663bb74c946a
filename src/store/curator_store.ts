// The curator's bookkeeping: where in the stream of memories it stopped, and its last report.
import type { Memory } from "../core/memory.ts";

/** A place in the stream of memories ordered by creation time, then id. */
export interface CuratorCursor {
  created_at: string;
  id: string;
}

/** What the curator remembers between cycles. */
export interface CuratorState {
  cursor: CuratorCursor | null;
  cycles: number;
  last_run_at: string | null;
  last_report: Record<string, unknown> | null;
}

/** The curator's state in the database (operator-only: a key-scoped store refuses it). */
export interface CuratorStore {
  state(): Promise<CuratorState>;
  /**
   * Live, unexpired memories created after `cursor` (all with null), oldest first, leaving out
   * internal namespaces (`_agents`, `_messages/...`).
   */
  after(cursor: CuratorCursor | null, options: { now: string; limit: number }): Promise<Memory[]>;
  /** Record that every memory up to `cursor` is done. Bookkeeping: not in the audit trail. */
  advance(cursor: CuratorCursor): Promise<void>;
  /** Count a finished cycle and keep its report. */
  finish(report: Record<string, unknown>, options: { now: string }): Promise<void>;
}
