"""Every public URL answers hostile input with a 4xx, never a 500: control characters,
invalid UTF-8, huge values and forged cursors, in the path, the query, cookies and forms.

The routes come from the URLconf itself, so a new public route fails
test_the_crawl_covers_every_public_route until it is given real arguments here.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from artifacts.models import FairnessDimension, Task
from proposals.models import ReviewAssignment, ReviewerProfile
from proposals.reminders.mail import unsubscribe_token
from proposals.services import subscriptions
from proposals.services.researchers import researcher_user
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    DeadlineFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
    ReminderSubscriptionFactory,
)

pytestmark = pytest.mark.django_db

# Every query parameter a public page, feed or API endpoint reads, the API's filters included
# (test_the_parameter_list_names_every_api_filter keeps this list complete).
PARAMETERS = [
    *("q", "license", "kind", "dimension", "task", "year", "institution", "link", "link_health"),
    *("sort", "page", "cursor", "page_size", "format", "ordering", "award", "updated_since"),
    *("cycle", "after", "before", "program", "chart", "lang", "state"),
]
# The schema and its documentation page read no parameter but these; generating the
# schema is slow, so they are crawled with their own.
ROUTE_PARAMETERS = {"api-schema": ["format", "lang"], "api-docs": ["format", "lang"]}
HUGE_TEXT = "x" * 100_000
HUGE_NUMBER = str(10**30)
# Text Django turns into U+FFFD, or not at all: a lone continuation byte, a truncated
# sequence, an overlong "/", an encoded surrogate.
BAD_UTF8 = ["%ff", "%c3%28", "%c0%af", "%ed%a0%80"]
# Unicode digits that str.isdigit() accepts and int() does not.
ODD_DIGITS = ["²", "①"]


@dataclass
class Site:
    """Real records for every route's arguments."""

    values: dict[str, dict[str, Any]]
    award: Any
    cycle: Any
    researcher: Client

    def url(self, name: str, params: tuple[str, ...]) -> str:
        kwargs = {param: self.values[name][param] for param in params if param != "format"}
        if "format" in params:
            kwargs["format"] = "json"
        return reverse(name, kwargs=kwargs)


def _public_routes() -> list[tuple[str, tuple[str, ...]]]:
    """(name, path arguments) of every route outside /admin/, as the URLconf has them."""
    found: list[tuple[str, tuple[str, ...]]] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue
                inner = pattern.namespace or ""
                walk(pattern.url_patterns, f"{namespace}{inner}:" if inner else namespace)
            elif isinstance(pattern, URLPattern):
                params = tuple(sorted(pattern.pattern.regex.groupindex))
                found.append((f"{namespace}{pattern.name}", params))

    walk(get_resolver().url_patterns, "")
    return found


ROUTES = _public_routes()
ROUTE_IDS = [f"{name}({','.join(params)})" for name, params in ROUTES]


@pytest.fixture
def site():
    cycle = CycleFactory()
    deadline = DeadlineFactory(cycle=cycle, label="Full proposals")
    institution = OrganizationFactory()
    award = AwardFactory(award_number="2040942", cycle=cycle, institution=institution)
    artifact = ArtifactFactory(
        award=award,
        slug="crowd-audit",
        dimensions=list(FairnessDimension.objects.all()[:1]),
        tasks=list(Task.objects.all()[:1]),
    )
    ArtifactCreatorFactory(artifact=artifact)
    subscription = ReminderSubscriptionFactory(program=cycle.program, confirmed_at=None)
    # The award's PI, signed in for the /my/ routes (anonymous visitors only get redirected).
    pi = PersonFactory(email="pi@hostile.example")
    AwardInvestigatorFactory(award=award, person=pi, role="pi")
    researcher = Client(raise_request_exception=False)
    researcher.force_login(researcher_user(pi), backend="sesame.backends.ModelBackend")
    draft = ArtifactFactory(award=award, slug="hostile-draft", status="draft", published_at=None)
    # The PI reviews a proposal too, for the /my/reviews/ routes.
    reviewer = ReviewerProfile.objects.create(person=pi)
    assignment = ReviewAssignment.objects.create(
        proposal=ProposalFactory(cycle=cycle), reviewer=reviewer
    )
    return Site(
        award=award,
        cycle=cycle,
        researcher=researcher,
        values={
            **{
                name: {"award_number": award.award_number}
                for name in ("my:project", "my:artifact-new", "my:outputs")
            },
            "my:artifact-edit": {"pk": draft.pk},
            "my:artifact-submit": {"pk": draft.pk},
            **{
                name: {"assignment_id": assignment.pk}
                for name in ("my:review", "my:review-conflict", "my:review-clear")
            },
            "artifact-detail": {"slug": artifact.slug},
            "artifact-publish": {"slug": artifact.slug},
            "award-detail": {"award_number": award.award_number},
            "cycle-detail": {"pk": cycle.pk},
            "deadline-detail": {"pk": deadline.pk},
            "organization-detail": {"pk": institution.pk},
            "artifacts:detail": {"slug": artifact.slug},
            "artifacts:cite-bibtex": {"slug": artifact.slug},
            "artifacts:cite-cff": {"slug": artifact.slug},
            "artifacts:linkset-json": {"slug": artifact.slug},
            "artifacts:linkset": {"slug": artifact.slug},
            "artifacts:robots": {},
            "artifacts:sitemap": {},
            "artifacts:sitemap-section": {},
            "artifacts:favicon": {},
            "artifacts:oai": {},
            "artifacts:project-detail": {"award_number": award.award_number},
            "artifacts:institution-detail": {"pk": institution.pk},
            "artifacts:person-detail": {"pk": pi.pk},
            "artifacts:open-data-file": {"filename": "awards.csv"},
            "artifacts:feed-cycle-deadlines": {"cycle_id": cycle.pk},
            "artifacts:feed-deadline": {"deadline_id": deadline.pk},
            "reminders:confirm": {"token": subscriptions.confirmation_token(subscription)},
            "reminders:unsubscribe": {"token": unsubscribe_token(f"subscriber:{subscription.pk}")},
            **{
                name: {}
                for name in (
                    *("numbers", "healthz", "link-checker", "api-root", "api-schema", "api-docs"),
                    *("artifact-list", "award-list", "cycle-list", "deadline-list"),
                    *("organization-list", "artifacts:home", "artifacts:list"),
                    *("artifacts:project-list", "artifacts:cycle-list", "artifacts:open-data"),
                    *("artifacts:feed-atom", "artifacts:feed-rss", "artifacts:feed-deadlines"),
                    *("reminders:subscribe", "reminders:subscribe-sent"),
                    *("account:signin-request", "account:sent", "account:signin"),
                    *("account:signout", "my:projects", "my:settings", "my:artifact-preview"),
                    "my:reviews",
                )
            },
        },
    )


@pytest.fixture
def anonymous() -> Client:
    # A 500 comes back as a 500 (DEBUG is off under pytest-django), not as an exception.
    return Client(raise_request_exception=False)


def _as(site: Site, name: str, anonymous: Client) -> Client:
    """The client a route is attacked with: the signed-in PI for /my/, else anonymous."""
    return site.researcher if name.startswith("my:") else anonymous


def _statuses(
    client: Client, urls: list[str], request: Callable[..., Any] | None = None
) -> dict[str, int]:
    send = request or client.get
    return {url[:160]: send(url).status_code for url in urls}


def _server_errors(statuses: dict[str, int]) -> dict[str, int]:
    return {url: status for url, status in statuses.items() if status >= 500}


def _post_form(client: Client, url: str, data: dict[str, str]) -> Any:
    """POST as a browser posts a form (the test client's default is multipart)."""
    return client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")


def _parameters(name: str) -> list[str]:
    return ROUTE_PARAMETERS.get(name, PARAMETERS)


def _with(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _swapped(site: Site, name: str, params: tuple[str, ...], new: str) -> list[str]:
    """The route's address with each path argument in turn replaced by ``new``."""
    url = site.url(name, params)
    urls = []
    for param in params:
        if param == "format":
            continue
        # Quoted as reverse() quotes it.
        value = quote(str(site.values[name][param]), safe="/~:@!$&'()*+,;=")
        assert value in url
        urls.append(url.replace(value, new, 1))
    return urls


# --- Coverage of the crawl -------------------------------------------------------


def test_the_crawl_covers_every_public_route(site):
    unknown = [name for name, _ in ROUTES if name not in site.values]
    assert unknown == [], "give these routes real arguments in the site fixture"


def test_the_parameter_list_names_every_api_filter():
    from fairprog.api_urls import router

    filters = {
        name
        for _, viewset, _ in router.registry
        if getattr(viewset, "filterset_class", None)
        for name in viewset.filterset_class.base_filters
    }
    assert filters - set(PARAMETERS) == set()


def test_every_route_answers_its_real_address_without_a_server_error(site, anonymous):
    statuses = _statuses(anonymous, [site.url(name, params) for name, params in ROUTES])
    mine = [site.url(name, params) for name, params in ROUTES if name.startswith("my:")]
    as_researcher = _statuses(site.researcher, mine)
    assert _server_errors(statuses) == {}
    assert _server_errors(as_researcher) == {}
    assert as_researcher[site.url("my:project", ("award_number",))] == 200
    # Real arguments: the detail pages exist (so the crawl below reaches their views).
    assert statuses[site.url("artifacts:detail", ("slug",))] == 200
    assert statuses[site.url("award-detail", ("award_number",))] == 200


# --- Control characters -----------------------------------------------------------


@pytest.mark.parametrize(("name", "params"), ROUTES, ids=ROUTE_IDS)
def test_nul_in_the_path_is_400(site, anonymous, name, params):
    url = site.url(name, params)
    urls = [url.rstrip("/") + "%00" + ("/" if url.endswith("/") else "")]
    urls += _swapped(site, name, params, "%00")
    statuses = _statuses(_as(site, name, anonymous), urls)
    assert set(statuses.values()) == {400}, statuses


@pytest.mark.parametrize(("name", "params"), ROUTES, ids=ROUTE_IDS)
def test_nul_in_any_query_parameter_is_400(site, anonymous, name, params):
    url = site.url(name, params)
    urls = [_with(url, f"{param}=%00") for param in PARAMETERS]
    urls += [_with(url, "q=fair%00ness"), _with(url, "%00=1"), _with(url, "q=ok&q=%00")]
    statuses = _statuses(_as(site, name, anonymous), urls)
    assert set(statuses.values()) == {400}, statuses


def test_the_400_names_the_parameter_and_the_character(site, anonymous):
    page = anonymous.get("/artifacts/?license=%00")
    assert page["Content-Type"] == "text/plain; charset=utf-8"
    assert 'query parameter "license"' in page.content.decode()
    assert "U+0000" in page.content.decode()
    api = anonymous.get("/api/v1/artifacts/?q=%1b")
    assert api.status_code == 400
    assert "U+001B" in api.json()["detail"]


def test_other_control_characters_are_400_but_tabs_and_line_breaks_are_text(site, anonymous):
    refused = _statuses(
        anonymous, [f"/artifacts/?q=a{c}b" for c in ("%01", "%08", "%0b", "%1b", "%7f")]
    )
    assert set(refused.values()) == {400}, refused
    accepted = _statuses(anonymous, [f"/artifacts/?q=a{c}b" for c in ("%09", "%0a", "%0d")])
    assert set(accepted.values()) == {200}, accepted


def test_a_cookie_with_nul_is_400(site, anonymous):
    # Django's cookie parser turns the octal escape \000 of a quoted value into NUL,
    # which the session store would otherwise look up in the database.
    cookie = 'sessionid="\\000aaaaaaaaaaaaaaaa"'
    for url in ("/", "/admin/", "/api/v1/artifacts/"):
        assert anonymous.get(url, HTTP_COOKIE=cookie).status_code == 400, url


# --- Invalid UTF-8, huge values, odd digits ----------------------------------------


@pytest.mark.parametrize(("name", "params"), ROUTES, ids=ROUTE_IDS)
def test_invalid_utf8_is_never_a_server_error(site, anonymous, name, params):
    url = site.url(name, params)
    urls = [_with(url, f"{param}=%ff") for param in _parameters(name)]
    urls += [_with(url, f"q={bad}") for bad in BAD_UTF8]
    for bad in BAD_UTF8:
        urls += _swapped(site, name, params, bad)
    assert _server_errors(_statuses(_as(site, name, anonymous), urls)) == {}


@pytest.mark.parametrize(("name", "params"), ROUTES, ids=ROUTE_IDS)
def test_huge_values_are_never_a_server_error(site, anonymous, name, params):
    url = site.url(name, params)
    urls = [
        _with(url, f"{param}={value}")
        for param in _parameters(name)
        for value in (HUGE_TEXT, HUGE_NUMBER, ODD_DIGITS[0])
    ]
    for huge in (HUGE_NUMBER, "x" * 5000):
        urls += _swapped(site, name, params, huge)
    assert _server_errors(_statuses(_as(site, name, anonymous), urls)) == {}


@pytest.mark.parametrize(
    "query",
    [
        f"page_size={HUGE_NUMBER}",
        "page_size=²",
        "page_size=0",
        f"institution={HUGE_NUMBER}",
        "institution=①",
        f"year={HUGE_NUMBER}",
        f"updated_since={HUGE_TEXT}",
        f"q={HUGE_TEXT}",
        f"award={'9' * 201}",
        "updated_since=99999-01-01",
        "kind=nonsense",
        "ordering=nonsense",
    ],
)
def test_invalid_api_parameters_are_400_naming_the_parameter(site, anonymous, query):
    response = anonymous.get(f"/api/v1/artifacts/?{query}")
    assert response.status_code == 400
    assert query.partition("=")[0] in response.json()


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/awards/?year={HUGE_NUMBER}",
        f"/api/v1/awards/?institution={HUGE_NUMBER}",
        f"/api/v1/deadlines/?cycle={HUGE_NUMBER}",
        "/api/v1/deadlines/?after=x",
        f"/api/v1/cycles/?page_size={HUGE_NUMBER}",
    ],
)
def test_invalid_filters_of_every_api_list_are_400(site, anonymous, url):
    assert anonymous.get(url).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/cycles/{HUGE_NUMBER}/",
        f"/api/v1/deadlines/{HUGE_NUMBER}/",
        f"/api/v1/organizations/{HUGE_NUMBER}/",
        "/api/v1/cycles/abc/",
        f"/feeds/cycles/{HUGE_NUMBER}/deadlines.ics",
        f"/feeds/deadlines/{HUGE_NUMBER}.ics",
        f"/projects/{HUGE_NUMBER}/",
        f"/institutions/{HUGE_NUMBER}/",
        f"/people/{HUGE_NUMBER}/",
    ],
)
def test_ids_out_of_range_are_404(site, anonymous, url):
    assert anonymous.get(url).status_code == 404


# --- Forged cursors ---------------------------------------------------------------


def _cursor(raw: str) -> str:
    return quote(base64.b64encode(raw.encode()).decode())


INVALID_CURSOR = {"cursor": ["Invalid cursor: use the next or previous link of a page."]}
FORGED_CURSORS = [
    _cursor("p=abc"),
    _cursor("p=\x00"),
    _cursor(f"p={HUGE_NUMBER}"),
    _cursor("p=" + "9" * 5000),
    _cursor("p=2021-01-01 00:00:00+20:00"),
    _cursor("p=2021-01-01 00:00:00"),
    _cursor("p=0001-01-01 00:00:00-23:00"),
    _cursor("o=-1"),
    _cursor("r=x"),
    _cursor("o=" + HUGE_NUMBER),
    "%ff%fe",
    "not base64!",
    quote(base64.b64encode(b"p=\xff").decode()),
]
API_LISTS = [name for name, params in ROUTES if name.endswith("-list") and ":" not in name]


@pytest.mark.parametrize("name", sorted(set(API_LISTS)))
def test_forged_cursors_are_refused_on_every_api_list(site, anonymous, name):
    url = reverse(name)
    for ordering in ("", "&ordering=title", "&q=fairness&ordering=relevance"):
        responses = {
            cursor: anonymous.get(f"{url}?cursor={cursor}{ordering}") for cursor in FORGED_CURSORS
        }
        statuses = {cursor: response.status_code for cursor, response in responses.items()}
        # A position that fits another ordering ("abc" is a title) and an offset DRF cuts
        # off are harmless pages; everything else is refused as a malformed cursor is.
        assert _server_errors(statuses) == {}, statuses
        refused = {cursor: s for cursor, s in statuses.items() if s != 200}
        assert set(refused.values()) <= {400}, refused
        for response in responses.values():
            if response.status_code == 400:
                assert response.json() == INVALID_CURSOR


def test_a_forged_position_of_the_default_ordering_is_400(site, anonymous):
    for url in ("/api/v1/artifacts/", "/api/v1/awards/", "/api/v1/cycles/"):
        response = anonymous.get(f"{url}?cursor={_cursor('p=abc')}")
        assert response.status_code == 400, url
        assert response.json() == INVALID_CURSOR


def test_a_genuine_cursor_still_pages(site, anonymous):
    for n in range(3):
        ArtifactFactory(award=site.award, slug=f"more-{n}")
    first = anonymous.get("/api/v1/artifacts/?page_size=2").json()
    second = anonymous.get(first["next"]).json()
    assert second["results"]
    assert {a["slug"] for a in first["results"]}.isdisjoint(a["slug"] for a in second["results"])


# --- Forms ----------------------------------------------------------------------------

SUBSCRIBE_FIELDS = ("email", "time_zone", "program", "cycle", "website")


def _subscribe_data(site: Site, **changes: str) -> dict[str, str]:
    data = {
        "email": "someone@example.org",
        "time_zone": "Europe/Berlin",
        "program": site.cycle.program.slug,
        "cycle": str(site.cycle.pk),
        "website": "",
    }
    return {**data, **changes}


@pytest.mark.parametrize("field", SUBSCRIBE_FIELDS)
def test_subscription_form_posted_with_nul_is_400(site, anonymous, field):
    data = _subscribe_data(site, **{field: "ab\x00cd"})
    urlencoded = _post_form(anonymous, "/reminders/subscribe/", data)
    assert urlencoded.status_code == 400
    assert f'form field "{field}"' in urlencoded.content.decode()
    # Multipart bodies reach the view (uploads are not parsed early); its form refuses NUL.
    multipart = anonymous.post("/reminders/subscribe/", data)
    assert multipart.status_code in (400, 404)  # 404: a "program" that is not a slug


@pytest.mark.parametrize("field", SUBSCRIBE_FIELDS)
def test_subscription_form_posted_with_huge_or_broken_values_is_never_a_server_error(
    site, anonymous, field
):
    for value in (
        HUGE_TEXT,
        HUGE_NUMBER,
        *ODD_DIGITS,
        "\ufffd",
        "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    ):
        data = _subscribe_data(site, **{field: value})
        for response in (
            _post_form(anonymous, "/reminders/subscribe/", data),
            anonymous.post("/reminders/subscribe/", data),
        ):
            assert response.status_code < 500, (field, value[:20], response.status_code)


@pytest.mark.parametrize(("name", "params"), ROUTES, ids=ROUTE_IDS)
def test_any_form_post_with_nul_is_400(site, anonymous, name, params):
    url = site.url(name, params)
    response = _post_form(_as(site, name, anonymous), url, {"anything": "a\x00b"})
    assert response.status_code == 400, response.status_code


@pytest.mark.parametrize("name", ["reminders:confirm", "reminders:unsubscribe"])
def test_token_pages_posted_with_forged_tokens_are_400(site, anonymous, name):
    for token in ("x" * 5000, "%ff", "a:b:c", HUGE_NUMBER):
        response = anonymous.post(reverse(name, args=["placeholder"]).replace("placeholder", token))
        assert response.status_code == 400, (token[:20], response.status_code)
