// Verifying and exporting the audit trail: walk every record in seq order, recompute the hash
// chain, and report the first record that breaks it; export writes the records as JSON Lines.
import { type ChainBreak, ChainVerifier } from "../core/audit_chain.ts";
import type { AuditStore } from "../store/audit_store.ts";

const PAGE = 1000;

/** The outcome of `audit verify`. */
export type AuditVerification = {
  ok: boolean;
  /** Records checked before the first break (all of them when ok). */
  records: number;
  /** Hash of the last intact record: note it somewhere else to detect a truncated tail later. */
  head_hash: string;
  /** The first record that breaks the chain. */
  broken?: ChainBreak;
};

/** Recompute the whole chain; stops at the first break. */
export async function verifyAuditTrail(audit: AuditStore): Promise<AuditVerification> {
  const verifier = new ChainVerifier();
  let after = 0;
  for (;;) {
    const page = await audit.page({ afterSeq: after, limit: PAGE });
    for (const record of page) {
      const broken = verifier.next(record);
      if (broken) return { ok: false, records: verifier.head.records, head_hash: verifier.head.hash, broken };
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.seq;
  }
  return { ok: true, records: verifier.head.records, head_hash: verifier.head.hash };
}

/** Write every record, one JSON object per line, in seq order; returns how many. */
export async function exportAuditTrail(
  audit: AuditStore,
  options: { write: (lines: string) => Promise<void> },
): Promise<number> {
  let after = 0;
  let count = 0;
  for (;;) {
    const page = await audit.page({ afterSeq: after, limit: PAGE });
    if (page.length === 0) return count;
    await options.write(page.map((r) => JSON.stringify(r) + "\n").join(""));
    count += page.length;
    after = page.at(-1)!.seq;
  }
}
