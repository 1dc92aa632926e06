"""Staff write access: token-authenticated staff change artifacts through the services."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from artifacts.models import Artifact
from tests.artifacts.factories import ArtifactFactory
from tests.conftest import program_staff_group
from tests.proposals.factories import AwardFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_api():
    user = User.objects.create_user("curator", is_staff=True)
    user.groups.add(program_staff_group())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _payload(**overrides):
    award = AwardFactory(award_number="2040926")
    return {
        "award": award.award_number,
        "kind": "dataset",
        "title": "Dialect speech benchmark",
        "summary": "Speech recognition errors across dialects.",
        "license": "cc-by-4.0",
        "doi": "https://doi.org/10.5281/ZENODO.1",
        "landing_url": "https://example.org/dialects",
        "keywords": ["speech", "dialects"],
        "dimensions": ["language-dialect"],
        "creators": [PersonFactory().pk],
        **overrides,
    }


def test_staff_create_a_draft_then_publish_it(staff_api):
    created = staff_api.post("/api/v1/artifacts/", _payload(), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft"
    assert body["license"] == "CC-BY-4.0"
    assert body["doi"] == "10.5281/zenodo.1"
    assert body["dimensions"] == [{"slug": "language-dialect", "name": "Language and dialect"}]
    published = staff_api.post(f"/api/v1/artifacts/{body['slug']}/publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "published"


def test_staff_update_keeps_history(staff_api):
    artifact = ArtifactFactory(slug="set-one")
    response = staff_api.patch("/api/v1/artifacts/set-one/", {"title": "Renamed"}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Renamed"
    assert artifact.history.count() >= 1


def test_bad_write_is_a_400_naming_the_field_and_changes_nothing(staff_api):
    response = staff_api.post("/api/v1/artifacts/", _payload(license="GPL"), format="json")
    assert response.status_code == 400
    assert "is not an SPDX licence id" in response.json()["license"][0]
    assert not Artifact.objects.exists()
    missing = staff_api.post("/api/v1/artifacts/", {"kind": "poem"}, format="json")
    assert missing.status_code == 400
    assert {"award", "kind", "title", "summary"} <= set(missing.json())


def test_publishing_without_a_licence_is_refused_with_the_reason(staff_api):
    artifact = ArtifactFactory(slug="draft", status="draft", published_at=None, license="")
    response = staff_api.post(f"/api/v1/artifacts/{artifact.slug}/publish/")
    assert response.status_code == 400
    assert "needs a licence" in response.json()["non_field_errors"][0]


def test_anonymous_and_non_staff_writes_are_refused(client):
    assert client.post("/api/v1/artifacts/", {}).status_code in (401, 403)
    outsider = User.objects.create_user("outsider")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=outsider).key}")
    assert api.post("/api/v1/artifacts/", {}, format="json").status_code == 403
    ArtifactFactory(slug="x")
    assert api.patch("/api/v1/artifacts/x/", {"title": "y"}, format="json").status_code == 403


def test_deleting_is_not_offered(staff_api):
    ArtifactFactory(slug="keep")
    assert staff_api.delete("/api/v1/artifacts/keep/").status_code == 405


def test_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO())


def test_staff_record_and_correct_an_award(staff_api):
    from tests.proposals.factories import OrganizationFactory, ProgramFactory

    ProgramFactory()
    institution = OrganizationFactory(name="Carnegie Mellon University")
    created = staff_api.post(
        "/api/v1/awards/",
        {
            "award_number": "2040942",
            "program": "FAI",
            "title": "FAI: Organizing Crowd Audits to Detect Bias in Machine Learning",
            "institution": institution.pk,
            "intended_amount": "625000.00",
            "start_date": "2021-02-01",
            "end_date": "2025-01-31",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["institution"]["name"] == "Carnegie Mellon University"
    fixed = staff_api.patch(
        "/api/v1/awards/2040942/", {"awarded_amount": "681000.00"}, format="json"
    )
    assert fixed.status_code == 200
    assert fixed.json()["awarded_amount"] == "681000.00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"award_number": "12"}, "award_number"),
        ({"end_date": "2020-01-01"}, "__all__"),
        ({"intended_amount": "-1"}, "intended_amount"),
    ],
)
def test_bad_award_writes_are_400s(staff_api, changes, field):
    from tests.proposals.factories import ProgramFactory

    ProgramFactory()
    payload = {
        "award_number": "2147276",
        "program": "FAI",
        "title": "FAI: Toward Fair Decision Making",
        "start_date": "2022-02-15",
        **changes,
    }
    response = staff_api.post("/api/v1/awards/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_second_award_with_the_same_number_is_refused(staff_api):
    AwardFactory(award_number="2040800")
    from proposals.models import Program

    response = staff_api.post(
        "/api/v1/awards/",
        {"award_number": "2040800", "program": Program.objects.get().short_name, "title": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "award_number" in response.json()


def test_every_schema_property_is_described(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    undescribed = [
        f"{name}.{prop}"
        for name, component in schema["components"]["schemas"].items()
        for prop, details in component.get("properties", {}).items()
        if not details.get("description") and "$ref" not in details and "allOf" not in details
    ]
    assert undescribed == []


def test_a_form_encoded_write_is_a_415_and_changes_nothing(staff_api):
    response = staff_api.post("/api/v1/artifacts/", _payload(), format="multipart")
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["detail"]
    assert not Artifact.objects.exists()


@pytest.mark.parametrize("field", ["creators", "dimensions", "tasks"])
def test_a_list_of_records_must_be_a_list(staff_api, field):
    response = staff_api.post("/api/v1/artifacts/", _payload(**{field: {}}), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Artifact.objects.exists()


def test_an_empty_amount_is_refused_not_read_as_null(staff_api):
    AwardFactory(award_number="2040800")
    response = staff_api.patch("/api/v1/awards/2040800/", {"obligated_amount": ""}, format="json")
    assert response.status_code == 400
    assert "obligated_amount" in response.json()
    assert (
        staff_api.patch(
            "/api/v1/awards/2040800/", {"obligated_amount": None}, format="json"
        ).status_code
        == 200
    )
