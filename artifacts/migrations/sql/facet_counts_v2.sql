-- FacetCount, version 2 (migration 0009): the artifact triggers of version 1 also count
-- link_health (the link-health facet), and the counts are rebuilt from the rows. The
-- triggers on the dimension and task tables are those of version 1.
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
            JOIN artifacts_artifact_tasks AS t ON t.artifact_id = r.id WHERE r.status = 'published'
        UNION ALL SELECT 'link', link_health FROM new_rows WHERE status = 'published') AS c) AS delta(facet, value, n)
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
            JOIN artifacts_artifact_tasks AS t ON t.artifact_id = r.id WHERE r.status = 'published'
        UNION ALL SELECT 'link', link_health FROM old_rows WHERE status = 'published') AS c) AS delta(facet, value, n)
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
            JOIN artifacts_artifact_tasks AS t ON t.artifact_id = r.id WHERE r.status = 'published'
        UNION ALL SELECT 'link', link_health FROM old_rows WHERE status = 'published') AS c UNION ALL SELECT facet, value, 1 FROM (
        SELECT 'kind' AS facet, kind::text AS value FROM new_rows WHERE status = 'published'
        UNION ALL SELECT 'license', license FROM new_rows WHERE status = 'published' AND license <> ''
        UNION ALL SELECT 'award', award_id::text FROM new_rows WHERE status = 'published'
        UNION ALL SELECT 'dimension', d.fairnessdimension_id::text FROM new_rows AS r
            JOIN artifacts_artifact_dimensions AS d ON d.artifact_id = r.id WHERE r.status = 'published'
        UNION ALL SELECT 'task', t.task_id::text FROM new_rows AS r
            JOIN artifacts_artifact_tasks AS t ON t.artifact_id = r.id WHERE r.status = 'published'
        UNION ALL SELECT 'link', link_health FROM new_rows WHERE status = 'published') AS c) AS delta(facet, value, n)
    GROUP BY facet, value HAVING sum(n) <> 0
    ON CONFLICT (facet, value) DO UPDATE SET count = artifacts_facetcount.count + EXCLUDED.count;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

    DELETE FROM artifacts_facetcount;
    INSERT INTO artifacts_facetcount (facet, value, count)
    SELECT facet, value, count(*) FROM (
        SELECT 'kind' AS facet, kind::text AS value FROM artifacts_artifact WHERE status = 'published'
        UNION ALL SELECT 'license', license FROM artifacts_artifact WHERE status = 'published' AND license <> ''
        UNION ALL SELECT 'award', award_id::text FROM artifacts_artifact WHERE status = 'published'
        UNION ALL SELECT 'dimension', d.fairnessdimension_id::text FROM artifacts_artifact AS r
            JOIN artifacts_artifact_dimensions AS d ON d.artifact_id = r.id WHERE r.status = 'published'
        UNION ALL SELECT 'task', t.task_id::text FROM artifacts_artifact AS r
            JOIN artifacts_artifact_tasks AS t ON t.artifact_id = r.id WHERE r.status = 'published'
        UNION ALL SELECT 'link', link_health FROM artifacts_artifact WHERE status = 'published') AS c GROUP BY facet, value;
