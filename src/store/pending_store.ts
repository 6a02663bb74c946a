// The storage interface of the governance queue: actions a namespace policy sent for approval,
// their votes, the one claim that lets an approved action run, and what its replay did.
import type { Approver } from "../core/governance_policy.ts";

/** The states of a queued action; each moves from pending once. */
export type PendingStatus = "pending" | "approved" | "rejected";

/** One vote for a queued action. */
export interface PendingApproval {
  agent_id: string;
  approved_at: string;
}

/** A queued action. */
export interface PendingAction {
  id: string;
  /** The kind of change, e.g. store, delete, promote (the operation's name without `memory_`). */
  action_type: string;
  /** The catalog operation that runs when it is approved. */
  operation: string;
  /** The memory it acts on, when there is one. */
  memory_id: string | null;
  namespace: string;
  /** The operation's full validated input. */
  payload: Record<string, unknown>;
  /** Which rule of which namespace queued it. */
  reason: string;
  approver: Approver;
  requested_by: string;
  requested_at: string;
  status: PendingStatus;
  /** Who decided (approvers joined by ", "), when decided. */
  decided_by: string | null;
  decided_at: string | null;
  approvals: PendingApproval[];
  /** When the approved action was replayed, and what came of it. */
  executed_at: string | null;
  outcome: Record<string, unknown> | null;
}

/** What a requester supplies; the store adds the status, votes and outcome. */
export type PendingDraft = Omit<
  PendingAction,
  "status" | "decided_by" | "decided_at" | "approvals" | "executed_at" | "outcome"
>;

/** The governance queue. */
export interface PendingStore {
  /** Queue an action (audited as `pending.create`). */
  create(draft: PendingDraft): Promise<PendingAction>;
  /** One action. @throws {MemoryError} not_found */
  get(id: string): Promise<PendingAction>;
  /** Actions, newest first, optionally of one status. */
  list(options: { status?: PendingStatus | undefined; limit: number }): Promise<PendingAction[]>;
  /** How many actions are in each status. */
  counts(): Promise<Record<PendingStatus, number>>;
  /**
   * Add `voter`'s approval in one write transaction; when it brings the votes to `needed`, claim
   * the action (status approved). `check` runs inside the transaction on the current row and throws
   * to refuse the vote. Only one caller, in any process, ever gets `claimed: true` for an action.
   * @throws {MemoryError} not_found; conflict when it is no longer pending or `voter` already voted
   */
  approve(
    id: string,
    options: { voter: string; needed: number; now: string; check: (action: PendingAction) => void },
  ): Promise<{ action: PendingAction; claimed: boolean }>;
  /** Reject a pending action. @throws {MemoryError} not_found; conflict when it is not pending */
  reject(
    id: string,
    options: { by: string; now: string; check: (action: PendingAction) => void },
  ): Promise<PendingAction>;
  /** Record what the replay of a claimed action did. */
  settle(id: string, options: { outcome: Record<string, unknown>; now: string }): Promise<void>;
}
