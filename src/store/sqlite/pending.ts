// The governance queue in SQLite: each decision reads and changes the row inside one BEGIN
// IMMEDIATE transaction, so two processes approving at once cannot both claim an action.
import { MemoryError, notFound } from "../../core/errors.ts";
import type {
  PendingAction,
  PendingApproval,
  PendingDraft,
  PendingStatus,
  PendingStore,
} from "../pending_store.ts";
import type { SqliteSession } from "./session.ts";

interface PendingRow extends Omit<PendingAction, "payload" | "approver" | "approvals" | "outcome"> {
  payload: string;
  approver: string;
  approvals: string;
  outcome: string | null;
}

function toAction(row: PendingRow): PendingAction {
  return {
    ...row,
    payload: JSON.parse(row.payload),
    approver: JSON.parse(row.approver),
    approvals: JSON.parse(row.approvals),
    outcome: row.outcome === null ? null : JSON.parse(row.outcome),
  };
}

function stillPending(action: PendingAction): void {
  if (action.status !== "pending") {
    throw new MemoryError(
      "conflict",
      `Pending action "${action.id}" was already ${action.status}${
        action.decided_by ? ` by ${action.decided_by}` : ""
      }; it cannot be decided again`,
      { details: { id: action.id, status: action.status } },
    );
  }
}

/** PendingStore on SQLite. */
export class SqlitePending implements PendingStore {
  readonly #s: SqliteSession;

  constructor(session: SqliteSession) {
    this.#s = session;
  }

  #row(id: string): PendingAction {
    const row = this.#s.stmt("SELECT * FROM pending_actions WHERE id = ?").get(id) as PendingRow | undefined;
    if (!row) throw notFound("pending action", id);
    return toAction(row);
  }

  create(draft: PendingDraft): Promise<PendingAction> {
    return this.#s.write(() => {
      this.#s.stmt(
        `INSERT INTO pending_actions (id, action_type, operation, memory_id, namespace, payload, reason,
           approver, requested_by, requested_at)
         VALUES (@id, @action_type, @operation, @memory_id, @namespace, @payload, @reason, @approver,
           @requested_by, @requested_at)`,
      ).run({ ...draft, payload: JSON.stringify(draft.payload), approver: JSON.stringify(draft.approver) });
      return this.#row(draft.id);
    }, (a) => ({ action: "pending.create", ids: [a.id], namespaces: [a.namespace] }));
  }

  get(id: string): Promise<PendingAction> {
    return this.#s.read(() => this.#row(id));
  }

  list(options: { status?: PendingStatus | undefined; limit: number }): Promise<PendingAction[]> {
    return this.#s.read(() =>
      (this.#s.stmt(
        `SELECT * FROM pending_actions WHERE (@status IS NULL OR status = @status)
         ORDER BY requested_at DESC, rowid DESC LIMIT @limit`,
      ).all({ status: options.status ?? null, limit: options.limit }) as PendingRow[]).map(toAction)
    );
  }

  counts(): Promise<Record<PendingStatus, number>> {
    return this.#s.read(() => {
      const rows = this.#s.stmt("SELECT status, count(*) AS n FROM pending_actions GROUP BY status")
        .all() as { status: PendingStatus; n: number }[];
      const counts = { pending: 0, approved: 0, rejected: 0 };
      for (const r of rows) counts[r.status] = r.n;
      return counts;
    });
  }

  approve(
    id: string,
    options: { voter: string; needed: number; now: string; check: (action: PendingAction) => void },
  ): Promise<{ action: PendingAction; claimed: boolean }> {
    return this.#s.write(() => {
      const current = this.#row(id);
      stillPending(current);
      options.check(current);
      if (current.approvals.some((a) => a.agent_id === options.voter)) {
        throw new MemoryError(
          "conflict",
          `${options.voter} has already approved pending action "${id}"; another approver is needed`,
          { details: { id, voter: options.voter } },
        );
      }
      const approvals: PendingApproval[] = [
        ...current.approvals,
        { agent_id: options.voter, approved_at: options.now },
      ];
      const claimed = approvals.length >= options.needed;
      this.#s.stmt(
        `UPDATE pending_actions SET approvals = @approvals, status = @status, decided_by = @decided_by,
           decided_at = @decided_at WHERE id = @id AND status = 'pending'`,
      ).run({
        id,
        approvals: JSON.stringify(approvals),
        status: claimed ? "approved" : "pending",
        decided_by: claimed ? approvals.map((a) => a.agent_id).join(", ") : null,
        decided_at: claimed ? options.now : null,
      });
      return { action: this.#row(id), claimed };
    }, (r) => ({
      action: r.claimed ? "pending.approve" : "pending.vote",
      ids: [r.action.id],
      namespaces: [r.action.namespace],
    }));
  }

  reject(
    id: string,
    options: { by: string; now: string; check: (action: PendingAction) => void },
  ): Promise<PendingAction> {
    return this.#s.write(() => {
      const current = this.#row(id);
      stillPending(current);
      options.check(current);
      this.#s.stmt(
        `UPDATE pending_actions SET status = 'rejected', decided_by = ?, decided_at = ?
         WHERE id = ? AND status = 'pending'`,
      ).run(options.by, options.now, id);
      return this.#row(id);
    }, (a) => ({ action: "pending.reject", ids: [a.id], namespaces: [a.namespace] }));
  }

  settle(id: string, options: { outcome: Record<string, unknown>; now: string }): Promise<void> {
    // The replay's own writes are audited; this is bookkeeping about them.
    return this.#s.write(() => {
      this.#s.stmt("UPDATE pending_actions SET executed_at = ?, outcome = ? WHERE id = ?")
        .run(options.now, JSON.stringify(options.outcome), id);
    }, () => null);
  }
}
