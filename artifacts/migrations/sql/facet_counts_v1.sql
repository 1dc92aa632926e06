-- FacetCount, version 1 (migration 0006): statement-level triggers on the artifact table and
-- its dimension and task tables add what the changed rows contribute after a statement and
-- subtract what they contributed before; then the counts of what is already there.
-- "Listed" here is status = 'published', as artifact_listed_queryset() says in Python; the
-- test suite compares the two (test_whole_catalogue_counts_kept_by_triggers_match_counting_the_rows).
CREATE OR REPLACE FUNCTION artifacts_facet_insert() RETURNS trigger AS $$
BEGIN

    INSERT INTO artifacts_facetcount (facet, value, count)
    SELECT facet, value, sum(n) FROM (SELECT facet, value, 1 FROM (
        SELECT 'kind' AS facet, kind::text AS value FROM new_rows WHERE status = 'published'
        UNION ALL SELECT 'license', license FROM new_rows WHERE status = 'published' AND license <> ''
        UNION ALL SELECT 'award', award_id::text FROM new_rows WHERE status = 'published'
        UNION ALL SELECT 'dimension', d.fairnessdimension_id::text FROM new_rows AS r
            JOIN artifacts_artifact_dimensions AS d ON d.artifact_id = r.id WHERE r.status = 'published'
        UNION ALL SELECT 'task', t.task_id::text FROM new_rows AS r
            JOIN artifacts_artifact_tasks AS t ON t.artifact_id = r.id WHERE r.status = 'published') AS c) AS delta(facet, value, n)
    GROUP BY facet, value HAVING sum(n) <> 0
    ON CONFLICT (facet, value) DO UPDATE SET count = artifacts_facetcount.count + EXCLUDED.count;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION artifacts_facet_delete() RETURNS trigger AS $$
BEGIN

    INSERT INTO artifacts_facetcount (facet, value, count)
    SELECT facet, value, sum(n) FROM (SELECT facet, value, -1 FROM (
        SELECT 'kind' AS facet, kind::text AS value FROM old_rows WHERE status = 'published'
        UNION ALL SELECT 'license', license FROM old_rows WHERE status = 'published' AND license <> ''
        UNION ALL SELECT 'award', award_id::text FROM old_rows WHERE status = 'published'
        UNION ALL SELECT 'dimension', d.fairnessdimension_id::text FROM old_rows AS r
            JOIN artifacts_artifact_dimensions AS d ON d.artifact_id = r.id WHERE r.status = 'published'
        UNION ALL SELECT 'task', t.task_id::text FROM old_rows AS r
            JOIN artifacts_artifact_tasks AS t ON t.artifact_id = r.id WHERE r.status = 'published') AS c) AS delta(facet, value, n)
    GROUP BY facet, value HAVING sum(n) <> 0
    ON CONFLICT (facet, value) DO UPDATE SET count = artifacts_facetcount.count + EXCLUDED.count;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION artifacts_facet_update() RETURNS trigger AS $$
BEGIN

    INSERT INTO artifacts_facetcount (facet, value, count)
    SELECT facet, value, sum(n) FROM (SELECT facet, value, -1 FROM (
        SELECT 'kind' AS facet, kind::text AS value FROM old_rows WHERE status = 'published'
        UNION ALL SELECT 'license', license FROM old_rows WHERE status = 'published' AND license <> ''
        UNION ALL SELECT 'award', award_id::text FROM old_rows WHERE status = 'published'
        UNION ALL SELECT 'dimension', d.fairnessdimension_id::text FROM old_rows AS r
            JOIN artifacts_artifact_dimensions AS d ON d.artifact_id = r.id WHERE r.status = 'published'
        UNION ALL SELECT 'task', t.task_id::text FROM old_rows AS r
            JOIN artifacts_artifact_tasks AS t ON t.artifact_id = r.id WHERE r.status = 'published') AS c UNION ALL SELECT facet, value, 1 FROM (
        SELECT 'kind' AS facet, kind::text AS value FROM new_rows WHERE status = 'published'
        UNION ALL SELECT 'license', license FROM new_rows WHERE status = 'published' AND license <> ''
        UNION ALL SELECT 'award', award_id::text FROM new_rows WHERE status = 'published'
        UNION ALL SELECT 'dimension', d.fairnessdimension_id::text FROM new_rows AS r
            JOIN artifacts_artifact_dimensions AS d ON d.artifact_id = r.id WHERE r.status = 'published'
        UNION ALL SELECT 'task', t.task_id::text FROM new_rows AS r
            JOIN artifacts_artifact_tasks AS t ON t.artifact_id = r.id WHERE r.status = 'published') AS c) AS delta(facet, value, n)
    GROUP BY facet, value HAVING sum(n) <> 0
    ON CONFLICT (facet, value) DO UPDATE SET count = artifacts_facetcount.count + EXCLUDED.count;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER artifacts_facet_insert_trg AFTER INSERT ON artifacts_artifact
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION artifacts_facet_insert();

CREATE TRIGGER artifacts_facet_delete_trg AFTER DELETE ON artifacts_artifact
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION artifacts_facet_delete();

CREATE TRIGGER artifacts_facet_update_trg AFTER UPDATE ON artifacts_artifact
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION artifacts_facet_update();

CREATE OR REPLACE FUNCTION artifacts_artifact_dimensions_facet_insert() RETURNS trigger AS $$
BEGIN

    INSERT INTO artifacts_facetcount (facet, value, count)
    SELECT facet, value, sum(n) FROM (SELECT 'dimension', r.fairnessdimension_id::text, 1 FROM new_rows AS r
        JOIN artifacts_artifact AS a ON a.id = r.artifact_id WHERE a.status = 'published') AS delta(facet, value, n)
    GROUP BY facet, value HAVING sum(n) <> 0
    ON CONFLICT (facet, value) DO UPDATE SET count = artifacts_facetcount.count + EXCLUDED.count;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION artifacts_artifact_dimensions_facet_delete() RETURNS trigger AS $$
BEGIN

    INSERT INTO artifacts_facetcount (facet, value, count)
    SELECT facet, value, sum(n) FROM (SELECT 'dimension', r.fairnessdimension_id::text, -1 FROM old_rows AS r
        JOIN artifacts_artifact AS a ON a.id = r.artifact_id WHERE a.status = 'published') AS delta(facet, value, n)
    GROUP BY facet, value HAVING sum(n) <> 0
    ON CONFLICT (facet, value) DO UPDATE SET count = artifacts_facetcount.count + EXCLUDED.count;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION artifacts_artifact_dimensions_facet_update() RETURNS trigger AS $$
BEGIN

    INSERT INTO artifacts_facetcount (facet, value, count)
    SELECT facet, value, sum(n) FROM (SELECT 'dimension', r.fairnessdimension_id::text, -1 FROM old_rows AS r
        JOIN artifacts_artifact AS a ON a.id = r.artifact_id WHERE a.status = 'published' UNION ALL SELECT 'dimension', r.fairnessdimension_id::text, 1 FROM new_rows AS r
        JOIN artifacts_artifact AS a ON a.id = r.artifact_id WHERE a.status = 'published') AS delta(facet, value, n)
    GROUP BY facet, value HAVING sum(n) <> 0
    ON CONFLICT (facet, value) DO UPDATE SET count = artifacts_facetcount.count + EXCLUDED.count;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER artifacts_artifact_dimensions_facet_insert_trg AFTER INSERT ON artifacts_artifact_dimensions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION artifacts_artifact_dimensions_facet_insert();

CREATE TRIGGER artifacts_artifact_dimensions_facet_delete_trg AFTER DELETE ON artifacts_artifact_dimensions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION artifacts_artifact_dimensions_facet_delete();

CREATE TRIGGER artifacts_artifact_dimensions_facet_update_trg AFTER UPDATE ON artifacts_artifact_dimensions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION artifacts_artifact_dimensions_facet_update();

CREATE OR REPLACE FUNCTION artifacts_artifact_tasks_facet_insert() RETURNS trigger AS $$
BEGIN

    INSERT INTO artifacts_facetcount (facet, value, count)
    SELECT facet, value, sum(n) FROM (SELECT 'task', r.task_id::text, 1 FROM new_rows AS r
        JOIN artifacts_artifact AS a ON a.id = r.artifact_id WHERE a.status = 'published') AS delta(facet, value, n)
    GROUP BY facet, value HAVING sum(n) <> 0
    ON CONFLICT (facet, value) DO UPDATE SET count = artifacts_facetcount.count + EXCLUDED.count;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION artifacts_artifact_tasks_facet_delete() RETURNS trigger AS $$
BEGIN

    INSERT INTO artifacts_facetcount (facet, value, count)
    SELECT facet, value, sum(n) FROM (SELECT 'task', r.task_id::text, -1 FROM old_rows AS r
        JOIN artifacts_artifact AS a ON a.id = r.artifact_id WHERE a.status = 'published') AS delta(facet, value, n)
    GROUP BY facet, value HAVING sum(n) <> 0
    ON CONFLICT (facet, value) DO UPDATE SET count = artifacts_facetcount.count + EXCLUDED.count;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION artifacts_artifact_tasks_facet_update() RETURNS trigger AS $$
BEGIN

    INSERT INTO artifacts_facetcount (facet, value, count)
    SELECT facet, value, sum(n) FROM (SELECT 'task', r.task_id::text, -1 FROM old_rows AS r
        JOIN artifacts_artifact AS a ON a.id = r.artifact_id WHERE a.status = 'published' UNION ALL SELECT 'task', r.task_id::text, 1 FROM new_rows AS r
        JOIN artifacts_artifact AS a ON a.id = r.artifact_id WHERE a.status = 'published') AS delta(facet, value, n)
    GROUP BY facet, value HAVING sum(n) <> 0
    ON CONFLICT (facet, value) DO UPDATE SET count = artifacts_facetcount.count + EXCLUDED.count;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER artifacts_artifact_tasks_facet_insert_trg AFTER INSERT ON artifacts_artifact_tasks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION artifacts_artifact_tasks_facet_insert();

CREATE TRIGGER artifacts_artifact_tasks_facet_delete_trg AFTER DELETE ON artifacts_artifact_tasks
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION artifacts_artifact_tasks_facet_delete();

CREATE TRIGGER artifacts_artifact_tasks_facet_update_trg AFTER UPDATE ON artifacts_artifact_tasks
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION artifacts_artifact_tasks_facet_update();

    INSERT INTO artifacts_facetcount (facet, value, count)
    SELECT facet, value, sum(n) FROM (SELECT facet, value, 1 FROM (
        SELECT 'kind' AS facet, kind::text AS value FROM artifacts_artifact WHERE status = 'published'
        UNION ALL SELECT 'license', license FROM artifacts_artifact WHERE status = 'published' AND license <> ''
        UNION ALL SELECT 'award', award_id::text FROM artifacts_artifact WHERE status = 'published'
        UNION ALL SELECT 'dimension', d.fairnessdimension_id::text FROM artifacts_artifact AS r
            JOIN artifacts_artifact_dimensions AS d ON d.artifact_id = r.id WHERE r.status = 'published'
        UNION ALL SELECT 'task', t.task_id::text FROM artifacts_artifact AS r
            JOIN artifacts_artifact_tasks AS t ON t.artifact_id = r.id WHERE r.status = 'published') AS c) AS delta(facet, value, n)
    GROUP BY facet, value HAVING sum(n) <> 0
    ON CONFLICT (facet, value) DO UPDATE SET count = artifacts_facetcount.count + EXCLUDED.count;
