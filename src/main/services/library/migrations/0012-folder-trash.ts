/**
 * 0012: deleting a folder moves its images to the trash instead of deleting them. A deleted folder keeps its row
 * (`deleted_at`, epoch ms), hidden from the tree, so that an image restored from the trash goes back to the same
 * path (the folder is brought back, or a live one of the same name at that place is used); emptying the trash
 * removes the deleted folders left empty. An image that arrives later in a deleted folder (a job that was still
 * running) goes straight to the trash with it.
 */
export const up = /* sql */ `
ALTER TABLE folders ADD COLUMN deleted_at INTEGER;
CREATE INDEX folders_deleted ON folders(deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TRIGGER assets_into_deleted_folder AFTER INSERT ON assets
WHEN new.deleted_at IS NULL AND (SELECT deleted_at FROM folders WHERE id = new.folder_id) IS NOT NULL
BEGIN
  UPDATE assets SET deleted_at = (SELECT deleted_at FROM folders WHERE id = new.folder_id) WHERE id = new.id;
END;
`;
