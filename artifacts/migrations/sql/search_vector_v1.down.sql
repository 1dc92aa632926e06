-- Undoes search_vector_v1.sql.
DROP INDEX IF EXISTS artifacts_artifact_title_trgm;
DROP INDEX IF EXISTS artifacts_artifact_search_gin;
DROP TRIGGER IF EXISTS artifacts_artifact_search_vector_trg ON artifacts_artifact;
DROP FUNCTION IF EXISTS artifacts_artifact_search_vector();
