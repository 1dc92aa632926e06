"""HTTP behaviour of the API: conditional GETs, caching headers, CORS, throttling."""

import pytest
from rest_framework.throttling import AnonRateThrottle

from artifacts.models import FairnessDimension
from tests.artifacts.factories import ArtifactFactory

pytestmark = pytest.mark.django_db


def test_list_carries_validators_and_answers_304_without_loading_rows(
    client, django_assert_num_queries
):
    ArtifactFactory.create_batch(3)
    first = client.get("/api/v1/artifacts/")
    assert first["Cache-Control"] == "public, max-age=60"
    etag, last_modified = first["ETag"], first["Last-Modified"]
    with django_assert_num_queries(2):  # the artifacts' aggregate and the links' newest change
        again = client.get("/api/v1/artifacts/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    since = client.get("/api/v1/artifacts/", HTTP_IF_MODIFIED_SINCE=last_modified)
    assert since.status_code == 304


def test_etag_changes_when_an_artifact_changes(client):
    artifact = ArtifactFactory()
    etag = client.get("/api/v1/artifacts/")["ETag"]
    artifact.title = "Renamed"
    artifact.save()
    response = client.get("/api/v1/artifacts/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


@pytest.mark.parametrize("url", ["/api/v1/artifacts/", "/api/v1/artifacts/one/"])
def test_etag_changes_when_a_link_is_checked(client, url):
    from artifacts import linkcheck
    from artifacts.services import links

    artifact = ArtifactFactory(slug="one")
    links.artifact_links_sync(artifact=artifact)
    link = artifact.links.get()
    links.link_checks_record([(link, linkcheck.CheckResult(url=link.url, outcome="ok"))])
    etag = client.get(url)["ETag"]

    # A second check changes only when the link was last checked.
    links.link_checks_record([(link, linkcheck.CheckResult(url=link.url, outcome="ok"))])

    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_detail_conditional_get(client):
    artifact = ArtifactFactory(slug="one")
    etag = client.get("/api/v1/artifacts/one/")["ETag"]
    assert client.get("/api/v1/artifacts/one/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Another representation of the same artifact has its own validator.
    bib = client.get("/api/v1/artifacts/one/", HTTP_ACCEPT="application/x-bibtex")
    assert bib["ETag"] != etag
    assert artifact.slug == "one"


def test_other_endpoints_get_content_etags(client):
    ArtifactFactory()
    response = client.get("/api/v1/cycles/")
    assert response.has_header("ETag")
    assert client.get("/api/v1/cycles/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_cors_is_open_for_reading_the_api(client):
    response = client.get("/api/v1/artifacts/", HTTP_ORIGIN="https://fairness.example.edu")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/artifacts/",
        HTTP_ORIGIN="https://fairness.example.edu",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    page = client.get("/artifacts/", HTTP_ORIGIN="https://fairness.example.edu")
    assert not page.has_header("Access-Control-Allow-Origin")


def test_anonymous_clients_are_throttled_with_retry_after(client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    statuses = [client.get("/api/v1/organizations/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/organizations/")
    assert int(refused["Retry-After"]) > 0
    assert "throttled" in refused.json()["detail"].lower()


def test_dimensions_and_tasks_come_with_the_list(client):
    gender = FairnessDimension.objects.get(slug="gender")
    ArtifactFactory(dimensions=[gender])
    item = client.get("/api/v1/artifacts/").json()["results"][0]
    assert item["dimensions"] == [{"slug": "gender", "name": "Gender"}]
    assert item["tasks"] == []
