-- Undoes facet_counts_v1.sql.
DROP TRIGGER IF EXISTS artifacts_facet_insert_trg ON artifacts_artifact;
DROP FUNCTION IF EXISTS artifacts_facet_insert();
DROP TRIGGER IF EXISTS artifacts_facet_delete_trg ON artifacts_artifact;
DROP FUNCTION IF EXISTS artifacts_facet_delete();
DROP TRIGGER IF EXISTS artifacts_facet_update_trg ON artifacts_artifact;
DROP FUNCTION IF EXISTS artifacts_facet_update();
DROP TRIGGER IF EXISTS artifacts_artifact_dimensions_facet_insert_trg ON artifacts_artifact_dimensions;
DROP FUNCTION IF EXISTS artifacts_artifact_dimensions_facet_insert();
DROP TRIGGER IF EXISTS artifacts_artifact_dimensions_facet_delete_trg ON artifacts_artifact_dimensions;
DROP FUNCTION IF EXISTS artifacts_artifact_dimensions_facet_delete();
DROP TRIGGER IF EXISTS artifacts_artifact_dimensions_facet_update_trg ON artifacts_artifact_dimensions;
DROP FUNCTION IF EXISTS artifacts_artifact_dimensions_facet_update();
DROP TRIGGER IF EXISTS artifacts_artifact_tasks_facet_insert_trg ON artifacts_artifact_tasks;
DROP FUNCTION IF EXISTS artifacts_artifact_tasks_facet_insert();
DROP TRIGGER IF EXISTS artifacts_artifact_tasks_facet_delete_trg ON artifacts_artifact_tasks;
DROP FUNCTION IF EXISTS artifacts_artifact_tasks_facet_delete();
DROP TRIGGER IF EXISTS artifacts_artifact_tasks_facet_update_trg ON artifacts_artifact_tasks;
DROP FUNCTION IF EXISTS artifacts_artifact_tasks_facet_update();
