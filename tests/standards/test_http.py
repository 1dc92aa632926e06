"""RFC 9110 §9.1 and §9.3.2: every URL that answers GET answers HEAD, with the status and
header fields GET has, and no content.

The test walks every pattern of the URLconf, fills its arguments with real values from
the standards catalogue, and asks each URL with GET and with HEAD, anonymously and as
staff. A pattern added later is walked too: if the test knows no value for one of its
arguments it fails and says so, and if its view refuses HEAD the comparison fails."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from rest_framework.authtoken.models import Token

from artifacts.models import Artifact
from artifacts.opendata.export import open_data_export
from artifacts.opendata.snapshot import CONTENT_TYPES
from proposals.models import (
    Award,
    AwardInvestigator,
    Cycle,
    Organization,
    Person,
    Proposal,
    ReminderSubscription,
    ReviewAssignment,
    ReviewerProfile,
)
from proposals.reminders.mail import unsubscribe_token
from proposals.selectors.public import deadline_public_queryset, organization_public_queryset
from proposals.services.researchers import researcher_user
from proposals.services.subscriptions import confirmation_token

# Header fields a HEAD answer may leave out (RFC 9110 §9.3.2: "a server MAY omit header
# fields for which a value is determined only while generating the content"). Django's
# ConditionalGetMiddleware hashes GET content for an ETag and leaves HEAD alone; a view's
# own ETag (the open-data files) is on both and must be equal.
MAY_OMIT_ON_HEAD = {"etag"}
# Differences that are not FairProg's, each with why. Django's AdminSite.login sends a
# signed-in user on to the index only when the method is GET (django/contrib/admin/
# sites.py), so a HEAD gets the login form's headers. Listed exactly: the test fails if
# the difference changes or goes away, so the entry is removed with its cause.
KNOWN_DIFFERENCES = {"(staff) /admin/login/: HEAD 200, GET 302"}


@dataclass(frozen=True)
class Pattern:
    route: str  # as ResolverMatch.route spells it, e.g. "artifacts/<slug:slug>/cite.bib"
    name: str | None  # with its namespace, e.g. "artifacts:cite-bibtex"
    named: tuple[str, ...]  # its named arguments
    positional: int  # how many unnamed regex groups it has
    default_args: dict[str, Any] = dataclasses.field(default_factory=dict)  # path()'s kwargs


def _join(prefix: str, entry: URLPattern | URLResolver) -> str:
    # As Django joins routes for ResolverMatch.route: a regex's "^" goes inside.
    own = str(entry.pattern)
    return prefix + (own[1:] if prefix and own.startswith("^") else own)


def _patterns(
    resolvers: list[Any] | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[Pattern]:
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}{entry.namespace}:"
            yield from _patterns(entry.url_patterns, _join(prefix, entry), inner)
        else:
            assert isinstance(entry, URLPattern)
            regex = entry.pattern.regex
            yield Pattern(
                route=_join(prefix, entry),
                name=f"{namespace}{entry.name}" if entry.name else None,
                named=tuple(regex.groupindex),
                positional=regex.groups - len(regex.groupindex),
                default_args=dict(entry.default_args),
            )


def organization_any() -> Organization:
    found = Organization.objects.order_by("pk").first()
    assert found is not None
    return found


class Arguments:
    """Real values for every argument a URL pattern takes, from the catalogue."""

    def __init__(self, catalogue: list[Artifact], superuser: User) -> None:
        self.slugs = [artifact.slug for artifact in catalogue]
        award = Award.objects.filter(artifacts__in=catalogue).order_by("award_number").first()
        assert award is not None
        self.award_number = award.award_number
        self.cycles = [str(pk) for pk in Cycle.objects.order_by("pk").values_list("pk", flat=True)]
        deadline = deadline_public_queryset().order_by("pk").first()
        self.deadlines = [str(pk) for pk in deadline_public_queryset().values_list("pk", flat=True)]
        organization = organization_public_queryset().order_by("pk").first()
        assert deadline is not None
        assert organization is not None
        assert award.institution_id is not None
        # A researcher (the award's PI) and a draft of theirs, for the /my/ pages.
        pi = Person.objects.create(given_name="Head", family_name="Check", email="pi@head.example")
        AwardInvestigator.objects.create(award=award, person=pi, role=AwardInvestigator.Role.CO_PI)
        self.researcher = researcher_user(pi)
        draft = Artifact.objects.create(
            award=award, kind="dataset", title="Head draft", slug="head-draft", summary="x"
        )
        # The PI reviews a proposal too, for the /my/reviews/ pages.
        review_cycle = award.cycle or Cycle.objects.order_by("pk").first()
        assert review_cycle is not None
        proposal = Proposal.objects.create(
            cycle=review_cycle,
            title="Head review",
            lead_institution=organization_any(),
        )
        assignment = ReviewAssignment.objects.create(
            proposal=proposal, reviewer=ReviewerProfile.objects.create(person=pi)
        )
        self.assignment_id = str(assignment.pk)
        self.api_pk = {
            "cycle-detail": self.cycles[0],
            "deadline-detail": str(deadline.pk),
            "organization-detail": str(organization.pk),
            "my:artifact-edit": str(draft.pk),
            "my:artifact-submit": str(draft.pk),
            # An award's institution and its PI: both have public pages.
            "artifacts:institution-detail": str(award.institution_id),
            "artifacts:person-detail": str(pi.pk),
        }
        self.superuser = superuser
        subscription = ReminderSubscription.objects.create(
            email="head-check@example.org", program=award.program, cycle=None
        )
        self.tokens = {
            "reminders:confirm": confirmation_token(subscription),
            "reminders:unsubscribe": unsubscribe_token(f"subscriber:{subscription.pk}"),
        }
        self.app_labels = sorted({model._meta.app_label for model in admin.site._registry})

    def for_pattern(self, pattern: Pattern) -> list[dict[str, Any]]:
        """Every set of arguments to ask ``pattern`` with: {"kwargs": …} or {"args": …}."""
        if pattern.positional:
            return [{"args": self._positional(pattern)}]
        choices: dict[str, list[str]] = {}
        for group in pattern.named:
            values = self._named(pattern, group)
            assert values, (
                f"No real value for <{group}> of {pattern.route!r} ({pattern.name}): "
                "give tests/standards/test_http.py one, so HEAD is checked there too."
            )
            choices[group] = values
        combinations: list[dict[str, str]] = [{}]
        for group, values in choices.items():
            combinations = [{**done, group: value} for done in combinations for value in values]
        return [{"kwargs": kwargs} for kwargs in combinations]

    def _named(self, pattern: Pattern, group: str) -> list[str]:
        name = pattern.name or ""
        if group == "slug":
            # Every public artifact's page and cite files; the API's detail with one.
            return self.slugs if name.startswith("artifacts:") else self.slugs[-1:]
        if group == "award_number":
            return [self.award_number]
        if group == "cycle_id":
            return self.cycles
        if group == "deadline_id":
            return self.deadlines
        if group == "assignment_id":
            return [self.assignment_id]
        if group == "pk":
            return [self.api_pk[name]] if name in self.api_pk else []
        if group == "filename":
            return sorted(CONTENT_TYPES)
        if group == "token":
            return [self.tokens[name]] if name in self.tokens else []
        if group == "format":
            return ["json"]
        if group == "app_label":
            return self.app_labels
        if group == "url":  # the admin's catch-all: a page that does not exist
            return ["no-such-page/"]
        if group == "id" and name == "admin:auth_user_password_change":
            return [str(self.superuser.pk)]
        if group == "content_type_id":
            return [str(ContentType.objects.get_for_model(Artifact).pk)]
        if group == "object_id":
            return [self._object_id(pattern)]
        return []

    def _admin_model(self, pattern: Pattern) -> Any:
        found = re.match(r"admin/(\w+)/(\w+)/", pattern.route)
        if found is None:  # view_on_site: r/<content_type_id>/<object_id>/
            return Artifact
        return apps.get_model(found.group(1), found.group(2))

    def _object_id(self, pattern: Pattern) -> str:
        model = self._admin_model(pattern)
        pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        # A table with no rows: the admin's "no such object" redirect, for GET and HEAD.
        return str(pk) if pk is not None else "0"

    def _positional(self, pattern: Pattern) -> list[str]:
        # django-simple-history's page of one past version: (object_id, history_id).
        assert (pattern.name or "").endswith("_simple_history"), (
            f"Unnamed arguments in {pattern.route!r} ({pattern.name}): give "
            "tests/standards/test_http.py real values for them."
        )
        model = self._admin_model(pattern)
        object_id = self._object_id(pattern)
        history = (
            model.history.filter(**{model._meta.pk.attname: object_id})
            .order_by("history_id")
            .first()
        )
        assert history is not None, f"{model.__name__} {object_id} has no history"
        return [object_id, str(history.history_id)]


def _url(pattern: Pattern, arguments: dict[str, Any]) -> str:
    if pattern.name is not None:
        if pattern.default_args and not arguments.get("kwargs"):
            # Routes of one name told apart by their extra keywords (the sitemap's sections).
            return reverse(pattern.name, kwargs=pattern.default_args)
        return reverse(pattern.name, **arguments)
    if pattern.route == "admin/(?P<url>.*)$":  # the admin's catch-all
        return "/admin/" + arguments["kwargs"]["url"]
    # An unnamed path() (the admin's "<object_id>/", which redirects to its change page).
    values = arguments["kwargs"]
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda found: values[found.group(1)], pattern.route)


def _cookies(response: Any) -> dict[str, dict[str, Any]]:
    """Cookies set, by name, with their attributes but not their values (a CSRF token
    is new on every response)."""
    return {
        name: {key: morsel[key] for key in morsel if morsel[key]}
        for name, morsel in response.cookies.items()
    }


_NONCE = re.compile(r"'nonce-[^']+'")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names; a CSP nonce (new every time) as "*"
    cookies: dict[str, dict[str, Any]]
    content: bytes


def _ask(client: Client, method: str, url: str, cookies: SimpleCookie) -> Answer:
    """One request from the state ``cookies`` gives, with a fresh throttle count."""
    client.cookies = SimpleCookie(cookies.output(header="", sep=";"))
    cache.clear()
    response: Any = client.generic(method, url)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return Answer(
        status=response.status_code,
        headers={k.lower(): _NONCE.sub("'nonce-*'", v) for k, v in response.headers.items()},
        cookies=_cookies(response),
        content=content,
    )


def _differences(head: Answer, got: Answer) -> list[str]:
    if head.status != got.status:
        return [f"HEAD {head.status}, GET {got.status}"]
    if got.status == 405:  # not a GET URL (the API's publish/): HEAD is refused alike
        same = head.headers.get("allow") == got.headers.get("allow")
        return (
            []
            if same
            else [f"allow: HEAD {head.headers.get('allow')!r}, GET {got.headers.get('allow')!r}"]
        )
    problems = []
    for field in sorted(set(got.headers) | set(head.headers)):
        if field in MAY_OMIT_ON_HEAD and field not in head.headers:
            continue
        if got.headers.get(field) != head.headers.get(field):
            problems.append(
                f"{field}: HEAD {head.headers.get(field)!r}, GET {got.headers.get(field)!r}"
            )
    if head.cookies != got.cookies:
        problems.append(f"cookies: HEAD {head.cookies}, GET {got.cookies}")
    return problems


def _compare(client: Client, url: str) -> list[str]:
    """What differs between GET and HEAD of ``url``, asked from the same state at the same
    instant (an Expires header or a cookie's expiry is a time)."""
    cookies = SimpleCookie(client.cookies.output(header="", sep=";"))
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False):
        got = _ask(client, "GET", url, cookies)
        head = _ask(client, "HEAD", url, cookies)
        problems = _differences(head, got)
        if problems:
            # Only a GET that answers the same twice can be compared with a HEAD.
            again = _ask(client, "GET", url, cookies)
            if _differences(again, got):
                problems = [f"GET answers differently each time: {_differences(again, got)}"]
    client.cookies = cookies
    if head.content:
        problems.append(f"HEAD has content ({len(head.content)} bytes)")
    return [f"{url}: {problem}" for problem in problems]


@pytest.fixture
def head_catalogue(standards_catalogue, settings, tmp_path) -> list[Artifact]:
    """The standards catalogue, its open-data snapshot, and a row in the tables whose admin
    pages would otherwise only show "no such object"."""
    settings.OPEN_DATA_DIR = tmp_path / "opendata"
    open_data_export()
    Group.objects.create(name="Reviewers")
    return standards_catalogue


def _every_url(arguments: Arguments) -> list[tuple[Pattern, str]]:
    urls = []
    for pattern in _patterns():
        for given in arguments.for_pattern(pattern):
            url = _url(pattern, given)
            match = resolve(url.split("?")[0])
            assert match.route == pattern.route, (url, match.route, pattern.route)
            urls.append((pattern, url))
    return urls


def test_every_url_answers_head_as_it_answers_get(head_catalogue, client):
    superuser = User.objects.create_superuser("head-admin", "head-admin@example.org", "x")
    Token.objects.create(user=superuser)
    arguments = Arguments(head_catalogue, superuser)
    urls = _every_url(arguments)
    assert len({pattern.route for pattern, _ in urls}) == len(list(_patterns()))

    staff = Client()
    staff.force_login(superuser)
    researcher = Client()
    researcher.force_login(arguments.researcher, backend="sesame.backends.ModelBackend")
    problems = []
    for pattern, url in urls:
        problems += _compare(client, url)
        problems += [f"(staff) {problem}" for problem in _compare(staff, url)]
        if (pattern.name or "").startswith("my:"):
            problems += [f"(researcher) {problem}" for problem in _compare(researcher, url)]
    unexplained = [problem for problem in problems if problem not in KNOWN_DIFFERENCES]
    assert unexplained == [], "\n".join(unexplained)
    assert set(problems) - set(unexplained) == KNOWN_DIFFERENCES


def test_the_pages_the_issue_found_answer_head_with_200(head_catalogue, client):
    artifact = head_catalogue[0]
    cycle = Cycle.objects.order_by("pk").first()
    assert cycle is not None
    for url in (
        reverse("artifacts:detail", args=[artifact.slug]),
        reverse("artifacts:cite-bibtex", args=[artifact.slug]),
        reverse("artifacts:cite-cff", args=[artifact.slug]),
        reverse("artifacts:feed-deadlines"),
        reverse("artifacts:feed-cycle-deadlines", args=[cycle.pk]),
        reverse("artifacts:feed-atom"),
        reverse("artifacts:feed-rss"),
        reverse("artifacts:open-data-file", args=["deadlines.ics"]),
        reverse("numbers"),
        reverse("healthz"),
        reverse("reminders:subscribe"),
    ):
        answer = _ask(client, "HEAD", url, SimpleCookie())
        assert answer.status == 200, url
        assert answer.content == b"", url
        assert int(answer.headers["content-length"]) > 0, url  # the length GET's content has


def test_a_view_that_refuses_head_fails_the_comparison(head_catalogue, client, settings):
    """The check itself: a GET-only view is reported (so a URL added later with
    ``require_GET`` cannot pass)."""
    from django.urls import path
    from django.views.decorators.http import require_GET

    @require_GET
    def get_only(request):
        from django.http import HttpResponse

        return HttpResponse("only GET")

    urlconf = type("urlconf", (), {"urlpatterns": [path("get-only/", get_only)]})
    settings.ROOT_URLCONF = urlconf
    assert _compare(client, "/get-only/") == ["/get-only/: HEAD 405, GET 200"]


def test_post_only_and_unknown_methods_are_still_refused(head_catalogue, client):
    """require_safe lets HEAD in, not writes: the public pages still refuse POST."""
    artifact = head_catalogue[0]
    for url in (
        reverse("artifacts:detail", args=[artifact.slug]),
        reverse("artifacts:cite-bibtex", args=[artifact.slug]),
        reverse("artifacts:feed-deadlines"),
        reverse("artifacts:feed-atom"),
        reverse("artifacts:feed-rss"),
        reverse("numbers"),
        reverse("healthz"),
    ):
        response = client.post(url)
        assert response.status_code == 405, url
        assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}, url
