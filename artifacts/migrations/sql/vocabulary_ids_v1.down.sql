-- Undoes vocabulary_ids_v1.sql.
DROP TRIGGER IF EXISTS artifacts_artifact_dimensions_ids_insert_trg ON artifacts_artifact_dimensions;
DROP TRIGGER IF EXISTS artifacts_artifact_dimensions_ids_delete_trg ON artifacts_artifact_dimensions;
DROP FUNCTION IF EXISTS artifacts_artifact_dimensions_ids();
ALTER TABLE artifacts_artifact DROP COLUMN IF EXISTS dimension_ids;
DROP TRIGGER IF EXISTS artifacts_artifact_tasks_ids_insert_trg ON artifacts_artifact_tasks;
DROP TRIGGER IF EXISTS artifacts_artifact_tasks_ids_delete_trg ON artifacts_artifact_tasks;
DROP FUNCTION IF EXISTS artifacts_artifact_tasks_ids();
ALTER TABLE artifacts_artifact DROP COLUMN IF EXISTS task_ids;
