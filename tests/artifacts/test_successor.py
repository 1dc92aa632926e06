"""A retired artifact's successor: who may be named, and how the page, the API, JSON-LD,
the open data and the admin carry it; and the demo's retired toolkit, which names one."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from artifacts.models import Artifact
from artifacts.opendata.export import open_data_export
from artifacts.opendata.schema import jsonl_columns
from artifacts.services.artifacts import artifact_publish, artifact_retire, artifact_update
from fairprog.errors import DomainError
from tests.artifacts.factories import ArtifactFactory
from tests.standards.test_jsonld import Vocabulary, expand

pytestmark = pytest.mark.django_db

SCHEMA = "http://schema.org/"


@pytest.fixture
def versions():
    """Version 1 of a toolkit, retired in favour of its published version 2."""
    old = ArtifactFactory(title="Dialect toolkit", slug="dialect-toolkit", version="1.0")
    new = ArtifactFactory(title="Dialect toolkit 2", slug="dialect-toolkit-2", version="2.0")
    artifact_retire(artifact=old, note="Replaced by version 2.", superseded_by=new)
    return old, new


def _page(client: Any, artifact: Artifact) -> str:
    response = client.get(reverse("artifacts:detail", args=[artifact.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _jsonld(text: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_retire_names_a_public_successor(versions):
    old, new = versions

    old.refresh_from_db()
    assert old.status == Artifact.Status.RETIRED
    assert old.superseded_by == new
    assert list(new.supersedes.all()) == [old]


def test_retire_refuses_the_artifact_itself_as_its_successor():
    artifact = ArtifactFactory()

    with pytest.raises(DomainError) as refused:
        artifact_retire(artifact=artifact, note="Replaced.", superseded_by=artifact)

    assert "superseded_by" in refused.value.errors
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.PUBLISHED


def test_retire_refuses_a_successor_that_is_not_public():
    artifact = ArtifactFactory()
    draft = ArtifactFactory(title="Toolkit 2 (draft)", status="draft", published_at=None)

    with pytest.raises(DomainError, match="not public") as refused:
        artifact_retire(artifact=artifact, note="Replaced.", superseded_by=draft)

    assert "superseded_by" in refused.value.errors
    artifact.refresh_from_db()
    assert artifact.superseded_by is None


def test_update_refuses_a_successor_that_names_this_artifact_as_its_own(versions):
    old, new = versions

    with pytest.raises(DomainError, match="itself superseded") as refused:
        artifact_update(artifact=new, superseded_by=old)

    assert "superseded_by" in refused.value.errors


def test_republishing_a_retired_artifact_forgets_its_successor(versions):
    old, _ = versions

    artifact_publish(artifact=old)

    old.refresh_from_db()
    assert old.superseded_by is None


def test_deleting_the_successor_leaves_the_retired_artifact_without_one(versions):
    old, new = versions

    new.delete()

    old.refresh_from_db()
    assert old.superseded_by is None
    assert old.status == Artifact.Status.RETIRED


def test_the_retired_page_links_its_successor_by_title(client, versions):
    old, new = versions

    text = _page(client, old)

    assert (
        f'Superseded by <a href="{reverse("artifacts:detail", args=[new.slug])}">'
        "Dialect toolkit 2</a> (version 2.0)" in text
    )


def test_the_successor_page_says_what_it_supersedes(client, versions):
    old, new = versions

    text = _page(client, new)

    assert (
        f'Supersedes <a href="{reverse("artifacts:detail", args=[old.slug])}">'
        "Dialect toolkit</a> (version 1.0)" in text
    )


def test_a_published_artifact_that_names_a_successor_is_not_shown_as_superseded(client):
    new = ArtifactFactory(title="Toolkit 2")
    old = ArtifactFactory(title="Toolkit 1")
    # Staff name the successor in the form, then retire with the admin action: until then
    # the old version is current, on its page and on its successor's.
    artifact_update(artifact=old, superseded_by=new)

    assert "Superseded by" not in _page(client, old)
    assert "Supersedes" not in _page(client, new)


@pytest.mark.parametrize("predecessors", [1, 6])
def test_the_successor_page_makes_a_constant_number_of_queries(
    client, django_assert_num_queries, predecessors
):
    new = ArtifactFactory(title="Toolkit 2")
    for n in range(predecessors):
        artifact_retire(
            artifact=ArtifactFactory(title=f"Toolkit 1.{n}"), note="Replaced.", superseded_by=new
        )
    old = new.supersedes.first()
    assert old is not None

    # The artifact page's seven, and one for the artifacts it supersedes or is superseded by.
    with django_assert_num_queries(8):
        assert client.get(reverse("artifacts:detail", args=[new.slug])).status_code == 200
    with django_assert_num_queries(9):  # and one for its successor
        assert client.get(reverse("artifacts:detail", args=[old.slug])).status_code == 200


def test_the_api_carries_the_successors_slug(client, versions):
    old, new = versions

    detail = client.get(f"/api/v1/artifacts/{old.slug}/").json()
    listed = {a["slug"]: a for a in client.get("/api/v1/artifacts/").json()["results"]}

    assert detail["superseded_by"] == new.slug
    assert list(detail)[list(detail).index("retirement_note") + 1] == "superseded_by"
    assert client.get(f"/api/v1/artifacts/{new.slug}/").json()["superseded_by"] is None
    assert listed[new.slug]["superseded_by"] is None


def test_the_api_schema_documents_the_successor(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    field = schema["components"]["schemas"]["Artifact"]["properties"]["superseded_by"]
    assert field["nullable"] is True
    assert field["readOnly"] is True


def test_jsonld_says_the_successor_is_based_on_the_retired_artifact(client, versions):
    old, new = versions
    old_url = f"http://testserver{reverse('artifacts:detail', args=[old.slug])}"
    new_url = f"http://testserver{reverse('artifacts:detail', args=[new.slug])}"

    old_graph = expand(_jsonld(_page(client, old)))
    new_graph = expand(_jsonld(_page(client, new)))

    # The same statement from both pages: the retired one states it in reverse.
    assert old_graph[0]["@reverse"][f"{SCHEMA}isBasedOn"] == [{"@id": new_url}]
    assert new_graph[0][f"{SCHEMA}isBasedOn"] == [{"@id": old_url}]
    assert Vocabulary.load().problems(old_graph) == []
    assert Vocabulary.load().problems(new_graph) == []


def test_the_open_data_lines_carry_the_successors_slug(settings, tmp_path, versions):
    settings.OPEN_DATA_DIR = tmp_path / "opendata"
    settings.SITE_URL = "http://testserver"
    old, new = versions

    open_data_export()

    lines = (tmp_path / "opendata" / "current" / "artifacts.jsonl").read_text().splitlines()
    by_slug = {line["slug"]: line for line in map(json.loads, lines)}
    assert by_slug[old.slug]["superseded_by"] == new.slug
    assert by_slug[new.slug]["superseded_by"] is None
    described = {column.name: column for column in jsonl_columns()}
    assert "replaces" in described["superseded_by"].description


def _change_form(staff_client: Any, artifact: Artifact, **changes: Any) -> Any:
    url = reverse("admin:artifacts_artifact_change", args=[artifact.pk])
    page = staff_client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "award": artifact.award_id,
            "keywords": ", ".join(artifact.keywords),
            "dimensions": [],
            "tasks": [],
            "fairness_notions": [],
            "metric_inputs": [],
            "release_date": "",
            "creator_links-TOTAL_FORMS": "0",
            "creator_links-INITIAL_FORMS": "0",
            "sensitive_attributes-TOTAL_FORMS": "0",
            "sensitive_attributes-INITIAL_FORMS": "0",
            **changes,
        }
    )
    return staff_client.post(url, data)


def test_the_admin_retire_action_names_the_successor_set_in_the_form(staff_client):
    old = ArtifactFactory(title="Toolkit 1")
    new = ArtifactFactory(title="Toolkit 2")

    response = _change_form(
        staff_client, old, retirement_note="Replaced by version 2.", superseded_by=new.pk
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    staff_client.post(
        reverse("admin:artifacts_artifact_changelist"),
        {"action": "retire", "_selected_action": [old.pk]},
    )

    old.refresh_from_db()
    assert old.status == Artifact.Status.RETIRED
    assert old.superseded_by == new


def test_the_admin_form_refuses_the_artifact_itself_as_its_successor(staff_client):
    artifact = ArtifactFactory()

    response = _change_form(staff_client, artifact, superseded_by=artifact.pk)

    assert response.status_code == 200
    assert "superseded_by" in response.context["adminform"].form.errors
    artifact.refresh_from_db()
    assert artifact.superseded_by is None


def test_the_admin_form_offers_only_public_artifacts_as_successors(staff_client):
    artifact = ArtifactFactory()
    draft = ArtifactFactory(status="draft", published_at=None)

    response = _change_form(staff_client, artifact, superseded_by=draft.pk)

    assert response.status_code == 200
    assert "superseded_by" in response.context["adminform"].form.errors


@pytest.fixture
def demo_catalogue() -> None:
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())


@pytest.mark.usefixtures("demo_catalogue")
def test_the_demos_retired_toolkit_names_its_version_2():
    retired = Artifact.objects.get(is_demo=True, status=Artifact.Status.RETIRED)

    assert retired.kind == Artifact.Kind.TOOL
    assert retired.superseded_by is not None
    assert retired.superseded_by.is_public
    assert retired.superseded_by.version.startswith("2.")
    assert retired.superseded_by.is_demo


# Words that tell a reader the record is made up: the "demo data" badge says so already.
FICTION = re.compile(r"fictional|fictitious|made.up|for the demo|demo data", re.IGNORECASE)
PUBLIC_TEXT = (
    *("title", "summary", "description", "intended_use", "out_of_scope_use", "limitations"),
    *("evaluation_data", "ethical_considerations", "collection_process"),
    *("consent_anonymisation", "known_biases", "annotator_demographics", "group_results"),
    "retirement_note",
)


@pytest.mark.usefixtures("demo_catalogue")
def test_demo_artifacts_read_as_real_releases_and_stay_marked_as_demo():
    artifacts = Artifact.objects.filter(is_demo=True)

    assert artifacts.count() > 20
    assert [
        (artifact.slug, name)
        for artifact in artifacts
        for name in PUBLIC_TEXT
        if FICTION.search(getattr(artifact, name))
    ] == []
