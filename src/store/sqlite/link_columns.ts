// The columns of a memory_links row in table order: all of them replicate, and export and import
// carry them all, so link replication and bulk transfer read and write this one list.

/** memory_links columns, in table order (replica_links keeps the same fields beside its key). */
export const LINK_COLUMNS = [
  "source_id",
  "target_id",
  "relation",
  "created_at",
  "valid_from",
  "valid_until",
  "observed_by",
  "deleted_at",
] as const;
