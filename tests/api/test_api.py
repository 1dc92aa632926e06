"""The public read-only API: lists, details, filters, pagination, errors, confidentiality."""

import pytest
from django.urls import reverse

from artifacts.models import FairnessDimension
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
    gender = FairnessDimension.objects.get(slug="gender")
    last = None
    for _ in range(count):
        award = AwardFactory(cycle=CycleFactory(), institution=OrganizationFactory())
        AwardInvestigatorFactory(award=award)
        last = ArtifactFactory(award=award, dimensions=[gender])
        ArtifactCreatorFactory(artifact=last, person=PersonFactory(orcid=""))
    return last


@pytest.mark.parametrize("page_size", [10, 50, 100])
def test_artifact_list_query_count_is_constant(client, django_assert_max_num_queries, page_size):
    _artifacts(12)
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/artifacts/", {"page_size": page_size})
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == min(page_size, 12)
    first = body["results"][0]
    assert {"slug", "award_number", "award_title", "cycle_year", "creators", "license"} <= set(
        first
    )


@pytest.mark.parametrize(
    "url", ["/api/v1/awards/", "/api/v1/cycles/", "/api/v1/deadlines/", "/api/v1/organizations/"]
)
def test_other_lists_make_a_constant_number_of_queries(client, django_assert_max_num_queries, url):
    _artifacts(12)
    for award in AwardFactory._meta.model.objects.all()[:5]:
        DeadlineFactory(cycle=award.cycle)
    with django_assert_max_num_queries(4):
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
    ],
)
def test_bad_parameters_get_a_400_naming_the_field(client, params, field):
    response = client.get("/api/v1/artifacts/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_bad_cursor_is_a_4xx_not_a_500(client):
    response = client.get("/api/v1/artifacts/", {"cursor": "not-a-cursor"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


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
    listed = {item["slug"]: item for item in client.get("/api/v1/artifacts/").json()["results"]}
    detail = client.get(f"/api/v1/artifacts/{artifact.slug}/").json()
    assert listed[artifact.slug] == detail
