"""The catalogue admin: constant query counts, publication actions, identifier clean-up."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from artifacts.models import Artifact, FairnessDimension
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory

pytestmark = pytest.mark.django_db


def _artifacts(rows):
    gender = FairnessDimension.objects.get(slug="gender")
    last = None
    for _ in range(rows):
        last = ArtifactFactory(dimensions=[gender])
        ArtifactCreatorFactory(artifact=last)
    return last


@pytest.mark.parametrize("rows", [1, 20])
def test_artifact_changelist_query_count_is_constant(staff_client, django_assert_num_queries, rows):
    _artifacts(rows)
    ContentType.objects.clear_cache()
    with django_assert_num_queries(10):
        response = staff_client.get(reverse("admin:artifacts_artifact_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("creators", [1, 20])
def test_artifact_change_form_query_count_is_constant(
    staff_client, django_assert_num_queries, creators
):
    artifact = _artifacts(1)
    for _ in range(creators - 1):
        ArtifactCreatorFactory(artifact=artifact)
    ContentType.objects.clear_cache()
    with django_assert_num_queries(15):
        response = staff_client.get(reverse("admin:artifacts_artifact_change", args=[artifact.pk]))
    assert response.status_code == 200


def test_publish_action_reports_refusals(staff_client):
    ready = ArtifactFactory(status="draft", published_at=None)
    unlicensed = ArtifactFactory(
        title="No licence yet", status="draft", published_at=None, license=""
    )
    response = staff_client.post(
        reverse("admin:artifacts_artifact_changelist"),
        {"action": "publish", "_selected_action": [ready.pk, unlicensed.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "1 artifact published." in text
    assert "Cannot publish &quot;No licence yet&quot;: it needs a licence" in text
    ready.refresh_from_db()
    assert ready.status == Artifact.Status.PUBLISHED


def test_admin_form_stores_doi_and_licence_in_canonical_form(staff_client):
    artifact = ArtifactFactory()
    url = reverse("admin:artifacts_artifact_change", args=[artifact.pk])
    data = {
        "award": artifact.award_id,
        "kind": "dataset",
        "title": artifact.title,
        "slug": artifact.slug,
        "summary": artifact.summary,
        "description": "",
        "landing_url": "https://example.org/x",
        "repository_url": "",
        "doi": "https://doi.org/10.5281/ZENODO.99",
        "license": "cc-by-4.0",
        "version": "",
        "release_date": "",
        "keywords": "speech, dialects",
        "sensitive_attributes-TOTAL_FORMS": "0",
        "sensitive_attributes-INITIAL_FORMS": "0",
        "intended_use": "",
        "out_of_scope_use": "",
        "limitations": "",
        "evaluation_data": "",
        "ethical_considerations": "",
        "retirement_note": "",
        "creator_links-TOTAL_FORMS": "0",
        "creator_links-INITIAL_FORMS": "0",
        "creator_links-MIN_NUM_FORMS": "0",
        "creator_links-MAX_NUM_FORMS": "1000",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    artifact.refresh_from_db()
    assert artifact.doi == "10.5281/zenodo.99"
    assert artifact.license == "CC-BY-4.0"
    assert artifact.keywords == ["speech", "dialects"]


def test_admin_form_refuses_an_unknown_licence_and_keeps_the_input(staff_client):
    artifact = ArtifactFactory()
    url = reverse("admin:artifacts_artifact_change", args=[artifact.pk])
    page = staff_client.get(url)
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update(
        {
            "award": artifact.award_id,
            "license": "Apache 2",
            "keywords": "bias",
            "dimensions": [],
            "tasks": [],
            "creator_links-TOTAL_FORMS": "0",
            "creator_links-INITIAL_FORMS": "0",
            "creator_links-MIN_NUM_FORMS": "0",
            "creator_links-MAX_NUM_FORMS": "1000",
        }
    )
    data.pop("release_date", None)
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "Apache 2 is not an SPDX licence id" in response.content.decode()
    assert 'value="Apache 2"' in response.content.decode()
