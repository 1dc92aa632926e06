"""What the OpenAPI schema says beyond what drf-spectacular reads from the code: the
descriptions of fields and parameters, the 4xx answers every operation can give, and
filters' help texts as their parameters' descriptions.

Serializer, filter and model help texts describe most fields; these cover the rest, so that
every parameter and every property in the published schema says what it holds (a test walks
the schema and fails on any without).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.django_filters import DjangoFilterExtension

FIELD_DESCRIPTIONS = {
    "abstract": "The public abstract of the funded project, as NSF publishes it.",
    "anticipated_awards_max": "Largest number of awards the solicitation anticipated.",
    "anticipated_awards_min": "Smallest number of awards the solicitation anticipated.",
    "award_number": "NSF award number: seven digits.",
    "award_size_max": "Largest award size the solicitation named, in US dollars.",
    "award_size_min": "Smallest award size the solicitation named, in US dollars.",
    "award_title": "Title of the funded project that released the artifact.",
    "authors": "Authors of the publication, in the order it gives them: names and ORCID iDs.",
    "awarded_amount": "Total amount awarded to date, in US dollars.",
    "budget": "Total budget of the cycle, in US dollars.",
    "city": "City.",
    "country": "Country.",
    "creators": "People who made the artifact, in citation order.",
    "cycle": "The cycle (yearly solicitation) the award came from.",
    "cycle_year": "Year of the cycle the funding award came from.",
    "description": "Longer description in Markdown.",
    "dimensions": "Fairness dimensions the artifact addresses (gender, age, dialect, …).",
    "doi": "Digital Object Identifier, bare and lower-case (10.5281/zenodo.1234567).",
    "due_date": "Calendar date of the deadline.",
    "end_date": "Last day of the award period.",
    "ethical_considerations": "Ethical considerations (Markdown), as in a datasheet.",
    "evaluation_data": "Data the artifact was evaluated on (Markdown), as in a model card.",
    "family_name": "Family name.",
    "given_name": "Given name(s).",
    "id": "Stable numeric identifier.",
    "institution": "The institution (awardee organization).",
    "instrument": "NSF award instrument, e.g. Standard Grant or Continuing Grant.",
    "intended_amount": "Total intended award amount, in US dollars.",
    "intended_use": "What the artifact is meant for (Markdown).",
    "investigators": "Principal and co-principal investigators, current and former.",
    "keywords": "Free keywords.",
    "kind": "Kind of record, from a fixed list.",
    "label": "Short name of the deadline, when the kind alone does not say it.",
    "landing_url": "The artifact's landing page.",
    "license": "SPDX licence identifier, e.g. MIT or CC-BY-4.0.",
    "limitations": "Known limitations (Markdown).",
    "name": "Name.",
    "next": "Link to the next page, or null on the last page.",
    "obligated_amount": "Funds obligated to date, in US dollars.",
    "orcid": "ORCID iD (0000-0002-1825-0097), or empty.",
    "out_of_scope_use": "Uses the artifact is not meant for (Markdown).",
    "previous": "Link to the previous page, or null on the first page.",
    "program": "Short name of the funding program, e.g. FAI.",
    "program_officer": "NSF program officer responsible for the award.",
    "publications": "Articles and papers of the funded project, newest first.",
    "published_at": "When the artifact was published in the catalogue (UTC).",
    "release_date": "Release date of this version of the artifact.",
    "repository_url": "Source repository.",
    "results": "The records of this page.",
    "role": "Role on the award: pi, co_pi, former_pi or former_co_pi.",
    "slug": "Stable short name used in URLs.",
    "start_date": "First day of the award period.",
    "state": "State or region.",
    "status": "State in its workflow.",
    "summary": "One or two sentences, plain text.",
    "tasks": "Tasks and data modalities (NLP, vision, speech, tabular, …).",
    "title": "Title.",
    "updated_at": "When the record last changed (UTC).",
    "url": "Web address.",
    "venue": "Journal or conference where the work was published.",
    "version": "Version of the artifact, e.g. 1.2.0.",
    "website": "Website.",
    "year": "Year.",
    # DataCite JSON (metadata schema 4.5) properties, by their DataCite names.
    "publicationYear": "Year the resource was (or will be) made public.",
    "publisher": "Who holds, archives or publishes the resource: the catalogue.",
    "schemaVersion": "The DataCite metadata schema the record follows.",
    "titles": "Titles of the resource.",
    "types": "The resource's type: its general DataCite type and a free-text one.",
}

# Parameters described here rather than in the code: path parameters named after a field
# (their description is the field's), and the one DRF adds for choosing a representation.
PARAMETER_DESCRIPTIONS = {
    "format": "The representation to return, in place of the Accept header; an unknown or "
    "empty value is a 404 naming the formats there are.",
}

_WRITE_ERRORS = (
    ("401", "Writes need a staff token (Authorization: Token …)."),
    ("403", "Only program staff may change records."),
)
_ERRORS = (
    ("400", "A parameter or field is not valid; the body names it."),
    ("404", "Not found (or an unknown format)."),
    ("406", "No representation for the Accept header."),
    ("429", "Too many requests; see Retry-After."),
)
_SUCCESS = {
    "200": "The resource, in the representation asked for.",
    "201": "Created; the body is the record as it now stands.",
}


class FilterHelpTexts(DjangoFilterExtension):
    """django-filter parameters as drf-spectacular writes them, described by the filter's
    help text even where the filter declares its own schema (drf-spectacular drops the
    help text then)."""

    target_class = "fairprog.api.FilterBackend"
    priority = 1

    def resolve_filter_field(
        self, auto_schema: Any, model: Any, filterset_class: Any, field_name: str, filter_field: Any
    ) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        help_text = filter_field.extra.get("help_text")
        for parameter in parameters:
            if help_text and not parameter.get("description"):
                parameter["description"] = str(help_text)
        return parameters


def _describe(schema: Any) -> None:
    """Give every property of ``schema`` (and of the schemas inside it) that has no
    description the one its name has in FIELD_DESCRIPTIONS."""
    if not isinstance(schema, dict):
        return
    for name, prop in schema.get("properties", {}).items():
        if isinstance(prop, dict) and not prop.get("description") and name in FIELD_DESCRIPTIONS:
            prop["description"] = FIELD_DESCRIPTIONS[name]
        _describe(prop)
    for key in ("items", "additionalProperties"):
        _describe(schema.get(key))
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(key, []):
            _describe(sub)


def _describe_parameters(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("description"):
            continue
        name = parameter["name"]
        if name in PARAMETER_DESCRIPTIONS:
            parameter["description"] = PARAMETER_DESCRIPTIONS[name]
        elif parameter["in"] == "path" and name in FIELD_DESCRIPTIONS:
            parameter["description"] = FIELD_DESCRIPTIONS[name]


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular hook: describe every parameter and field, and document the 4xx
    answers every operation can give."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for component in schemas.values():
        _describe(component)
    schemas["Error"] = {
        "type": "object",
        "description": 'DRF\'s error shape: {"detail": "…"} or {"field": ["message", …]}.',
        "additionalProperties": True,
    }
    error_schema = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            _describe_parameters(operation)
            for content in operation.get("requestBody", {}).get("content", {}).values():
                _describe(content.get("schema"))
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                if not response.get("description") and code in _SUCCESS:
                    response["description"] = _SUCCESS[code]
                for content in response.get("content", {}).values():
                    _describe(content.get("schema"))
            if method in ("get", "head", "options"):
                # Reading needs no credentials: anonymous ({}) first, tokens optional.
                operation["security"] = [{}, *[s for s in operation.get("security", []) if s]]
            else:
                for code, description in _WRITE_ERRORS:
                    responses.setdefault(
                        code,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": error_schema}},
                        },
                    )
            # Errors come in whatever representation was asked for.
            media_types = list(responses.get("200", {}).get("content", {})) or ["application/json"]
            content = {
                media_type: {"schema": error_schema if "json" in media_type else {"type": "string"}}
                for media_type in media_types
            }
            for code, description in _ERRORS:
                responses.setdefault(code, {"description": description, "content": content})
    return result
