"""Researchers' sign-in: a link e-mailed to the address on the Person record (a real SMTP sink),
used once, within its minutes, for that person only; the same answer for known and unknown
addresses; limits per address and per client; sign-out and the idle session; and /my/ walked
as the owner, another PI, anonymous and staff (another award's page is a 404)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from artifacts.models import Artifact, Publication
from proposals.models import AwardInvestigator, Deadline
from proposals.services.researchers import researcher_user
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    DeadlineFactory,
    PersonFactory,
)

LINK = re.compile(r"https?://\S+/account/signin/\?sesame=[\w-]+")


@pytest.fixture
def team(db: None) -> dict[str, Any]:
    pi = PersonFactory(given_name="Casey", family_name="Sample", email="casey@uni.example.edu")
    other = PersonFactory(given_name="Robin", family_name="Other", email="robin@lab.example.org")
    award = AwardFactory(award_number="2040800", title="Fair ranking audits")
    elsewhere = AwardFactory(award_number="2040801", title="Someone else's award")
    AwardInvestigatorFactory(award=award, person=pi, role=AwardInvestigator.Role.PI)
    AwardInvestigatorFactory(award=elsewhere, person=other, role=AwardInvestigator.Role.PI)
    return {"pi": pi, "other": other, "award": award, "elsewhere": elsewhere}


def _ask(client: Any, email: str, **extra: Any) -> Any:
    return client.post("/account/", {"email": email}, **extra)


def _link(message: Any) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(0)


def _sign_in(client: Any, link: str) -> Any:
    token = link.split("sesame=", 1)[1]
    return client.post("/account/signin/", {"sesame": token})


@pytest.mark.django_db
def test_known_and_unknown_addresses_get_the_same_answer(client, team, mailoutbox):
    known = _ask(client, "Casey@Uni.Example.edu")
    unknown = _ask(client, "nobody@nowhere.example")
    assert (known.status_code, known["Location"]) == (303, "/account/sent/")
    assert (unknown.status_code, unknown["Location"]) == (303, "/account/sent/")
    assert [m.to for m in mailoutbox] == [["casey@uni.example.edu"]]
    assert mailoutbox[0].subject == "Your FairProg sign-in link"


@pytest.mark.django_db
def test_the_link_signs_in_that_person_once_and_a_page_view_does_not_spend_it(client, team):
    mail.outbox = []
    _ask(client, "casey@uni.example.edu")
    link = _link(mail.outbox[0])

    shown = client.get(link)  # a mail scanner opening the link
    assert shown.status_code == 200
    assert b'name="sesame"' in shown.content
    signed_in = _sign_in(client, link)
    assert (signed_in.status_code, signed_in["Location"]) == (303, "/my/")
    page = client.get("/my/")
    assert b"Fair ranking audits" in page.content
    assert b"Someone else" not in page.content

    client.post("/account/signout/")
    again = _sign_in(client, link)
    assert again.status_code == 400
    assert b"expired or was already used" in again.content
    assert client.get("/my/").status_code == 302


@pytest.mark.django_db
def test_a_link_expires_after_its_minutes(client, team, settings):
    settings.SESAME_MAX_AGE = 15 * 60
    mail.outbox = []
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _ask(client, "casey@uni.example.edu")
        link = _link(mail.outbox[0])
        traveller.shift(dt.timedelta(minutes=16))
        assert _sign_in(client, link).status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token",
    [
        "",
        "forged",
        "A" * 5000,
        "abc\x00def",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_forged_huge_and_nul_tokens_sign_nobody_in(client, team, token):
    response = client.post("/account/signin/", {"sesame": token})
    assert response.status_code == 400
    assert client.get("/my/").status_code == 302


@pytest.mark.django_db
def test_a_staff_login_cannot_be_signed_in_by_link(client, team, staff_user):
    from sesame.utils import get_token

    response = client.post("/account/signin/", {"sesame": get_token(staff_user)})
    assert response.status_code == 400


@pytest.mark.django_db
def test_requests_are_limited_per_address_and_per_client(client, team, settings, mailoutbox):
    settings.RESEARCHER_SIGNIN_RATE = "3/h"
    for _ in range(3):
        assert _ask(client, "casey@uni.example.edu").status_code == 303
    # The client's fourth request in the hour is refused, whatever the address.
    refused = _ask(client, "robin@lab.example.org")
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert len(mailoutbox) == 3
    # Another client, the same address: over its five an hour, answered alike, no mail.
    for number in range(3):
        response = _ask(client, "casey@uni.example.edu", REMOTE_ADDR=f"10.0.0.{number + 2}")
        assert response.status_code == 303
    assert len(mailoutbox) == 5


@pytest.mark.django_db
def test_a_bad_address_is_named_and_kept(client, team):
    response = _ask(client, "not an address\x00")
    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content


@pytest.mark.django_db
def test_the_session_ends_after_the_idle_minutes(client, team, settings):
    settings.RESEARCHER_IDLE_MINUTES = 30
    client.force_login(researcher_user(team["pi"]), backend="sesame.backends.ModelBackend")
    assert client.get("/my/").status_code == 200
    assert client.session.get_expiry_age() == 30 * 60


@pytest.mark.django_db
def test_every_my_url_as_owner_other_pi_anonymous_and_staff(client, team, staff_user):
    owner = researcher_user(team["pi"])
    other = researcher_user(team["other"])
    urls = {"/my/": 200, "/my/projects/2040800/": 200, "/my/projects/2040801/": 404,
            "/my/projects/9999999/": 404, "/my/projects/%00/": 400}  # fmt: skip
    client.force_login(owner, backend="sesame.backends.ModelBackend")
    assert {url: client.get(url).status_code for url in urls} == urls

    client.force_login(other, backend="sesame.backends.ModelBackend")
    as_other = {url: client.get(url).status_code for url in urls}
    assert as_other["/my/projects/2040800/"] == 404
    assert as_other["/my/projects/2040801/"] == 200

    for login in (None, staff_user):
        client.logout()
        if login is not None:
            client.force_login(login)
        for url in urls:
            response = client.get(url)
            if "%00" in url:  # refused before any view, for everyone
                assert response.status_code == 400
                continue
            assert response.status_code == 302, (login, url)
            assert response["Location"].startswith("/account/?next=")


@pytest.mark.django_db
def test_my_projects_show_reports_artifacts_and_publications_and_nothing_confidential(
    client, team, django_assert_num_queries
):
    award, pi = team["award"], team["pi"]
    co_pi = PersonFactory(email="secret-co-pi@uni.example.edu")
    AwardInvestigatorFactory(award=award, person=co_pi, role=AwardInvestigator.Role.CO_PI)
    soon = timezone.localdate() + dt.timedelta(days=10)
    DeadlineFactory(award=award, cycle=None, kind=Deadline.Kind.ANNUAL_REPORT, due_date=soon,
                    visibility=Deadline.Visibility.STAFF)  # fmt: skip
    DeadlineFactory(award=team["elsewhere"], cycle=None, kind=Deadline.Kind.FINAL_REPORT,
                    due_date=soon, label="Not yours")  # fmt: skip
    Artifact.objects.create(award=award, kind="dataset", title="Audit traces", slug="audit-traces")
    Publication.objects.create(award=award, title="Auditing rankers", year=2026, venue="FAccT")
    client.force_login(researcher_user(pi), backend="sesame.backends.ModelBackend")

    with django_assert_num_queries(12):
        page = client.get("/my/")
    text = page.content.decode()
    assert "Annual report" in text
    assert "days left" in text
    assert "Not yours" not in text
    assert "Audit traces" in text
    assert "Draft" in text
    assert "Auditing rankers" in text
    assert "secret-co-pi@" not in text
    assert "casey@uni.example.edu" not in text
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    with django_assert_num_queries(12):
        assert client.get("/my/projects/2040800/").status_code == 200


@pytest.mark.django_db
def test_the_link_arrives_through_a_real_smtp_server(client, team, settings, smtp_sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""

    _ask(client, "casey@uni.example.edu")

    (message,) = smtp_sink.mailbox.values()
    body = next(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_type() == "text/plain"
    )
    link = LINK.search(body)
    assert link
    assert message["To"] == "casey@uni.example.edu"
    assert _sign_in(client, link.group(0))["Location"] == "/my/"


def _every_my_url() -> set[str]:
    """Every route under /my/, as its name in the "my" namespace."""
    from django.urls import get_resolver

    resolver = get_resolver()
    _, my = resolver.namespace_dict["my"]
    return {name for name in my.reverse_dict if isinstance(name, str)}


@pytest.mark.django_db
def test_every_my_route_as_owner_other_pi_anonymous_and_staff(client, team, staff_user):
    from django.urls import reverse

    from tests.artifacts.factories import ArtifactFactory

    mine = ArtifactFactory(award=team["award"], status="draft", published_at=None)
    theirs = ArtifactFactory(award=team["elsewhere"], status="draft", published_at=None)
    # (route, arguments for the owner's record, for the other PI's record, GET or POST)
    routes = {
        "projects": ((), None, "get"),
        "project": (("2040800",), ("2040801",), "get"),
        "outputs": (("2040800",), ("2040801",), "get"),
        "settings": ((), None, "get"),
        "artifact-new": (("2040800",), ("2040801",), "get"),
        "artifact-edit": ((mine.pk,), (theirs.pk,), "get"),
        "artifact-submit": ((mine.pk,), (theirs.pk,), "post"),
        "artifact-preview": ((), None, "post"),
    }
    # The reviewers' routes are walked in tests/reviews/test_reviewer_pages.py.
    reviewer_routes = {"reviews", "review", "review-conflict", "review-clear"}
    assert set(routes) == _every_my_url() - reviewer_routes, "a new /my/ route: add it to this walk"

    def answers(args: Any, method: str) -> int:
        url = reverse(f"my:{name}", args=args)
        return (
            client.post(url, {"description": "x"}) if method == "post" else client.get(url)
        ).status_code

    client.force_login(researcher_user(team["pi"]), backend="sesame.backends.ModelBackend")
    for name, (own, other, method) in routes.items():
        assert answers(own, method) in (200, 303, 400), name  # 400: submitting a bare draft
        if other is not None:
            assert answers(other, method) == 404, name

    client.force_login(researcher_user(team["other"]), backend="sesame.backends.ModelBackend")
    for name, (own, _other, method) in routes.items():
        if own and name != "artifact-preview":
            assert answers(own, method) == 404, name

    for login in (None, staff_user):
        client.logout()
        if login is not None:
            client.force_login(login)
        for name, (own, _other, method) in routes.items():
            response_code = answers(own, method)
            assert response_code == 302, (login, name, response_code)
