"""Anonymous answers served from the cache (fairprog.page_cache): kept once, served without
the view until the catalogue changes, never kept for or served to a signed-in visitor, never
holding a form's CSRF token, a cookie or anything confidential."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import reverse

from artifacts import linkcheck
from artifacts.models import Artifact, ArtifactLink
from artifacts.services.artifacts import artifact_publish, artifact_retire, artifact_update
from artifacts.services.links import artifact_links_sync, link_checks_record
from fairprog import page_cache
from tests.artifacts.factories import ArtifactFactory
from tests.test_confidentiality import CANARY, _plant_canaries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings: Any) -> None:
    settings.PAGE_CACHE_SECONDS = 300


def _hit(response: Any) -> bool:
    return bool(getattr(response.wsgi_request, page_cache.HIT, False))


PUBLIC = [
    "/",
    "/artifacts/",
    "/artifacts/?q=benchmark&kind=dataset",
    "/projects/",
    "/cycles/",
    "/numbers/",
    "/feeds/artifacts.atom",
    "/api/v1/artifacts/",
    "/sitemap.xml",
]


@pytest.mark.parametrize("url", PUBLIC)
def test_the_second_anonymous_visit_is_served_without_the_view(
    client, url, django_assert_num_queries
):
    ArtifactFactory(title="Kept benchmark")
    first = client.get(url)
    assert first.status_code == 200
    assert not _hit(first)
    assert first[page_cache.STATE_HEADER] == "miss"  # kept just now
    with django_assert_num_queries(0):
        second = client.get(url)
    assert _hit(second)
    assert second[page_cache.STATE_HEADER] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["ETag"] == first["ETag"]
    # As the view's own answer: the security headers and the page's policy with its hashes.
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert second.get(header) == first.get(header), header
    assert second["Cache-Control"] == first["Cache-Control"]


def test_anonymous_answers_tell_shared_caches_how_long_to_keep_them(client, settings):
    settings.PAGE_CACHE_S_MAXAGE = 60
    settings.PAGE_CACHE_STALE_WHILE_REVALIDATE = 600
    control = {part.strip() for part in client.get("/artifacts/")["Cache-Control"].split(",")}
    assert control == {"public", "max-age=0", "s-maxage=60", "stale-while-revalidate=600"}


def test_a_visitor_who_has_the_page_gets_a_304_from_the_cache(client):
    ArtifactFactory()
    etag = client.get("/artifacts/")["ETag"]
    again = client.get("/artifacts/", HTTP_IF_NONE_MATCH=etag)
    assert _hit(again)
    assert again.status_code == 304
    assert again.content == b""
    assert "Content-Security-Policy" not in again


def test_head_is_answered_from_the_kept_get_without_a_body(client):
    ArtifactFactory()
    body = client.get("/artifacts/").content
    head = client.head("/artifacts/")
    assert _hit(head)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head["Content-Length"]) == len(body)


def test_the_api_keeps_one_answer_per_format(client):
    artifact = ArtifactFactory()
    url = f"/api/v1/artifacts/{artifact.slug}/"
    as_json = client.get(url, HTTP_ACCEPT="application/json")
    as_bibtex = client.get(url, HTTP_ACCEPT="application/x-bibtex")
    assert as_json["Content-Type"].startswith("application/json")
    assert as_bibtex["Content-Type"].startswith("application/x-bibtex")
    again = client.get(url, HTTP_ACCEPT="application/x-bibtex")
    assert _hit(again)
    assert again.content == as_bibtex.content


def _publish_new(title: str) -> Artifact:
    make: Any = ArtifactFactory  # factory_boy's classes are untyped
    draft: Artifact = make(title=title, status=Artifact.Status.DRAFT, published_at=None)
    return artifact_publish(artifact=draft)


def test_after_a_publish_the_next_visit_shows_it(client, django_capture_on_commit_callbacks):
    ArtifactFactory(title="Older benchmark")
    assert "Newly published toolkit" not in client.get("/artifacts/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _publish_new("Newly published toolkit")
    fresh = client.get("/artifacts/")
    assert not _hit(fresh)
    assert "Newly published toolkit" in fresh.content.decode()


def test_after_an_edit_and_a_retirement_the_next_visit_shows_them(
    client, django_capture_on_commit_callbacks
):
    artifact = ArtifactFactory(title="Before the edit")
    page = reverse("artifacts:detail", args=[artifact.slug])
    client.get(page)
    with django_capture_on_commit_callbacks(execute=True):
        artifact_update(artifact=artifact, title="After the edit")
    assert "After the edit" in client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        artifact_retire(artifact=Artifact.objects.get(pk=artifact.pk), note="Replaced.")
    assert "Retired on" in client.get(page).content.decode()


def test_after_a_link_is_checked_the_next_visit_shows_it(
    client, django_capture_on_commit_callbacks
):
    artifact = ArtifactFactory(landing_url="https://example.org/works")
    with django_capture_on_commit_callbacks(execute=True):
        artifact_links_sync(artifact=artifact)
    page = reverse("artifacts:detail", args=[artifact.slug])
    assert "Not checked yet" in client.get(page).content.decode()
    link = ArtifactLink.objects.get(artifact=artifact)
    result = linkcheck.CheckResult(url=link.url, outcome="ok", status_code=200, final_url=link.url)
    with django_capture_on_commit_callbacks(execute=True):
        link_checks_record([(link, result)])
    fresh = client.get(page).content.decode()
    assert "Not checked yet" not in fresh
    assert "Working" in fresh


def test_a_signed_in_visitor_is_never_served_from_the_cache_nor_kept(client, staff_user: User):
    ArtifactFactory()
    client.get("/artifacts/")  # kept for anonymous visitors
    staff = Client()
    staff.force_login(staff_user)
    seen = staff.get("/artifacts/")
    assert not _hit(seen)
    assert page_cache.STATE_HEADER not in seen
    assert "Cache-Control" not in seen or "public" not in seen["Cache-Control"]
    # What the signed-in visitor was answered is not kept for anyone.
    other = Client()
    other.force_login(staff_user)
    assert not _hit(other.get("/projects/"))
    assert not _hit(Client().get("/projects/"))


@pytest.mark.parametrize(
    "kind",
    ["session cookie", "messages cookie", "authorization"],
)
def test_a_visitor_with_a_cookie_or_credentials_goes_to_the_view(client, kind):
    ArtifactFactory()
    client.get("/api/v1/artifacts/")
    visitor = Client()
    extra: dict[str, str] = {}
    if kind == "session cookie":
        visitor.cookies["sessionid"] = "forged-or-stale"
    elif kind == "messages cookie":
        visitor.cookies["messages"] = "x"
    else:
        extra["HTTP_AUTHORIZATION"] = "Token not-a-real-token"
    response = visitor.get("/api/v1/artifacts/", **extra)
    assert not _hit(response)


def test_a_visitor_with_only_the_csrf_cookie_is_served_from_the_cache(client):
    ArtifactFactory()
    client.get("/artifacts/")
    visitor = Client()
    visitor.cookies["csrftoken"] = "a" * 32
    assert _hit(visitor.get("/artifacts/"))


@pytest.mark.parametrize(
    "path",
    ["/admin/login/", "/account/", "/reminders/subscribe/", "/oai?verb=Identify"],
)
def test_private_and_timed_areas_are_never_kept(client, path):
    client.get(path)
    assert not _hit(client.get(path))


def test_a_page_holding_a_csrf_token_is_never_kept():
    def form_page(request: HttpRequest) -> HttpResponse:
        return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')

    request = RequestFactory().get("/artifacts/")
    response = form_page(request)
    assert not page_cache._keepable(request, response)
    request = RequestFactory().get("/artifacts/")
    assert page_cache._keepable(request, HttpResponse("<p>no form</p>"))


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Cache-Control", "private"),
        ("Cache-Control", "no-store"),
        ("Vary", "Accept-Language"),
    ],
)
def test_a_response_that_asks_not_to_be_shared_is_never_kept(header, value):
    response = HttpResponse("x")
    response[header] = value
    assert not page_cache._keepable(RequestFactory().get("/artifacts/"), response)


def test_errors_redirects_and_cookies_are_never_kept(client):
    assert client.get("/artifacts/no-such-artifact/").status_code == 404
    assert not _hit(client.get("/artifacts/no-such-artifact/"))
    response = HttpResponse("x")
    response.set_cookie("anything", "1")
    assert not page_cache._keepable(RequestFactory().get("/"), response)


def test_the_cache_keeps_nothing_confidential_and_serves_it_to_no_one(client):
    _cycle, award, artifact = _plant_canaries()
    urls = [
        "/",
        "/artifacts/",
        "/artifacts/?q=draft",
        reverse("artifacts:detail", args=[artifact.slug]),
        reverse("artifacts:project-detail", args=[award.award_number]),
        "/cycles/",
        "/feeds/deadlines.ics",
        "/api/v1/artifacts/?q=draft",
        "/api/v1/deadlines/",
    ]
    for url in urls:
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, url
            assert CANARY not in response.content.decode(), url
        assert _hit(response), url
    # What a signed-in superuser is answered (the API shows staff what the public does not
    # see) is kept for no one: the next anonymous answer still holds no canary.
    staff = Client()
    staff.force_login(User.objects.create_superuser("boss", "boss@example.org", "x"))
    for url in urls:
        assert not _hit(staff.get(url)), url
        assert CANARY not in client.get(url).content.decode(), url


def test_nul_bytes_and_huge_query_strings_are_refused_or_kept_apart(client):
    assert client.get("/artifacts/?q=%00").status_code == 400
    assert client.get("/artifacts/?q=%00").status_code == 400
    huge = "/artifacts/?q=" + "a" * 5000
    first = client.get(huge)
    assert first.status_code in (200, 400)
    assert not _hit(client.get("/artifacts/?q=" + "a" * 4999))


def test_the_cache_off_answers_from_the_view_every_time(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/artifacts/")
    assert not _hit(client.get("/artifacts/"))
