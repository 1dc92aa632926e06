-- Artifact.dimension_ids and Artifact.task_ids, version 1 (migration 0007): each artifact's
-- fairness dimension and task ids as sorted arrays on its own row, kept current by triggers
-- on the two vocabulary tables, so facet counts over many matches read them in place. The
-- columns are not declared on the model: the ORM never writes them.
ALTER TABLE artifacts_artifact ADD COLUMN dimension_ids integer[] NOT NULL DEFAULT '{}';
UPDATE artifacts_artifact AS a SET dimension_ids = ARRAY(SELECT v.fairnessdimension_id FROM artifacts_artifact_dimensions AS v WHERE v.artifact_id = a.id ORDER BY v.fairnessdimension_id);
CREATE OR REPLACE FUNCTION artifacts_artifact_dimensions_ids() RETURNS trigger AS $$
BEGIN

    UPDATE artifacts_artifact AS a SET dimension_ids = ARRAY(SELECT v.fairnessdimension_id FROM artifacts_artifact_dimensions AS v WHERE v.artifact_id = a.id ORDER BY v.fairnessdimension_id)
    WHERE a.id IN (SELECT artifact_id FROM changed_rows);
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER artifacts_artifact_dimensions_ids_insert_trg AFTER INSERT ON artifacts_artifact_dimensions
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION artifacts_artifact_dimensions_ids();
CREATE TRIGGER artifacts_artifact_dimensions_ids_delete_trg AFTER DELETE ON artifacts_artifact_dimensions
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION artifacts_artifact_dimensions_ids();


ALTER TABLE artifacts_artifact ADD COLUMN task_ids integer[] NOT NULL DEFAULT '{}';
UPDATE artifacts_artifact AS a SET task_ids = ARRAY(SELECT v.task_id FROM artifacts_artifact_tasks AS v WHERE v.artifact_id = a.id ORDER BY v.task_id);
CREATE OR REPLACE FUNCTION artifacts_artifact_tasks_ids() RETURNS trigger AS $$
BEGIN

    UPDATE artifacts_artifact AS a SET task_ids = ARRAY(SELECT v.task_id FROM artifacts_artifact_tasks AS v WHERE v.artifact_id = a.id ORDER BY v.task_id)
    WHERE a.id IN (SELECT artifact_id FROM changed_rows);
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER artifacts_artifact_tasks_ids_insert_trg AFTER INSERT ON artifacts_artifact_tasks
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION artifacts_artifact_tasks_ids();
CREATE TRIGGER artifacts_artifact_tasks_ids_delete_trg AFTER DELETE ON artifacts_artifact_tasks
  REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION artifacts_artifact_tasks_ids();
