// Schema v18: memory_stats from indexes. Counting live memories by tier read every row (225 ms at
// 100k memories) and counting deleted ones scanned the table (30 ms).
// - Live memories by tier: an index of the tier, less the expired ones not yet collected, which the
//   expiry index now answers alone (it carries the tier). The tier index does not hold the expiry,
//   so a recall's touch, which moves expiries, rewrites it only when it promotes a memory.
// - Removed memories: an index of the few rows with a removal.
// deleted_at is a column of both memories_live_tier (where it is always NULL) and memories_expires
// only so that these indexes cover queries naming it (see 0017).

export const name = "stats_indexes";

export const sql = `
CREATE INDEX memories_live_tier ON memories (tier, deleted_at) WHERE deleted_at IS NULL;
CREATE INDEX memories_removal ON memories (removal) WHERE removal IS NOT NULL;
DROP INDEX memories_expires;
CREATE INDEX memories_expires ON memories (expires_at, tier, deleted_at) WHERE expires_at IS NOT NULL;
`;
