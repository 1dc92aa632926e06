-- Artifact.search_vector, version 1 (migration 0002): the weighted tsvector a trigger keeps
-- current (title A; summary and keywords B; description and documentation C), and the GIN
-- indexes of ranked search and of the trigram fallback. PostgreSQL only.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE OR REPLACE FUNCTION artifacts_artifact_search_vector() RETURNS trigger AS $$
BEGIN
  NEW.search_vector :=
       setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
    || setweight(to_tsvector('english',
         coalesce(NEW.summary, '') || ' ' ||
         coalesce((SELECT string_agg(k, ' ') FROM jsonb_array_elements_text(NEW.keywords) AS k), '')
       ), 'B')
    || setweight(to_tsvector('english',
         coalesce(NEW.description, '') || ' ' || coalesce(NEW.intended_use, '') || ' ' ||
         coalesce(NEW.out_of_scope_use, '') || ' ' || coalesce(NEW.limitations, '') || ' ' ||
         coalesce(NEW.evaluation_data, '') || ' ' || coalesce(NEW.ethical_considerations, '')
       ), 'C');
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER artifacts_artifact_search_vector_trg
  BEFORE INSERT OR UPDATE OF title, summary, keywords, description, intended_use,
    out_of_scope_use, limitations, evaluation_data, ethical_considerations
  ON artifacts_artifact FOR EACH ROW EXECUTE FUNCTION artifacts_artifact_search_vector();
CREATE INDEX artifacts_artifact_search_gin ON artifacts_artifact USING gin (search_vector);
CREATE INDEX artifacts_artifact_title_trgm ON artifacts_artifact USING gin (title gin_trgm_ops);
