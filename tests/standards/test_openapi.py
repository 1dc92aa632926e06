"""The OpenAPI schema says what the API accepts and returns: every parameter and property is
described, a parameter declared as a date-time, an integer or one of a list refuses an empty
value as it refuses any other value off its type, and the text representations of one
artifact are declared so that a client can check a body against them (schemathesis does, in
tests/api/test_schemathesis.py, against a live server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from openapi_spec_validator import validate

from artifacts.models import Artifact


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    body = Client().get(reverse("api-schema"))
    assert body.status_code == 200
    loaded: dict[str, Any] = yaml.safe_load(body.content)
    return loaded


def _undescribed(where: str, node: Any) -> Iterator[str]:
    """Every property under ``node`` (an OpenAPI schema object) without a description."""
    if not isinstance(node, dict):
        return
    for name, prop in node.get("properties", {}).items():
        if isinstance(prop, dict) and not prop.get("description") and "$ref" not in prop:
            yield f"{where}.{name}"
        yield from _undescribed(f"{where}.{name}", prop)
    for key in ("items", "additionalProperties"):
        yield from _undescribed(f"{where}[{key}]", node.get(key))
    for key in ("allOf", "oneOf", "anyOf"):
        for sub in node.get(key, []):
            yield from _undescribed(where, sub)


def test_the_schema_is_valid_openapi_3(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_every_parameter_and_every_property_is_described(schema: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path} parameter {parameter['name']}"
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        for parameter in operation.get("parameters", [])
        if not parameter.get("description")
    ]
    for name, component in schema["components"]["schemas"].items():
        missing += _undescribed(name, component)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                if not response.get("description"):
                    missing.append(f"{method.upper()} {path} response {code}")
    assert not missing, "\n".join(missing)


def test_filters_help_texts_reach_the_schema(schema: dict[str, Any]) -> None:
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/artifacts/"]["get"]["parameters"]}
    assert parameters["updated_since"]["schema"] == {"type": "string", "format": "date-time"}
    assert "ISO 8601" in parameters["updated_since"]["description"]
    assert parameters["year"]["schema"]["items"]["minimum"] == 1900


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/artifacts/?updated_since=", "updated_since"),
        ("/api/v1/awards/?updated_since=", "updated_since"),
        ("/api/v1/deadlines/?after=", "after"),
        ("/api/v1/awards/?year=", "year"),
        ("/api/v1/artifacts/?year=2021,,2022", "year"),
    ],
)
def test_an_empty_typed_parameter_is_a_400_naming_it(client: Client, url: str, parameter: str):
    response = client.get(url)
    assert response.status_code == 400, response.content
    assert parameter in response.json()


@pytest.mark.django_db
def test_a_parameter_left_out_filters_nothing(client: Client) -> None:
    assert client.get("/api/v1/deadlines/").status_code == 200
    assert client.get("/api/v1/artifacts/?year=").status_code == 200


@pytest.mark.parametrize("given", ["", "xml", "c" * 5000])
def test_an_unknown_or_empty_format_is_a_404_naming_the_formats(
    client: Client, standards_catalogue: list[Artifact], given: str
) -> None:
    artifact = standards_catalogue[0]
    response = client.get(f"/api/v1/artifacts/{artifact.slug}/", {"format": given})
    assert response.status_code == 404
    detail = response.json()["detail"]
    for known in ("bibtex", "cff", "datacite", "json", "jsonld"):
        assert known in detail
    # A control character in any parameter is refused before content negotiation.
    refused = client.get(f"/api/v1/artifacts/{artifact.slug}/", {"format": given + "\x00"})
    assert refused.status_code == 400
    assert "format" in refused.content.decode()


def test_cff_and_bibtex_bodies_are_declared_checkably(
    client: Client, schema: dict[str, Any], standards_catalogue: list[Artifact]
) -> None:
    """The CFF body parses as YAML to an object the declared schema accepts; the BibTeX body
    is declared as a string, under its media type."""
    import jsonschema

    content = schema["paths"]["/api/v1/artifacts/{slug}/"]["get"]["responses"]["200"]["content"]
    cff_schema = content["application/x-cff+yaml"]["schema"]
    assert content["application/x-bibtex"]["schema"]["type"] == "string"
    for artifact in standards_catalogue:
        body = client.get(f"/api/v1/artifacts/{artifact.slug}/", {"format": "cff"})
        assert body.status_code == 200
        jsonschema.validate(yaml.safe_load(body.content), cff_schema)
