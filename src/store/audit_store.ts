// The audit trail as the layers above the store see it: read-only pages in sequence order.
// Records are appended by the store itself, inside each write transaction; nothing edits them.
import type { AuditRecord } from "../core/audit_chain.ts";

/** Reading the audit trail. */
export interface AuditStore {
  /** Records with seq > `afterSeq`, in seq order, at most `limit`. */
  page(options: { afterSeq: number; limit: number }): Promise<AuditRecord[]>;
}
