"""An artifact's public representation, built from plain values: the one definition the
API's serializer and the open-data files share."""

from __future__ import annotations

from typing import Any

from artifacts.selectors.links import PublicLink

# The keys of an artifact's public representation, in order (the API's fields, the
# open-data files' columns).
FIELD_ORDER = (
    "id",
    "slug",
    "kind",
    "title",
    "summary",
    "description",
    "landing_url",
    "repository_url",
    "doi",
    "link_health",
    "links",
    "license",
    "version",
    "release_date",
    "keywords",
    "dimensions",
    "tasks",
    "creators",
    "intended_use",
    "out_of_scope_use",
    "limitations",
    "evaluation_data",
    "ethical_considerations",
    "domain",
    "sensitive_attributes",
    "collection_process",
    "consent_anonymisation",
    "known_biases",
    "annotator_demographics",
    "fairness_notions",
    "metric_form",
    "metric_inputs",
    "group_results",
    "status",
    "published_at",
    "retirement_note",
    "superseded_by",
    "updated_at",
    "is_demo",
    "award_number",
    "award_title",
    "institution",
    "cycle_year",
    "url",
)

# Representation key → ORM path: read from instances, or straight from .values() rows.
REPRESENTATION_COLUMNS = {
    "id": "id",
    "slug": "slug",
    "kind": "kind",
    "title": "title",
    "summary": "summary",
    "description": "description",
    "landing_url": "landing_url",
    "repository_url": "repository_url",
    "doi": "doi",
    "link_health": "link_health",
    "license": "license",
    "version": "version",
    "release_date": "release_date",
    "keywords": "keywords",
    "intended_use": "intended_use",
    "out_of_scope_use": "out_of_scope_use",
    "limitations": "limitations",
    "evaluation_data": "evaluation_data",
    "ethical_considerations": "ethical_considerations",
    "domain": "domain",
    "collection_process": "collection_process",
    "consent_anonymisation": "consent_anonymisation",
    "known_biases": "known_biases",
    "annotator_demographics": "annotator_demographics",
    "fairness_notions": "fairness_notions",
    "metric_form": "metric_form",
    "metric_inputs": "metric_inputs",
    "group_results": "group_results",
    "status": "status",
    "published_at": "published_at",
    "retirement_note": "retirement_note",
    # The successor's slug: only a public artifact can be named (artifact_retire).
    "superseded_by": "superseded_by__slug",
    "updated_at": "updated_at",
    "is_demo": "is_demo",
    "award_number": "award__award_number",
    "award_title": "award__title",
    "institution": "award__institution__name",
    "cycle_year": "award__cycle__year",
}


def links_representation(links: list[PublicLink]) -> list[dict[str, Any]]:
    return [
        {
            "role": link.role,
            "url": link.url,
            "state": link.state,
            "state_since": link.state_since,
            "checked_at": link.checked_at,
            "resolves_to": link.resolves_to,
        }
        for link in links
    ]


def artifact_representation(
    row: dict[str, Any],
    *,
    creators: list[dict[str, str]],
    links: list[dict[str, Any]],
    url: str,
) -> dict[str, Any]:
    """The public JSON of one artifact, from plain values: the one place it is built."""
    # Dates and date-times stay Python values: the JSON renderer writes them (UTC as "…Z").
    values = {**row, "creators": creators, "links": links, "url": url}
    return {key: values[key] for key in FIELD_ORDER}
