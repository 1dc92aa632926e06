"""A published artifact's address outlives a change of its slug: the old page and cite
files answer 301 with the new address, because citations and feeds carry the old one. A
former address stays its artifact's: no other artifact can take it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from artifacts.models import Artifact, ArtifactFormerSlug
from artifacts.services.artifacts import artifact_create, artifact_retire, artifact_update
from fairprog.errors import DomainError

ROUTES = ["artifacts:detail", "artifacts:cite-bibtex", "artifacts:cite-cff"]


def _moved(client: Any, old: str, new: str, *, method: str = "get") -> None:
    for route in ROUTES:
        response = getattr(client, method)(reverse(route, args=[old]))
        assert response.status_code == 301, (route, response.status_code)
        assert response["Location"] == reverse(route, args=[new])
        assert getattr(client, method)(response["Location"]).status_code == 200


def test_a_published_artifact_keeps_its_old_address(client, standards_catalogue):
    for artifact in standards_catalogue:
        old = artifact.slug
        artifact_update(artifact=artifact, slug=f"{old[:100]}-renamed")
        _moved(client, old, artifact.slug)
        _moved(client, old, artifact.slug, method="head")


def test_the_redirect_keeps_the_query_string(client, edge_artifacts):
    artifact = edge_artifacts["special_characters"]
    old = artifact.slug
    artifact_update(artifact=artifact, slug="special-characters")
    response = client.get(reverse("artifacts:detail", args=[old]) + "?utm_source=feed&x=%C3%A9")
    assert response.status_code == 301
    assert response["Location"] == "/artifacts/special-characters/?utm_source=feed&x=%C3%A9"


def test_every_former_address_leads_straight_to_the_current_one(client, edge_artifacts):
    artifact = edge_artifacts["short_summary"]
    first = artifact.slug
    artifact_update(artifact=artifact, slug="second-address")
    artifact_update(artifact=artifact, slug="third-address")
    for old in (first, "second-address"):
        response = client.get(reverse("artifacts:detail", args=[old]))
        assert response.status_code == 301
        assert response["Location"] == "/artifacts/third-address/"  # no chain of redirects
    assert set(artifact.former_slugs.values_list("slug", flat=True)) == {first, "second-address"}


def test_an_artifact_may_take_back_a_former_address(client, edge_artifacts):
    artifact = edge_artifacts["short_summary"]
    first = artifact.slug
    artifact_update(artifact=artifact, slug="interim-address")
    artifact_update(artifact=artifact, slug=first)
    assert client.get(reverse("artifacts:detail", args=[first])).status_code == 200
    response = client.get(reverse("artifacts:detail", args=["interim-address"]))
    assert response["Location"] == f"/artifacts/{first}/"
    assert list(artifact.former_slugs.values_list("slug", flat=True)) == ["interim-address"]


def test_a_drafts_slug_changes_leave_no_history(client, standards_catalogue):
    award = standards_catalogue[0].award
    draft = artifact_create(award=award, kind="tool", title="Draft tool", summary="Not yet.")
    old = draft.slug
    artifact_update(artifact=draft, slug="draft-tool-renamed")
    assert not ArtifactFormerSlug.objects.filter(artifact=draft).exists()
    assert client.get(reverse("artifacts:detail", args=[old])).status_code == 404


def test_a_retired_artifact_keeps_its_old_address_too(client, edge_artifacts):
    artifact = edge_artifacts["no_creators"]
    old = artifact.slug
    artifact_update(artifact=artifact, slug="retired-toolkit")
    artifact_retire(artifact=artifact, note="Superseded.")
    _moved(client, old, "retired-toolkit")


def test_another_artifact_cannot_take_a_former_address(edge_artifacts):
    moved, other = edge_artifacts["short_summary"], edge_artifacts["no_creators"]
    old = moved.slug
    artifact_update(artifact=moved, slug="short-summary-renamed")
    with pytest.raises(DomainError) as refused:
        artifact_update(artifact=other, slug=old)
    assert "still leads there" in refused.value.errors["slug"][0]
    with pytest.raises(DomainError) as refused:
        artifact_create(award=moved.award, kind="tool", title="X", summary="Y.", slug=old)
    assert list(refused.value.errors) == ["slug"]
    other.refresh_from_db()
    assert other.slug != old


def test_a_new_artifact_named_like_a_former_one_gets_a_slug_of_its_own(client, edge_artifacts):
    moved = edge_artifacts["short_summary"]
    old = moved.slug
    artifact_update(artifact=moved, slug="short-summary-renamed")
    newcomer = artifact_create(
        award=moved.award, kind="dataset", title=moved.title, summary="Another one."
    )
    assert newcomer.slug != old
    assert client.get(reverse("artifacts:detail", args=[old]))["Location"] == (
        "/artifacts/short-summary-renamed/"
    )


def test_a_live_address_wins_over_a_former_one(client, edge_artifacts):
    """Should a former slug and a live one ever coincide (rows written outside the
    services), the page that exists is served, never a redirect away from it."""
    live, other = edge_artifacts["short_summary"], edge_artifacts["no_creators"]
    ArtifactFormerSlug.objects.create(artifact=other, slug=live.slug)
    response = client.get(reverse("artifacts:detail", args=[live.slug]))
    assert response.status_code == 200
    assert response.context["artifact"] == live


def test_a_former_address_of_a_draft_leads_nowhere(client, edge_artifacts):
    artifact = edge_artifacts["short_summary"]
    old = artifact.slug
    artifact_update(artifact=artifact, slug="soon-a-draft")
    Artifact.objects.filter(pk=artifact.pk).update(status=Artifact.Status.DRAFT, published_at=None)
    assert client.get(reverse("artifacts:detail", args=[old])).status_code == 404


def test_the_admin_records_the_former_address(client, staff_client, edge_artifacts):
    artifact = edge_artifacts["no_creators"]
    old = artifact.slug
    url = reverse("admin:artifacts_artifact_change", args=[artifact.pk])
    page = staff_client.get(url)
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update(
        {
            "award": artifact.award_id,
            "slug": "renamed-in-the-admin",
            "keywords": "",
            "dimensions": [],
            "tasks": [],
            "creator_links-TOTAL_FORMS": "0",
            "creator_links-INITIAL_FORMS": "0",
            "creator_links-MIN_NUM_FORMS": "0",
            "creator_links-MAX_NUM_FORMS": "1000",
            "sensitive_attributes-TOTAL_FORMS": "0",
            "sensitive_attributes-INITIAL_FORMS": "0",
        }
    )
    for name in ("release_date", "published_at", "retired_at", "created_at", "updated_at"):
        data.pop(name, None)
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(artifact.former_slugs.values_list("slug", flat=True)) == [old]
    client.logout()
    _moved(client, old, "renamed-in-the-admin")


def test_the_admin_refuses_another_artifacts_former_address_beside_the_field(
    staff_client, edge_artifacts
):
    moved = edge_artifacts["short_summary"]
    old = moved.slug
    artifact_update(artifact=moved, slug="short-summary-moved-away")
    artifact = edge_artifacts["no_creators"]
    url = reverse("admin:artifacts_artifact_change", args=[artifact.pk])
    page = staff_client.get(url)
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update(
        {
            "award": artifact.award_id,
            "slug": old,
            "keywords": "",
            "creator_links-TOTAL_FORMS": "0",
            "creator_links-INITIAL_FORMS": "0",
            "creator_links-MIN_NUM_FORMS": "0",
            "creator_links-MAX_NUM_FORMS": "1000",
            "sensitive_attributes-TOTAL_FORMS": "0",
            "sensitive_attributes-INITIAL_FORMS": "0",
        }
    )
    for name in ("release_date", "published_at", "retired_at", "created_at", "updated_at"):
        data.pop(name, None)
    response = staff_client.post(url, data)
    assert response.status_code == 200  # the form again, with what was typed
    form = response.context["adminform"].form
    assert "slug" in form.errors
    assert form.data["slug"] == old
    artifact.refresh_from_db()
    assert artifact.slug != old


def test_feeds_and_citations_carry_the_new_address(client, edge_artifacts):
    artifact = edge_artifacts["short_summary"]
    old = artifact.slug
    artifact_update(artifact=artifact, slug="short-summary-renamed")
    atom = client.get("/feeds/artifacts.atom").content.decode()
    assert "/artifacts/short-summary-renamed/" in atom
    assert f"/artifacts/{old}/" not in atom
    for route in ("artifacts:cite-bibtex", "artifacts:cite-cff"):
        response = client.get(reverse(route, args=[artifact.slug]))
        assert response.status_code == 200, route
        assert f"/artifacts/{old}/" not in response.content.decode(), route


def test_the_api_answers_an_old_slug_with_the_new_address(client, edge_artifacts):
    artifact = edge_artifacts["special_characters"]
    old = artifact.slug
    artifact_update(artifact=artifact, slug="special-characters")
    for query in ("", "?format=bibtex"):
        response = client.get(f"/api/v1/artifacts/{old}/{query}")
        assert response.status_code == 301
        assert response["Location"] == f"/api/v1/artifacts/special-characters/{query}"
        assert client.get(response["Location"]).status_code == 200
    assert client.head(f"/api/v1/artifacts/{old}/").status_code == 301
    assert client.get("/api/v1/artifacts/never-a-slug/").status_code == 404


def test_the_api_never_leads_to_a_draft_by_its_former_slug(client, edge_artifacts):
    artifact = edge_artifacts["no_creators"]
    old = artifact.slug
    artifact_update(artifact=artifact, slug="renamed-then-withdrawn")
    Artifact.objects.filter(pk=artifact.pk).update(status=Artifact.Status.DRAFT, published_at=None)
    assert client.get(f"/api/v1/artifacts/{old}/").status_code == 404
