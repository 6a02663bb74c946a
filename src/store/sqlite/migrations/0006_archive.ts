// Schema v6: the archive. A memory leaves the live set either as a tombstone (deleted) or into the
// archive (expired, forgotten, consolidated); archived memories keep their links and can be restored.

export const name = "archive";

export const sql = `
ALTER TABLE memories ADD COLUMN removal TEXT CHECK (removal IN ('deleted', 'archived'));
ALTER TABLE memories ADD COLUMN archive_reason TEXT;
UPDATE memories SET removal = 'deleted' WHERE deleted_at IS NOT NULL;
CREATE INDEX memories_archived ON memories (namespace, deleted_at) WHERE removal = 'archived';

-- Only a deletion tombstones links; an archived memory keeps them (provenance of a consolidation).
DROP TRIGGER memory_links_follow_delete;
CREATE TRIGGER memory_links_follow_delete AFTER UPDATE OF deleted_at ON memories
WHEN old.deleted_at IS NULL AND new.deleted_at IS NOT NULL AND new.removal = 'deleted' BEGIN
  UPDATE memory_links SET deleted_at = new.deleted_at
  WHERE deleted_at IS NULL AND (source_id = new.id OR target_id = new.id);
END;
`;
