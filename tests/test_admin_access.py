"""Who may open which admin page: every URL of every registered model (found from the admin
site itself, so a new model or view is walked too), the dashboard and its chart CSVs, the
autocompletes and "View on site", as staff without permissions, as staff who may only view,
and as a member of Program staff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db.models import Model
from django.test import RequestFactory
from django.urls import URLPattern, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from artifacts.models import (
    Artifact,
    ArtifactLink,
    ArtifactRevision,
    CheckOutcome,
    DiscoveryRun,
    FairnessDimension,
    LinkCheck,
    LinkState,
    Publication,
    ReviewDecision,
    Submission,
    Suggestion,
    Task,
)
from fairprog.portfolio.staff_charts import STAFF_CHARTS
from proposals.models import (
    Attachment,
    Award,
    ConflictDeclaration,
    Cycle,
    Deadline,
    ImportRun,
    Organization,
    PanelSummary,
    Person,
    Program,
    ProgramElement,
    Proposal,
    ReminderDelivery,
    ReminderSubscription,
    Review,
    ReviewAssignment,
    ReviewerProfile,
)
from proposals.services.notes import attachment_add, note_add
from tests.artifacts.factories import ArtifactFactory
from tests.conftest import program_staff_group
from tests.discovery.factories import DiscoveryRunFactory, PublicationFactory, SuggestionFactory
from tests.proposals.factories import (
    AwardFactory,
    CycleFactory,
    DeadlineFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
    ProposalFactory,
    ReminderSubscriptionFactory,
)

pytestmark = pytest.mark.django_db

PERSONAS = ["no_permissions", "view_only", "program_staff"]
SECRET_TITLE = "Confidential draft on fair lending"


def _persona(name: str) -> User:
    user = User.objects.create(username=name, email=f"{name}@example.org", is_staff=True)
    if name == "view_only":
        user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    elif name == "program_staff":
        user.groups.add(program_staff_group())
    return User.objects.get(pk=user.pk)  # a fresh permission cache


# --- One real row of every registered model -----------------------------------------


def _rows():
    """A row of each model, keyed by its concrete model."""
    program = ProgramFactory()
    cycle = CycleFactory(program=program)
    deadline = DeadlineFactory(cycle=cycle)
    proposal = ProposalFactory(cycle=cycle, title=SECRET_TITLE)
    award = AwardFactory(program=program, cycle=cycle)
    artifact = ArtifactFactory(award=award, status=Artifact.Status.DRAFT, published_at=None)
    link = ArtifactLink.objects.create(
        artifact=artifact,
        role=ArtifactLink.Role.LANDING,
        url=artifact.landing_url,
        host="example.org",
        state=LinkState.OK,
    )
    now = timezone.now()
    someone = User.objects.create_user("someone", "someone@example.org", "pw")
    attempt = {"user_agent": "test", "ip_address": "192.0.2.1", "username": "someone"}
    attempt |= {"http_accept": "*/*", "path_info": "/admin/login/"}
    reviewed = ProposalFactory(cycle=cycle, title=SECRET_TITLE)
    reviewer = ReviewerProfile.objects.create(person=PersonFactory(), expertise=["fairness"])
    # Notes and files on a proposal of their own: the proposal row's pages stay as they were.
    attached = ProposalFactory(cycle=cycle, title=SECRET_TITLE)
    author = User.objects.create_user("author", "author@example.org", "pw", is_staff=True)
    note_add(target=attached, author=author, text=SECRET_TITLE)
    pdf = ContentFile(b"%PDF-1.4\n%%EOF\n", name="budget.pdf")
    rows = {
        Group: Group.objects.create(name="Reviewers"),
        User: someone,
        Token: Token.objects.create(user=someone),
        AccessAttempt: AccessAttempt.objects.create(
            **attempt, get_data="", post_data="", failures_since_start=1
        ),
        AccessLog: AccessLog.objects.create(**attempt),
        AccessFailureLog: AccessFailureLog.objects.create(**attempt),
        Organization: OrganizationFactory(),
        Person: PersonFactory(),
        ProgramElement: ProgramElement.objects.create(code="114Y", name="Fairness in AI"),
        Program: program,
        Cycle: cycle,
        Deadline: deadline,
        Proposal: proposal,
        Award: award,
        ImportRun: ImportRun.objects.create(
            program=program, filename="awards.xml", status=ImportRun.Status.FAILED
        ),
        ReminderDelivery: ReminderDelivery.objects.create(
            deadline=deadline,
            recipient="person:1",
            email="pi@example.edu",
            time_zone="America/New_York",
            offset_days=7,
            due_at=deadline.due_at,
            send_at=deadline.due_at - dt.timedelta(days=7),
        ),
        ReminderSubscription: ReminderSubscriptionFactory(program=program),
        Artifact: artifact,
        FairnessDimension: FairnessDimension.objects.first(),
        Task: Task.objects.first(),
        ArtifactLink: link,
        LinkCheck: LinkCheck.objects.create(
            link=link, checked_at=now, url=link.url, outcome=CheckOutcome.OK, status_code=200
        ),
        Suggestion: SuggestionFactory(award=award),
        Publication: PublicationFactory(award=award),
        DiscoveryRun: DiscoveryRunFactory(),
        Submission: ArtifactFactory(
            award=award, status=Artifact.Status.SUBMITTED, published_at=None, submitted_at=now
        ),
        ArtifactRevision: ArtifactRevision.objects.create(
            artifact=artifact, proposed_by=someone, fields={"version": "2.0"}
        ),
        ReviewDecision: ReviewDecision.objects.create(
            artifact=artifact, decision="changes", message="Add a licence.", decided_by=someone
        ),
        ReviewerProfile: reviewer,
        ReviewAssignment: ReviewAssignment.objects.create(proposal=reviewed, reviewer=reviewer),
        Review: Review.objects.create(
            assignment=ReviewAssignment.objects.create(
                proposal=ProposalFactory(cycle=cycle, title=SECRET_TITLE),
                reviewer=ReviewerProfile.objects.create(person=PersonFactory()),
            ),
            overall="E",
            summary=SECRET_TITLE,
        ),
        ConflictDeclaration: ConflictDeclaration.objects.create(
            proposal=reviewed, reviewer=reviewer, reason="A former student"
        ),
        PanelSummary: PanelSummary.objects.create(proposal=reviewed, summary=SECRET_TITLE),
        Attachment: attachment_add(target=attached, uploaded_by=author, upload=pdf),
    }
    # A proxy (the submitted artifacts) keeps its own row: its pages show only its rows.
    return {
        (model if model._meta.proxy else model._meta.concrete_model or model): row
        for model, row in rows.items()
    }


def _row_of(model: type[Model], rows: dict[type[Model], Model]) -> Model:
    row = rows.get(model) or rows.get(model._meta.concrete_model or model)
    assert row is not None, (
        f"{model._meta.label} is registered in the admin: give it a row in _rows() so its "
        "pages are walked"
    )
    return row


def test_every_registered_model_has_a_row_to_walk():
    rows = _rows()
    for model in admin.site._registry:
        _row_of(model, rows)


# --- What each admin URL needs ---------------------------------------------------------


@dataclass(frozen=True)
class Page:
    kind: str  # changelist, add, change, ... (the URL name after "<app>_<model>_")
    url: str
    model: type[Model]


def _args_of(pattern: URLPattern) -> int:
    return int(pattern.pattern.regex.groups)


def _object_id(row: Model) -> str:
    # DRF's token admin finds a token by its user's id.
    return quote(row.user_id if isinstance(row, Token) else row.pk)


def _model_pages(model: type[Model], row: Model) -> list[Page]:
    model_admin = admin.site._registry[model]
    opts = model._meta
    prefix = f"{opts.app_label}_{opts.model_name}_"
    history = getattr(row, "history", None)
    version = history.first().history_id if history is not None else None
    pages = []
    for pattern in model_admin.get_urls():
        if pattern.name is None:  # Django's bare "<id>/", a redirect to the change page
            url = reverse(f"admin:{prefix}changelist") + f"{_object_id(row)}/"
            pages.append(Page("redirect", url, model))
            continue
        args = [_object_id(row), version][: _args_of(pattern)]
        url = reverse(f"admin:{pattern.name}", args=args)
        pages.append(Page(pattern.name.removeprefix(prefix), url, model))
    # Delete last: a permitted POST to it removes the row the other pages show.
    return sorted(pages, key=lambda page: page.kind == "delete")


class Rights:
    """What a user may do with one model: the admin's own policy (asked as a superuser:
    some admins allow no adding or changing at all) and the user's permissions."""

    def __init__(self, user: User, model: type[Model]) -> None:
        self.user = user
        self.model = model
        self.model_admin = admin.site._registry[model]
        superuser = RequestFactory().get("/")
        superuser.user = User(is_superuser=True, is_staff=True, is_active=True)
        self.superuser = superuser

    def holds(self, action: str) -> bool:
        opts = self.model._meta
        if opts.label_lower in REVIEW_QUEUE:  # the review permission opens these, alone
            return self.user.has_perm("artifacts.review_submissions")
        return self.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")

    def may(self, action: str) -> bool:
        policy = getattr(self.model_admin, f"has_{action}_permission")
        return bool(policy(self.superuser)) and self.holds(action)

    def may_view(self) -> bool:
        return self.may("view") or self.may("change")

    def deleting(self, row: Model) -> set[int]:
        """What a confirmed delete answers: deleting a record deletes what depends on it,
        which the user must be allowed to delete too (else 403); records that others
        protect are listed instead (200); a delete redirects (302)."""
        if not self.may("delete"):
            return {403}
        request = RequestFactory().post("/")
        request.user = self.user
        _, _, perms_needed, protected = self.model_admin.get_deleted_objects([row], request)
        if protected:
            return {200}
        return {403} if perms_needed else {302}


# What deciding on a panel takes: reading the reviews, writing the panel's summary and moving
# the proposal.
PANEL_DECIDES = [
    "proposals.view_review",
    "proposals.change_panelsummary",
    "proposals.change_proposal",
]

# Page kind -> (what a GET needs, what a POST needs). A page that is not listed needs the
# view permission to read and the change permission to write. A POST to a delete page
# also needs the permission to delete what depends on the record.
NEEDS: dict[str, tuple[Callable[[Rights], bool], Callable[[Rights], bool]]] = {
    "changelist": (Rights.may_view, Rights.may_view),
    "add": (lambda r: r.may("add"), lambda r: r.may("add")),
    "change": (Rights.may_view, lambda r: r.may("change")),
    "delete": (lambda r: r.may("delete"), lambda r: r.may("delete")),
    "history": (Rights.may_view, Rights.may_view),
    # django-simple-history's page of one version; a POST to it reverts the record.
    "simple_history": (Rights.may_view, lambda r: r.may("change")),
    # IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view": the view permission itself.
    "export": (lambda r: r.holds("view"), lambda r: r.holds("view")),
    "password_change": (lambda r: r.may("change"), lambda r: r.may("change")),
    # Runs an import again: a new run (POST only).
    "run_again": (lambda r: False, lambda r: r.may("add")),
    # Imports one award the run skipped as another program's (POST only).
    "import_anyway": (lambda r: False, lambda r: r.may("add")),
    # E-mails the award's PI a sign-in link (POST only).
    "send_signin_link": (lambda r: False, lambda r: r.may("change")),
    # Assigns reviewers for a whole cycle.
    "bulk": (lambda r: r.may("add"), lambda r: r.may("add")),
    # A cycle's panel (reviews' ratings) and its export; a POST writes the panel's summary
    # and recommendation, which moves the proposal.
    "panel": (
        lambda r: r.may_view() and r.user.has_perm("proposals.view_review"),
        lambda r: r.may_view() and r.user.has_perms(PANEL_DECIDES),
    ),
}
# A refused GET may also be "method not allowed" on a POST-only page: no data either way.
REFUSED = {"GET": {403, 405}, "POST": {403}}


def _post_data(page: Page) -> list[dict[str, Any]]:
    """What to POST to a page: a confirmed delete, an export in every format, or nothing
    (an add or change form posted empty answers with its errors)."""
    if page.kind == "delete":
        return [{"post": "yes"}]
    if page.kind == "export":
        model_admin: Any = admin.site._registry[page.model]
        formats = model_admin.get_export_formats()
        form = model_admin.get_export_form_class()(
            formats, model_admin.get_export_resource_classes(None)
        )
        # Every column of the first resource, as its checkboxes would send them.
        columns = [name for name, field in form.fields.items() if hasattr(field, "resource_index")]
        return [
            {"format": str(index), "resource": "0", **dict.fromkeys(columns, "on")}
            for index, _ in enumerate(formats)
        ]
    return [{}]


def _walk(client: Any, user: User, rows: dict[type[Model], Model]) -> list[str]:
    """Every model page, GET then POST; the differences from what the user may do."""
    wrong = []
    for model in admin.site._registry:
        rights = Rights(user, model)
        row = _row_of(model, rows)
        for page in _model_pages(model, row):
            if page.kind == "redirect":
                response = client.get(page.url)
                if response.status_code != 302:
                    wrong.append(f"GET {page.url}: {response.status_code}, not a redirect")
                continue
            read, write = NEEDS.get(page.kind, (Rights.may_view, lambda r: r.may("change")))
            for method, allowed, payloads in (
                ("GET", read(rights), [{}]),
                ("POST", write(rights), _post_data(page)),
            ):
                for data in payloads:
                    expected = REFUSED[method]
                    if allowed:
                        expected = {200} if method == "GET" else {200, 302}
                    if allowed and method == "POST" and page.kind == "delete":
                        expected = rights.deleting(row)
                    send = client.get if method == "GET" else client.post
                    status = send(page.url, data).status_code
                    if status not in expected:
                        fmt = f" format {data['format']}" if "format" in data else ""
                        wrong.append(
                            f"{method} {page.url}{fmt}: {status}, expected {sorted(expected)}"
                        )
    return wrong


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_admin_page_of_every_model_answers_as_the_permissions_say(client, persona):
    rows = _rows()
    user = _persona(persona)
    client.force_login(user)
    wrong = _walk(client, user, rows)
    assert not wrong, "\n".join(wrong)


def test_staff_without_permissions_are_refused_every_model_page(client):
    rows = _rows()
    client.force_login(_persona("no_permissions"))
    for model in admin.site._registry:
        for page in _model_pages(model, _row_of(model, rows)):
            if page.kind == "redirect":
                continue
            assert client.get(page.url).status_code in REFUSED["GET"], page.url
            assert client.post(page.url, {"post": "yes"}).status_code == 403, page.url
    assert Proposal.objects.filter(title=SECRET_TITLE).exists()  # nothing was deleted


def test_program_staff_export_every_format_of_every_exported_model(client):
    rows = _rows()
    client.force_login(_persona("program_staff"))
    exported = [m for m, a in admin.site._registry.items() if hasattr(a, "export_action")]
    assert {m._meta.model_name for m in exported} >= {"proposal", "deadline", "artifact", "award"}
    for model in exported:
        page = next(p for p in _model_pages(model, _row_of(model, rows)) if p.kind == "export")
        for data in _post_data(page):
            response = client.post(page.url, data)
            assert response.status_code == 200, (page.url, data["format"])
            assert response["Content-Disposition"].startswith("attachment"), page.url


def test_a_view_only_user_cannot_revert_a_record_from_its_history(client):
    proposal = ProposalFactory(title="Before")
    proposal.title = "After"
    proposal.save()
    first = proposal.history.order_by("history_id").first()
    client.force_login(_persona("view_only"))
    url = reverse("admin:proposals_proposal_simple_history", args=[proposal.pk, first.history_id])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "cycle": proposal.cycle_id,
            "title": "Before",
            "lead_institution": proposal.lead_institution_id,
            "requested_amount": "1",
            "_change_history": "1",
        },
    )
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.title == "After"


# --- Admin actions ---------------------------------------------------------------------

# (model label, action) -> the permissions it needs, all of them. An action not listed
# needs the permission to delete (Django's "delete selected") or to change the records.
REVIEW_QUEUE = {"artifacts.submission", "artifacts.artifactrevision", "artifacts.reviewdecision"}
ACTION_NEEDS = {
    **{
        (model, action): {"artifacts.review_submissions"}
        for model in ("artifacts.Submission", "artifacts.ArtifactRevision")
        for action in ("approve", "request_changes", "reject")
    },
    ("proposals.ImportRun", "run_again"): {"proposals.add_importrun"},  # a new run
    ("proposals.Proposal", "award"): {"proposals.change_proposal", "proposals.add_award"},
    ("artifacts.Artifact", "check_links_now"): {"artifacts.change_artifactlink"},
    ("artifacts.Suggestion", "accept"): {
        "artifacts.change_suggestion",
        "artifacts.add_artifact",
        "artifacts.add_publication",
    },
    ("artifacts.ArtifactLink", "accept_proposed"): {
        "artifacts.change_artifactlink",
        "artifacts.change_artifact",
    },
}


def _action_needs(model: type[Model], action: str) -> set[str]:
    opts = model._meta
    default = "delete" if action == "delete_selected" else "change"
    return ACTION_NEEDS.get(
        (opts.label, action), {f"{opts.app_label}.{get_permission_codename(default, opts)}"}
    )


def _user_with(name: str, permissions: set[str]) -> User:
    """A staff user who may view everything and holds ``permissions`` besides."""
    user, _ = User.objects.get_or_create(username=name, defaults={"is_staff": True})
    granted = list(Permission.objects.filter(codename__startswith="view_"))
    for label in permissions:
        app_label, codename = label.split(".")
        granted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    user.user_permissions.set(granted)
    return User.objects.get(pk=user.pk)  # a fresh permission cache


def _offered(user: User, model: type[Model]) -> set[str]:
    request = RequestFactory().get("/")
    request.user = user
    return set(admin.site._registry[model].get_actions(request))


def test_every_admin_action_is_offered_only_with_every_permission_it_needs():
    superuser = User(is_superuser=True, is_staff=True, is_active=True)
    checked = 0
    for model in admin.site._registry:
        for action in _offered(superuser, model):
            needs = _action_needs(model, action)
            holder = _user_with("actor", needs)
            assert action in _offered(holder, model), (model, action, needs)
            for missing in needs:
                lacking = _user_with("actor", needs - {missing})
                assert action not in _offered(lacking, model), (model, action, missing)
            checked += 1
    assert checked >= 10


def test_the_award_action_does_not_run_without_the_permission_to_add_awards(client):
    proposal = ProposalFactory(cycle=CycleFactory(status=Cycle.Status.OPEN))
    user = _user_with("awarder", {"proposals.change_proposal"})
    client.force_login(user)
    client.post(
        reverse("admin:proposals_proposal_changelist"),
        {"action": "award", "_selected_action": [proposal.pk], "award_number": "2040999"},
    )
    assert not proposal.cycle.program.awards.filter(award_number="2040999").exists()


# --- The site's own pages: dashboard, chart CSVs, autocompletes, "View on site" ---------


def test_the_dashboard_shows_staff_without_permissions_no_figure_chart_or_title(client):
    _rows()
    client.force_login(_persona("no_permissions"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["figures"] == []
    assert response.context["charts"] == []
    text = response.content.decode()
    assert SECRET_TITLE not in text
    assert "Proposals under review" not in text
    assert "Next deadline" not in text


def test_the_dashboard_names_the_next_deadline_only_to_those_who_may_view_deadlines(client):
    _rows()
    client.force_login(_cycle_viewer())
    figures = client.get(reverse("admin:index")).context["figures"]
    assert [figure.key for figure in figures] == ["open_cycles"]
    assert figures[0].detail == ""


def _cycle_viewer() -> User:
    user = User.objects.create(username="cycle-viewer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_cycle"))
    return user


def test_the_dashboard_shows_program_staff_every_figure_and_chart(client):
    _rows()
    client.force_login(_persona("program_staff"))
    response = client.get(reverse("admin:index"))
    assert len(response.context["figures"]) == 7
    assert response.context["figures"][0].detail.startswith("Next deadline in")
    assert len(response.context["charts"]) == len(STAFF_CHARTS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_chart_csv_needs_the_permission_of_its_records(client, persona):
    _rows()
    user = _persona(persona)
    client.force_login(user)
    for key, (_, permission) in STAFF_CHARTS.items():
        response = client.get(reverse("admin:index"), {"chart": key, "format": "csv"})
        if user.has_perm(permission):
            assert response.status_code == 200, key
            assert response["Content-Type"].startswith("text/csv"), key
        else:
            assert response.status_code == 403, key
    if persona == "no_permissions":
        assert not any(user.has_perm(permission) for _, permission in STAFF_CHARTS.values())


def _autocompletes() -> list[tuple[type[Model], str, type[Model]]]:
    """(source model, field, model searched) of every autocomplete in the admin."""
    found = []
    for model, model_admin in admin.site._registry.items():
        owners = [(model, model_admin)] + [(inline.model, inline) for inline in model_admin.inlines]
        for source, owner in owners:
            for name in owner.autocomplete_fields:
                field: Any = source._meta.get_field(name)
                remote = field.remote_field.model
                found.append((source, name, remote))
    return found


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_autocomplete_needs_the_permission_to_view_what_it_lists(client, persona):
    _rows()
    user = _persona(persona)
    client.force_login(user)
    found = _autocompletes()
    assert len(found) >= 10
    for source, name, remote in found:
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": source._meta.app_label,
                "model_name": source._meta.model_name,
                "field_name": name,
                "term": "",
            },
        )
        allowed = Rights(user, remote).may_view() and persona != "no_permissions"
        assert response.status_code == (200 if allowed else 403), (source, name)


@pytest.mark.parametrize("persona", PERSONAS)
def test_view_on_site_answers_only_those_who_may_view_the_record(client, persona):
    rows = _rows()
    user = _persona(persona)
    client.force_login(user)
    for model in admin.site._registry:
        row = _row_of(model, rows)
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        url = reverse("admin:view_on_site", args=[content_type.pk, row.pk])
        status = client.get(url).status_code
        if Rights(user, model).may_view():
            assert status in (302, 404), url  # 404: the model has no page of its own
        else:
            assert status == 403, url


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_app_page_lists_only_what_the_user_may_view(client, persona):
    rows = _rows()
    user = _persona(persona)
    client.force_login(user)
    for app_label in {model._meta.app_label for model in admin.site._registry}:
        visible = [
            model
            for model in admin.site._registry
            if model._meta.app_label == app_label and Rights(user, model).may_view()
        ]
        response = client.get(reverse("admin:app_list", args=[app_label]))
        assert response.status_code == (200 if visible else 404), app_label
        if not visible:
            continue
        assert SECRET_TITLE not in response.content.decode()
    assert rows  # the walk had rows to find


# Site-level URL names and what guards them: the tests above walk each one.
SITE_URLS = {
    "index": "the dashboard: figures and charts by permission, chart CSVs",
    "app_list": "lists only the models the user may view",
    "autocomplete": "needs the view permission of the model searched",
    "view_on_site": "needs the view permission of the record",
    "login": "public by design",
    "logout": "the user's own session",
    "password_change": "the user's own password",
    "password_change_done": "the user's own password",
    "jsi18n": "translations, no data",
}


def test_every_site_url_is_one_the_tests_walk():
    names = {
        url.name
        for url in admin.site.get_urls()
        if isinstance(url, URLPattern) and url.name is not None
    }
    assert names <= set(SITE_URLS), f"walk {names - set(SITE_URLS)} in this module"
