"""The public read-only API: lists, details, filters, pagination, errors, confidentiality."""

from typing import cast

import pytest
from django.urls import reverse
from django.utils import timezone

from artifacts import linkcheck
from artifacts.models import Artifact, ArtifactLink, FairnessDimension, LinkState
from artifacts.services import links
from proposals.models import Deadline
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    DeadlineFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
)

pytestmark = pytest.mark.django_db


def _artifacts(count: int):
    """``count`` published artifacts, each with a creator and three links (unchecked)."""
    gender = FairnessDimension.objects.get(slug="gender")
    last = None
    for index in range(count):
        award = AwardFactory(cycle=CycleFactory(), institution=OrganizationFactory())
        AwardInvestigatorFactory(award=award)
        last = cast(
            Artifact,
            ArtifactFactory(
                award=award,
                dimensions=[gender],
                repository_url=f"https://code.example.org/{index}",
                doi=f"10.5281/zenodo.{index}",
            ),
        )
        links.artifact_links_sync(artifact=last)
        ArtifactCreatorFactory(artifact=last, person=PersonFactory(orcid=""))
    return last


def _check(artifact, role: str, outcome: str, **fields) -> ArtifactLink:
    """Record one check of one of the artifact's links, as the checker does."""
    link = ArtifactLink.objects.get(artifact=artifact, role=role)
    values = {
        "status_code": 200 if outcome in ("ok", "redirected") else 404,
        "final_url": link.url,
        **fields,
    }
    links.link_checks_record(
        [(link, linkcheck.CheckResult(url=link.url, outcome=outcome, **values))]
    )
    link.refresh_from_db()
    return link


@pytest.mark.parametrize("page_size", [10, 50, 100])
def test_artifact_list_query_count_is_constant(client, django_assert_max_num_queries, page_size):
    _artifacts(12)
    # The ETag aggregate, the page, its creators, its links.
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/artifacts/", {"page_size": page_size})
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == min(page_size, 12)
    first = body["results"][0]
    assert {"slug", "award_number", "award_title", "cycle_year", "creators", "license"} <= set(
        first
    )


@pytest.mark.parametrize("rows", [1, 12])
def test_artifact_detail_query_count_is_constant(client, django_assert_num_queries, rows):
    artifact = _artifacts(rows)
    _check(artifact, "doi", "redirected", final_url="https://zenodo.org/records/1")
    # ETag aggregate, the artifact, creators, dimensions, tasks, funders, links, sensitive
    # attributes
    with django_assert_num_queries(9):
        response = client.get(f"/api/v1/artifacts/{artifact.slug}/")
    assert response.json()["links"][2]["resolves_to"] == "https://zenodo.org/records/1"


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # The ETag's aggregates of the awards and of their published outputs, the page,
        # the investigators, the program elements, the publications.
        ("/api/v1/awards/", 6),
        ("/api/v1/cycles/", 4),
        ("/api/v1/deadlines/", 4),
        ("/api/v1/organizations/", 4),
    ],
)
def test_other_lists_make_a_constant_number_of_queries(
    client, django_assert_max_num_queries, url, queries
):
    _artifacts(12)
    for award in AwardFactory._meta.model.objects.all()[:5]:
        DeadlineFactory(cycle=award.cycle)
    with django_assert_max_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assert response.json()["results"]


def test_cursor_pagination_walks_every_artifact_once(client):
    _artifacts(7)
    seen, url = [], "/api/v1/artifacts/?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [item["slug"] for item in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 7


def test_artifact_filters_mirror_the_catalogue_facets(client):
    gender = FairnessDimension.objects.get(slug="gender")
    award = AwardFactory(cycle=CycleFactory(year=2021))
    ArtifactFactory(title="Dialect data", kind="dataset", award=award, dimensions=[gender])
    ArtifactFactory(title="Hiring tool", kind="tool", license="MIT")

    def titles(params):
        return [a["title"] for a in client.get("/api/v1/artifacts/", params).json()["results"]]

    assert titles({"kind": "dataset"}) == ["Dialect data"]
    assert titles({"dimension": "gender,age", "year": "2021"}) == ["Dialect data"]
    assert titles({"dimension": "unknown"}) == []
    assert titles({"license": "MIT"}) == ["Hiring tool"]
    assert titles({"award": award.award_number}) == ["Dialect data"]
    assert titles({"q": "dialect"}) == ["Dialect data"]
    assert sorted(titles({"kind": ["dataset", "tool"], "ordering": "title"})) == [
        "Dialect data",
        "Hiring tool",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "poem"}, "kind"),
        ({"year": "twenty"}, "year"),
        ({"institution": "x"}, "institution"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"page_size": "500"}, "page_size"),
        ({"ordering": "random"}, "ordering"),
        ({"link_health": "dead"}, "link_health"),
        ({"link_health": ["ok", "ok,broken"]}, "link_health"),
    ],
)
def test_bad_parameters_get_a_400_naming_the_field(client, params, field):
    response = client.get("/api/v1/artifacts/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_artifact_carries_its_link_health_and_each_link_in_role_order(client):
    artifact = _artifacts(1)
    landing = _check(artifact, "landing", "ok")
    doi = _check(artifact, "doi", "redirected", final_url="https://zenodo.org/records/0")

    item = client.get("/api/v1/artifacts/").json()["results"][0]

    assert item["link_health"] == "unchecked"  # the repository is not checked yet
    assert item["links"] == [
        {
            "role": "landing",
            "url": artifact.landing_url,
            "state": "ok",
            "state_since": landing.state_since.isoformat().replace("+00:00", "Z"),
            "checked_at": landing.last_checked_at.isoformat().replace("+00:00", "Z"),
            "resolves_to": None,
        },
        {
            "role": "repository",
            "url": "https://code.example.org/0",
            "state": "unchecked",
            "state_since": item["links"][1]["state_since"],
            "checked_at": None,
            "resolves_to": None,
        },
        {
            "role": "doi",
            "url": "https://doi.org/10.5281/zenodo.0",
            "state": "ok",  # a DOI that reaches its landing page works
            "state_since": doi.state_since.isoformat().replace("+00:00", "Z"),
            "checked_at": doi.last_checked_at.isoformat().replace("+00:00", "Z"),
            "resolves_to": "https://zenodo.org/records/0",
        },
    ]


def test_artifact_without_links_has_link_health_none(client):
    artifact = ArtifactFactory(landing_url="")
    links.artifact_links_sync(artifact=artifact)

    item = client.get(f"/api/v1/artifacts/{artifact.slug}/").json()

    assert item["link_health"] == "none"
    assert item["links"] == []


def test_only_a_doi_says_where_it_resolves(client):
    artifact = _artifacts(1)
    _check(artifact, "landing", "redirected", final_url="https://elsewhere.example.org/")

    item = client.get(f"/api/v1/artifacts/{artifact.slug}/").json()

    assert item["links"][0]["state"] == "redirected"
    assert item["links"][0]["resolves_to"] is None


def test_artifact_links_never_carry_errors_failures_or_proposed_addresses(client):
    artifact = _artifacts(1)
    _check(
        artifact,
        "landing",
        "redirected",
        error="checker-error-text",
        redirects=[(301, "https://data.example.org/moved-here")],
    )
    _check(artifact, "repository", "broken", error="checker-error-text")

    for url in ("/api/v1/artifacts/", f"/api/v1/artifacts/{artifact.slug}/"):
        body = client.get(url).content.decode()
        assert "checker-error-text" not in body
        assert "moved-here" not in body
        assert "consecutive_failures" not in body
        assert "last_error" not in body


def test_link_health_filter_takes_several_states(client):
    ok = _artifacts(1)
    for role in ("landing", "repository", "doi"):
        _check(ok, role, "ok")
    broken = ArtifactFactory(title="Broken one")
    links.artifact_links_sync(artifact=broken)
    ArtifactLink.objects.filter(artifact=broken).update(state=LinkState.BROKEN)
    links.artifacts_health_refresh(artifact_ids=[broken.pk], now=timezone.now())
    bare = ArtifactFactory(title="Bare one", landing_url="")

    def slugs(params):
        return [a["slug"] for a in client.get("/api/v1/artifacts/", params).json()["results"]]

    assert slugs({"link_health": "ok"}) == [ok.slug]
    assert sorted(slugs({"link_health": ["broken", "none"]})) == sorted([broken.slug, bare.slug])
    assert slugs({"link_health": "failing"}) == []


def test_bad_cursor_is_a_400_naming_the_parameter(client):
    response = client.get("/api/v1/artifacts/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json() == {
        "cursor": ["Invalid cursor: use the next or previous link of a page."]
    }


def test_artifact_detail_by_slug_and_drafts_are_404(client):
    artifact = ArtifactFactory(slug="crowd-audit-toolkit")
    draft = ArtifactFactory(slug="draft-one", status="draft", published_at=None)
    assert client.get("/api/v1/artifacts/crowd-audit-toolkit/").json()["slug"] == artifact.slug
    assert client.get(f"/api/v1/artifacts/{draft.slug}/").status_code == 404


def test_award_detail_by_number_has_its_team_without_emails(client):
    award = AwardFactory(award_number="2040942")
    AwardInvestigatorFactory(award=award, person=PersonFactory(family_name="Hong"))
    body = client.get("/api/v1/awards/2040942/").json()
    assert body["investigators"][0]["family_name"] == "Hong"
    assert "email" not in body["investigators"][0]


def test_anonymous_writes_are_refused(client):
    artifact = ArtifactFactory()
    assert client.post("/api/v1/artifacts/", {}).status_code in (401, 403, 405)
    assert client.delete(f"/api/v1/artifacts/{artifact.slug}/").status_code in (401, 403, 405)


def test_schema_and_offline_docs(client):
    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 200
    assert b"/api/v1/artifacts/" in schema.content
    docs = client.get(reverse("api-docs")).content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower()


def test_schema_documents_link_health_the_links_and_their_filter(client):
    import yaml

    schema = yaml.safe_load(client.get(reverse("api-schema")).content)
    components = schema["components"]["schemas"]
    artifact = components["Artifact"]["properties"]
    assert artifact["links"]["items"] == {"$ref": "#/components/schemas/ArtifactLink"}
    assert "worst state" in artifact["link_health"]["description"]
    link = components["ArtifactLink"]["properties"]
    assert set(link) == {"role", "url", "state", "state_since", "checked_at", "resolves_to"}
    assert all(prop.get("description") for prop in link.values())
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/artifacts/"]["get"]["parameters"]}
    assert set(parameters["link_health"]["schema"]["items"]["enum"]) == set(LinkState.values)


CANARY = "canary-5b1e"


def test_no_api_response_reveals_proposals_emails_or_staff_deadlines(client):
    artifact = _artifacts(2)
    award = artifact.award
    AwardInvestigatorFactory(
        award=award, person=PersonFactory(email=f"{CANARY}@example.edu"), role="co_pi"
    )
    award.proposal = ProposalFactory(title=f"Linked {CANARY}", abstract=CANARY)
    award.save()
    DeadlineFactory(
        cycle=award.cycle, label=f"Panel {CANARY}", visibility=Deadline.Visibility.STAFF
    )
    ArtifactFactory(title=f"Draft {CANARY}", slug="draft-canary", status="draft", published_at=None)
    urls = [
        "/api/v1/",
        "/api/v1/artifacts/",
        f"/api/v1/artifacts/{artifact.slug}/",
        "/api/v1/awards/",
        f"/api/v1/awards/{award.award_number}/",
        "/api/v1/cycles/",
        f"/api/v1/cycles/{award.cycle_id}/",
        "/api/v1/deadlines/",
        "/api/v1/organizations/",
        reverse("api-schema"),
    ]
    for url in urls:
        response = client.get(url, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, url
        assert CANARY not in response.content.decode(), url


def test_unmatched_api_urls_answer_json(client):
    response = client.get("/api/v1/awards/not.a.number/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_hand_written_artifact_output_matches_the_declared_fields(rf):
    """The fast representation and DRF's field-by-field one agree exactly."""
    import orjson
    from rest_framework import serializers as drf_serializers
    from rest_framework.request import Request

    from artifacts.api.serializers import ArtifactSerializer
    from fairprog.api import OrjsonRenderer

    artifact = _artifacts(1)
    _check(artifact, "landing", "ok")
    _check(artifact, "doi", "redirected", final_url="https://zenodo.org/records/0")
    artifact = (
        type(artifact)
        .objects.select_related("award__institution", "award__cycle")
        .prefetch_related("creator_links__person")
        .get(pk=artifact.pk)
    )
    import datetime as dt

    from django.utils import timezone

    request = Request(rf.get("/api/v1/artifacts/"))
    with timezone.override(dt.UTC):  # as the API's views do
        fast = ArtifactSerializer(artifact, context={"request": request}).data
        generic = drf_serializers.ModelSerializer.to_representation(
            ArtifactSerializer(context={"request": request}), artifact
        )
    # As written on the wire (the fast one leaves dates to the JSON renderer).
    render = OrjsonRenderer().render
    assert orjson.loads(render(fast)) == orjson.loads(render(dict(generic)))


def test_api_writes_date_times_in_utc(client):
    ArtifactFactory()
    item = client.get("/api/v1/artifacts/").json()["results"][0]
    assert item["published_at"].endswith("Z")


def test_list_items_and_details_are_the_same_document(client):
    artifact = _artifacts(2)
    _check(artifact, "repository", "broken")
    _check(artifact, "doi", "redirected", final_url="https://zenodo.org/records/1")
    listed = {item["slug"]: item for item in client.get("/api/v1/artifacts/").json()["results"]}
    detail = client.get(f"/api/v1/artifacts/{artifact.slug}/").json()
    assert listed[artifact.slug] == detail
