"""Fairness metadata of artifacts: saved through the admin, the researchers' form and the API,
unknown codes refused by name, edits of published artifacts diffed and applied on approval,
the public page stating what is known and what is not, the API, open data and JSON-LD
carrying it, with query counts that do not grow with the rows."""

from __future__ import annotations

import json
import re
from typing import Any

import frictionless
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from artifacts.models import (
    Artifact,
    ArtifactRevision,
    FairnessDimension,
    SensitiveAttribute,
)
from artifacts.opendata.export import open_data_export
from artifacts.services.fairness import artifact_sensitive_attributes_set
from artifacts.services.submissions import revision_changes, revision_decide
from fairprog.errors import DomainError
from proposals.models import AwardInvestigator
from proposals.services.researchers import researcher_user
from tests.artifacts.factories import ArtifactFactory
from tests.proposals.factories import AwardFactory, AwardInvestigatorFactory, PersonFactory
from tests.standards.test_jsonld import Vocabulary, expand

pytestmark = pytest.mark.django_db


def _dims(*slugs: str) -> list[FairnessDimension]:
    found = {d.slug: d for d in FairnessDimension.objects.filter(slug__in=slugs)}
    return [found[s] for s in slugs]


def _dataset(**fields: Any) -> Any:  # an Artifact
    values = {
        "domain": "hiring",
        "collection_process": "Resumes submitted to **three** employers.",
        "consent_anonymisation": "Names and addresses removed.",
        "known_biases": "Few applicants over 60.",
        **fields,
    }
    artifact: Any = ArtifactFactory(kind=Artifact.Kind.DATASET, **values)
    gender, age = _dims("gender", "age")
    artifact_sensitive_attributes_set(
        artifact=artifact,
        rows=[[gender.pk, "self_reported", "binary only"], [age.pk, "inferred", ""]],
    )
    return artifact


def _metric(**fields: Any) -> Any:  # an Artifact
    values = {
        "fairness_notions": ["equalised_odds", "demographic_parity"],
        "metric_form": "ratio",
        "metric_inputs": ["predictions", "true_labels", "sensitive_attribute"],
        **fields,
    }
    return ArtifactFactory(kind=Artifact.Kind.METRIC, **values)


def _page(client: Any, artifact: Artifact) -> str:
    response = client.get(reverse("artifacts:detail", args=[artifact.slug]))
    assert response.status_code == 200
    return str(response.content.decode())


# --- validation ------------------------------------------------------------------------------


def test_an_unknown_fairness_notion_is_a_field_error_naming_the_code():
    artifact = ArtifactFactory.build(kind="metric", fairness_notions=["equalised_odds", "vibes"])
    with pytest.raises(ValidationError) as caught:
        artifact.full_clean(exclude=["award", "search_vector"])
    assert "vibes" in " ".join(caught.value.message_dict["fairness_notions"])


def test_an_unknown_metric_input_is_a_field_error_naming_the_code():
    artifact = ArtifactFactory.build(kind="metric", metric_inputs=["predictions", "horoscope"])
    with pytest.raises(ValidationError) as caught:
        artifact.full_clean(exclude=["award", "search_vector"])
    assert "horoscope" in " ".join(caught.value.message_dict["metric_inputs"])


def test_an_unknown_way_of_obtaining_a_sensitive_attribute_is_refused_naming_it():
    artifact = ArtifactFactory()
    [gender] = _dims("gender")
    with pytest.raises(DomainError) as caught:
        artifact_sensitive_attributes_set(artifact=artifact, rows=[[gender.pk, "guessed", ""]])
    assert "guessed" in caught.value.errors["sensitive_attributes"][0]


def test_the_api_refuses_an_unknown_notion_with_a_400_naming_the_field(staff_api_client):
    AwardFactory(award_number="2040926")
    response = staff_api_client.post(
        "/api/v1/artifacts/",
        {"award": "2040926", "kind": "metric", "title": "Odds gap", "summary": "A metric.",
         "fairness_notions": ["equalised_odds", "vibes"]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "fairness_notions" in response.json()
    assert "vibes" in json.dumps(response.json())


def test_the_api_saves_a_metrics_notions_form_and_inputs(staff_api_client):
    AwardFactory(award_number="2040926")
    response = staff_api_client.post(
        "/api/v1/artifacts/",
        {"award": "2040926", "kind": "metric", "title": "Odds gap", "summary": "A metric.",
         "fairness_notions": ["equalised_odds"], "metric_form": "difference",
         "metric_inputs": ["predictions", "true_labels"]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    artifact = Artifact.objects.get(title="Odds gap")
    assert artifact.fairness_notions == ["equalised_odds"]
    assert artifact.metric_form == "difference"
    assert artifact.metric_inputs == ["predictions", "true_labels"]


@pytest.fixture
def staff_api_client(staff_user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff_user).key}")
    return client


# --- the admin -------------------------------------------------------------------------------


def _admin_data(artifact: Artifact, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "award": artifact.award_id, "kind": artifact.kind, "title": artifact.title,
        "slug": artifact.slug, "summary": artifact.summary, "landing_url": artifact.landing_url,
        "license": artifact.license, "keywords": "bias",
        "creator_links-TOTAL_FORMS": "0", "creator_links-INITIAL_FORMS": "0",
        "sensitive_attributes-TOTAL_FORMS": "0", "sensitive_attributes-INITIAL_FORMS": "0",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_the_admin_saves_the_fairness_fields_and_sensitive_attributes(staff_client):
    artifact = ArtifactFactory(kind=Artifact.Kind.DATASET)
    [race] = _dims("race-ethnicity")
    data = _admin_data(
        artifact,
        domain="criminal_justice",
        collection_process="Court records.",
        annotator_demographics="Two law students.",
        fairness_notions=["calibration"],
        **{"sensitive_attributes-TOTAL_FORMS": "1",
           "sensitive_attributes-0-dimension": str(race.pk),
           "sensitive_attributes-0-obtained": "annotated",
           "sensitive_attributes-0-note": "from booking photos"},
    )  # fmt: skip
    url = reverse("admin:artifacts_artifact_change", args=[artifact.pk])

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    artifact.refresh_from_db()
    assert artifact.domain == "criminal_justice"
    assert artifact.collection_process == "Court records."
    assert artifact.annotator_demographics == "Two law students."
    assert artifact.fairness_notions == ["calibration"]
    [attribute] = artifact.sensitive_attributes.all()
    assert (attribute.dimension, attribute.obtained, attribute.note) == (
        race, "annotated", "from booking photos",
    )  # fmt: skip


def test_the_admin_refuses_an_unknown_notion_naming_it(staff_client):
    artifact = ArtifactFactory(kind=Artifact.Kind.METRIC)
    url = reverse("admin:artifacts_artifact_change", args=[artifact.pk])
    response = staff_client.post(url, _admin_data(artifact, fairness_notions=["vibes"]))
    assert response.status_code == 200
    assert "vibes" in response.content.decode()
    artifact.refresh_from_db()
    assert artifact.fairness_notions == []


@pytest.mark.parametrize("rows", [1, 8])
def test_the_admin_change_form_reads_a_fixed_number_of_queries_whatever_the_attributes(
    staff_client, django_assert_num_queries, rows
):
    artifact = ArtifactFactory(kind=Artifact.Kind.DATASET)
    artifact_sensitive_attributes_set(
        artifact=artifact,
        rows=[[d.pk, "unknown", ""] for d in FairnessDimension.objects.all()[:rows]],
    )
    assert artifact.sensitive_attributes.count() == rows
    ContentType.objects.clear_cache()
    with django_assert_num_queries(15):
        response = staff_client.get(reverse("admin:artifacts_artifact_change", args=[artifact.pk]))
    assert response.status_code == 200


# --- the researchers' form and revisions -----------------------------------------------------


@pytest.fixture
def researcher(client):
    pi = PersonFactory(given_name="Casey", family_name="Sample", email="casey@uni.example.edu")
    award = AwardFactory(award_number="2040800")
    AwardInvestigatorFactory(award=award, person=pi, role=AwardInvestigator.Role.PI)
    client.force_login(researcher_user(pi), backend="sesame.backends.ModelBackend")
    return {"client": client, "award": award, "pi": pi}


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "dataset", "title": "Hiring traces", "summary": "Resumes and outcomes.",
        "license": "CC-BY-4.0", "landing_url": "https://example.org/hiring",
        "creators-TOTAL_FORMS": "0", "creators-INITIAL_FORMS": "0",
        "sensitive-TOTAL_FORMS": "2", "sensitive-INITIAL_FORMS": "0",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_the_researchers_form_saves_the_fairness_fields_and_sensitive_attributes(researcher):
    gender, age = _dims("gender", "age")
    data = _form(**{
        "domain": "hiring", "known_biases": "Mostly tech jobs.",
        "consent_anonymisation": "Applicants opted in.",
        "sensitive-0-dimension": str(gender.pk), "sensitive-0-obtained": "self_reported",
        "sensitive-0-note": "four options",
        "sensitive-1-dimension": str(age.pk), "sensitive-1-obtained": "inferred",
    })  # fmt: skip

    response = researcher["client"].post("/my/projects/2040800/artifacts/new/", data)

    assert response.status_code == 303, response.content.decode()[:3000]
    artifact = Artifact.objects.get(title="Hiring traces")
    assert (artifact.domain, artifact.known_biases) == ("hiring", "Mostly tech jobs.")
    assert artifact.consent_anonymisation == "Applicants opted in."
    rows = [(a.dimension, a.obtained, a.note) for a in artifact.sensitive_attributes.all()]
    assert sorted(rows, key=lambda r: r[0].pk) == sorted(
        [(gender, "self_reported", "four options"), (age, "inferred", "")],
        key=lambda r: r[0].pk,
    )


def test_the_researchers_form_names_a_sensitive_attribute_listed_twice(researcher):
    [gender] = _dims("gender")
    data = _form(**{
        "sensitive-0-dimension": str(gender.pk), "sensitive-0-obtained": "unknown",
        "sensitive-1-dimension": str(gender.pk), "sensitive-1-obtained": "annotated",
    })  # fmt: skip
    response = researcher["client"].post("/my/projects/2040800/artifacts/new/", data)
    assert response.status_code == 400
    assert "A sensitive attribute is listed twice." in response.content.decode()
    assert not Artifact.objects.filter(title="Hiring traces").exists()


def test_the_researchers_form_names_an_unknown_metric_input(researcher):
    data = _form(kind="metric", metric_inputs=["predictions", "horoscope"])
    response = researcher["client"].post("/my/projects/2040800/artifacts/new/", data)
    assert response.status_code == 400
    assert "horoscope" in response.content.decode()


def test_a_published_artifacts_fairness_edit_waits_is_diffed_and_applied_on_approval(
    researcher, staff_user
):
    artifact = _dataset(award=researcher["award"], title="Public traces")
    [gender] = _dims("gender")
    data = _form(**{
        "title": "Public traces", "domain": "health", "known_biases": "Few applicants over 60.",
        "collection_process": "Resumes submitted to **three** employers.",
        "consent_anonymisation": "Names and addresses removed.",
        "sensitive-0-dimension": str(gender.pk), "sensitive-0-obtained": "annotated",
        "sensitive-0-note": "binary only",
    })  # fmt: skip

    response = researcher["client"].post(f"/my/artifacts/{artifact.pk}/edit/", data)

    assert response.status_code == 303, re.findall(
        r'role="alert">(.*?)<', response.content.decode()
    )
    artifact.refresh_from_db()
    assert artifact.domain == "hiring"  # unchanged until approved
    assert artifact.sensitive_attributes.count() == 2
    revision = ArtifactRevision.objects.get(artifact=artifact)
    changes = {label: (before, after) for label, before, after in revision_changes(revision)}
    assert changes["domain"] == ("hiring", "health")
    assert changes["sensitive attributes"] == (
        "Gender (self-reported: binary only); Age (inferred)",
        "Gender (annotated: binary only)",
    )
    revision_decide(revision=revision, user=staff_user, decision="approved")
    artifact.refresh_from_db()
    assert artifact.domain == "health"
    assert [(a.dimension, a.obtained) for a in artifact.sensitive_attributes.all()] == [
        (gender, "annotated")
    ]


def test_the_researchers_form_pages_read_a_fixed_number_of_queries(
    researcher, django_assert_max_num_queries
):
    small = _dataset(award=researcher["award"], status="draft", published_at=None)
    large = ArtifactFactory(award=researcher["award"], status="draft", published_at=None)
    artifact_sensitive_attributes_set(
        artifact=large, rows=[[d.pk, "unknown", ""] for d in FairnessDimension.objects.all()[:8]]
    )
    counts = []
    for artifact in (small, large):
        with django_assert_max_num_queries(40) as captured:
            response = researcher["client"].get(f"/my/artifacts/{artifact.pk}/edit/")
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- the public page -------------------------------------------------------------------------


def test_a_datasets_page_shows_its_fairness_facts_and_says_what_is_not_stated(client):
    text = _page(client, _dataset())
    section = text[text.index('id="fairness"') :]
    assert "Gender (self-reported; binary only)" in section
    assert "Age (inferred)" in section
    assert "Hiring and employment" in section
    assert "Resumes submitted to <strong>three</strong> employers." in section
    assert "Names and addresses removed." in section
    assert "Not stated: Annotator demographics." in section


def test_a_metrics_page_shows_its_notions_form_and_inputs(client):
    text = _page(client, _metric())
    section = text[text.index('id="fairness"') :]
    for label in ("Equalised odds", "Demographic parity", "Ratio", "True labels"):
        assert label in section
    assert "Not stated" not in section


def test_a_models_page_says_its_groups_and_results_are_not_stated(client):
    text = _page(client, ArtifactFactory(kind=Artifact.Kind.MODEL))
    assert re.search(
        r"Not stated: Application domain; Known biases; Evaluated groups and results\.", text
    )


def test_a_tools_page_has_no_fairness_section_when_nothing_is_given(client):
    assert 'id="fairness"' not in _page(client, ArtifactFactory(kind=Artifact.Kind.TOOL))


@pytest.mark.parametrize("rows", [1, 8])
def test_a_datasets_page_reads_a_fixed_number_of_queries(client, django_assert_num_queries, rows):
    artifact = ArtifactFactory(kind=Artifact.Kind.DATASET)
    artifact_sensitive_attributes_set(
        artifact=artifact,
        rows=[[d.pk, "unknown", ""] for d in FairnessDimension.objects.all()[:rows]],
    )
    # The links in one, the sensitive attributes in one, what it supersedes in one.
    with django_assert_num_queries(8):
        _page(client, artifact)


# --- API, open data, JSON-LD -----------------------------------------------------------------


def test_the_api_carries_the_fairness_fields(client):
    artifact = _metric(slug="odds-gap")
    body = client.get("/api/v1/artifacts/odds-gap/").json()
    assert body["fairness_notions"] == artifact.fairness_notions
    assert (body["metric_form"], body["metric_inputs"][0]) == ("ratio", "predictions")
    listed = client.get("/api/v1/artifacts/").json()
    [row] = [r for r in listed["results"] if r["slug"] == "odds-gap"]
    assert row["fairness_notions"] == ["equalised_odds", "demographic_parity"]


@pytest.mark.parametrize("rows", [2, 12])
def test_the_api_list_reads_a_fixed_number_of_queries(client, count_queries, rows):
    for _ in range(rows):
        _metric()
    ContentType.objects.clear_cache()
    client.get("/api/v1/artifacts/")  # warm the caches the first request fills
    assert count_queries(lambda: client.get("/api/v1/artifacts/?page_size=50")) <= 8


def test_the_open_data_carries_the_fairness_fields_and_frictionless_validates_them(
    settings, tmp_path
):
    dataset, metric = _dataset(), _metric()
    settings.OPEN_DATA_DIR = tmp_path / "opendata"
    settings.SITE_URL = "http://testserver"
    open_data_export()
    package = settings.OPEN_DATA_DIR / "current" / "datapackage.json"

    report = frictionless.validate(str(package))

    assert report.valid, report.flatten(["taskNumber", "rowNumber", "fieldName", "type", "note"])
    rows = {
        row["slug"]: row
        for row in frictionless.Package(str(package)).get_resource("artifacts-jsonl").read_rows()
    }
    assert rows[dataset.slug]["domain"] == "hiring"
    assert rows[dataset.slug]["known_biases"] == "Few applicants over 60."
    assert rows[dataset.slug]["sensitive_attributes"] == SENSITIVE
    assert rows[metric.slug]["sensitive_attributes"] == []
    assert rows[metric.slug]["metric_inputs"] == metric.metric_inputs


SENSITIVE = [
    {"dimension": "age", "name": "Age", "obtained": "inferred", "note": ""},
    {"dimension": "gender", "name": "Gender", "obtained": "self_reported", "note": "binary only"},
]


def test_the_api_lists_and_details_a_datasets_sensitive_attributes_alike(client):
    dataset = _dataset()
    detail = client.get(f"/api/v1/artifacts/{dataset.slug}/").json()
    listed = client.get("/api/v1/artifacts/").json()
    [row] = [r for r in listed["results"] if r["slug"] == dataset.slug]
    assert detail["sensitive_attributes"] == row["sensitive_attributes"] == SENSITIVE


def test_a_sensitive_attributes_note_may_hold_a_bar_but_not_the_lists_separator(client):
    dataset = _dataset()
    [gender] = _dims("gender")
    artifact_sensitive_attributes_set(
        artifact=dataset, rows=[[gender.pk, "annotated", "male | female | other"]]
    )
    listed = client.get("/api/v1/artifacts/").json()
    [row] = [r for r in listed["results"] if r["slug"] == dataset.slug]
    assert row["sensitive_attributes"][0]["note"] == "male | female | other"
    with pytest.raises(DomainError, match="\u241e"):
        artifact_sensitive_attributes_set(
            artifact=dataset, rows=[[gender.pk, "annotated", "a \u241e b"]]
        )


def _jsonld(client: Any, artifact: Artifact) -> dict[str, Any]:
    text = _page(client, artifact)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert block
    data: dict[str, Any] = json.loads(block.group(1))
    return data


def test_a_datasets_jsonld_names_its_sensitive_attributes_and_collection(client):
    data = _jsonld(client, _dataset())
    measured = {v["name"]: v["description"] for v in data["variableMeasured"]}
    assert measured == {
        "Gender": "Sensitive attribute, self-reported: binary only",
        "Age": "Sensitive attribute, inferred",
    }
    assert data["measurementTechnique"] == "Resumes submitted to **three** employers."
    assert data["about"][0] == {
        "@type": "DefinedTerm", "name": "Hiring and employment", "termCode": "hiring",
    }  # fmt: skip


def test_the_fairness_jsonld_expands_to_schema_org_terms_only(client):
    vocabulary = Vocabulary.load()
    for artifact in (_dataset(), _metric(), ArtifactFactory(kind="model", domain="health")):
        expanded = expand(_jsonld(client, artifact))
        assert len(expanded) == 1
        assert vocabulary.problems(expanded) == [], artifact.kind


def test_a_metrics_jsonld_is_about_its_notions(client):
    data = _jsonld(client, _metric())
    assert [term["termCode"] for term in data["about"]] == [
        "equalised_odds", "demographic_parity",
    ]  # fmt: skip


def test_deleting_a_dimension_in_use_as_a_sensitive_attribute_is_refused():
    artifact = _dataset()
    gender = artifact.sensitive_attributes.first()
    assert gender is not None
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        gender.dimension.delete()
    assert SensitiveAttribute.objects.filter(artifact=artifact).count() == 2
