"""The staff side of merit review in the admin: one-by-one assignment (refused naming each
conflict, or overridden with a recorded reason), bulk assignment for a cycle, the panel
(ratings, mean and spread, conflicts flagged, summary, recommend or decline through the
proposal workflow), reopening a review, the ratings export, and who may see any of it."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from proposals.models import (
    ConflictDeclaration,
    Deadline,
    PanelSummary,
    Proposal,
    Review,
    ReviewAssignment,
    ReviewerProfile,
)
from proposals.services.researchers import researcher_user
from tests.proposals.factories import (
    CycleFactory,
    PersonFactory,
    ProposalFactory,
    ProposalInvestigatorFactory,
)

pytestmark = pytest.mark.django_db

ADD = reverse("admin:proposals_reviewassignment_add")
BULK = reverse("admin:proposals_reviewassignment_bulk")
PANEL = reverse("admin:proposals_reviewassignment_panel")


def _reviewer(family: str = "Viewer", **kwargs: Any) -> ReviewerProfile:
    person: Any = PersonFactory(given_name="Rae", family_name=family)
    return ReviewerProfile.objects.create(person=person, **kwargs)


def _proposal(cycle: Any, **kwargs: Any) -> Any:
    return ProposalFactory(cycle=cycle, status=Proposal.Status.UNDER_REVIEW, **kwargs)


def _review(proposal: Proposal, reviewer: ReviewerProfile, ratings: str, **kwargs: Any) -> Review:
    assignment = ReviewAssignment.objects.create(proposal=proposal, reviewer=reviewer)
    merit, impacts, overall = list(ratings)
    return Review.objects.create(
        assignment=assignment,
        intellectual_merit=merit,
        broader_impacts=impacts,
        overall=overall,
        summary="Sound plan.",
        status=kwargs.pop("status", Review.Status.SUBMITTED),
        submitted_at=timezone.now(),
        **kwargs,
    )


@pytest.fixture
def panel() -> dict[str, Any]:
    """A cycle with two proposals under review: one rated by three reviewers, one by a
    reviewer assigned despite a conflict, plus a declared conflict."""
    cycle = CycleFactory()
    first, second = _proposal(cycle, title="Fair credit scoring"), _proposal(cycle)
    ada, bo, cy = _reviewer("Ada"), _reviewer("Bo"), _reviewer("Cy")
    _review(first, ada, "EVE")
    _review(first, bo, "VGG")
    _review(first, cy, "GGV", status=Review.Status.DRAFT)
    ReviewAssignment.objects.create(
        proposal=second,
        reviewer=bo,
        overridden_conflicts=[{"rule": "institution", "reason": "works at Uni, as a PI does"}],
        override_reason="Different department, no shared work.",
    )
    ConflictDeclaration.objects.create(proposal=second, reviewer=ada, reason="my former student")
    return {"cycle": cycle, "first": first, "second": second, "ada": ada, "bo": bo, "cy": cy}


# --- One by one ---------------------------------------------------------------------------


def test_an_assignment_in_conflict_is_refused_naming_each_reason(staff_client):
    proposal = _proposal(CycleFactory())
    reviewer = _reviewer()
    ProposalInvestigatorFactory(proposal=proposal, person=reviewer.person)
    ConflictDeclaration.objects.create(proposal=proposal, reviewer=reviewer, reason="a friend")
    response = staff_client.post(
        ADD, {"proposal": proposal.pk, "reviewer": reviewer.pk, "due_date": "2031-05-01"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "In conflict: is an investigator on the proposal." in errors["reviewer"]
    assert "In conflict: declared a conflict: a friend." in errors["reviewer"]
    assert errors["override_reason"] == ["To assign this reviewer anyway, give the reason."]
    assert response.context["form"]["due_date"].value() == "2031-05-01"  # kept as typed
    assert not ReviewAssignment.objects.exists()
    assert not Deadline.objects.filter(kind=Deadline.Kind.REVIEW_DUE).exists()


def test_staff_assign_anyway_with_a_reason_which_is_recorded_and_shown_on_the_panel(
    staff_client, staff_user
):
    proposal = _proposal(CycleFactory())
    reviewer = _reviewer()
    ConflictDeclaration.objects.create(proposal=proposal, reviewer=reviewer, reason="a friend")
    response = staff_client.post(
        ADD,
        {
            "proposal": proposal.pk,
            "reviewer": reviewer.pk,
            "due_date": "2031-05-01",
            "override_reason": "Only expert on this method.",
        },
    )
    assert response.status_code == 302
    assignment = ReviewAssignment.objects.get()
    assert assignment.override_reason == "Only expert on this method."
    assert assignment.overridden_conflicts == [
        {"rule": "declared", "reason": "declared a conflict: a friend"}
    ]
    assert assignment.assigned_by == staff_user
    assert assignment.due is not None
    assert assignment.due.visibility == Deadline.Visibility.STAFF
    assert LogEntry.objects.filter(object_id=str(assignment.pk)).exists()
    page = staff_client.get(PANEL, {"cycle": proposal.cycle_id}).content.decode()
    assert "Only expert on this method." in page
    assert "declared a conflict: a friend" in page


def test_the_proposal_page_links_to_assigning_and_lists_its_reviewers(staff_client):
    proposal = _proposal(CycleFactory())
    reviewer = _reviewer("Ada")
    ReviewAssignment.objects.create(proposal=proposal, reviewer=reviewer)
    page = staff_client.get(reverse("admin:proposals_proposal_change", args=[proposal.pk]))
    text = page.content.decode()
    assert f"{ADD}?proposal={proposal.pk}" in text
    assert "Rae Ada" in text
    form = staff_client.get(ADD, {"proposal": proposal.pk}).context["form"]
    assert str(form["proposal"].value()) == str(proposal.pk)
    assert staff_client.get(ADD, {"proposal": "1\x00"}).status_code == 400  # NUL: refused


def test_an_assignment_is_not_edited_after_it_is_made(staff_client):
    assignment = ReviewAssignment.objects.create(
        proposal=_proposal(CycleFactory()), reviewer=_reviewer()
    )
    url = reverse("admin:proposals_reviewassignment_change", args=[assignment.pk])
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"override_reason": "x"}).status_code == 403


# --- In bulk ------------------------------------------------------------------------------


def test_bulk_assignment_reports_what_was_made_the_short_and_the_conflicts_avoided(
    staff_client,
):
    cycle = CycleFactory()
    first, second = _proposal(cycle, title="Fairness audits"), _proposal(cycle, title="Other")
    ada, bo = _reviewer("Ada"), _reviewer("Bo")
    ProposalInvestigatorFactory(proposal=second, person=ada.person)
    assert staff_client.get(BULK).status_code == 200
    response = staff_client.post(
        BULK,
        {"cycle": cycle.pk, "per_proposal": 2, "per_reviewer": 5, "due_date": "2031-06-01"},
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert len(result.made) == 3
    assert result.conflicts_avoided == 1
    assert response.context["short"] == [(second, 1)]
    text = response.content.decode()
    assert "3</strong> assignments made" in text
    assert "1</strong> conflict of interest avoided" in text
    due = Deadline.objects.get(kind=Deadline.Kind.REVIEW_DUE)
    assert set(ReviewAssignment.objects.values_list("due", flat=True)) == {due.pk}
    assert not ReviewAssignment.objects.filter(proposal=second, reviewer=ada).exists()
    assert first.assignments.count() == 2
    assert bo.assignments.count() == 2


def test_a_bad_bulk_form_keeps_what_was_typed_and_names_each_error(staff_client):
    response = staff_client.post(
        BULK, {"cycle": "999999", "per_proposal": "0", "per_reviewer": "x\x00", "due_date": "y"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"cycle", "per_proposal", "per_reviewer", "due_date"}
    assert form["per_proposal"].value() == "0"
    assert not ReviewAssignment.objects.exists()


# --- The panel ----------------------------------------------------------------------------


def test_the_panel_shows_ratings_mean_spread_and_flags_conflicts(staff_client, panel):
    response = staff_client.get(PANEL, {"cycle": panel["cycle"].pk})
    assert response.status_code == 200
    rows = {row.proposal.pk: row for row in response.context["rows"]}
    first, second = rows[panel["first"].pk], rows[panel["second"].pk]
    assert first.points == [5, 3]  # Ada's Excellent, Bo's Good; Cy's draft does not count
    assert (first.mean, first.spread) == (4.0, 2)
    assert [r.overall for r in first.reviews] == ["Excellent", "Good", ""]
    assert (second.mean, second.spread) == (None, None)
    assert second.reviews[0].flags == [
        "assigned despite: works at Uni, as a PI does "
        "(reason: Different department, no shared work.)"
    ]
    assert second.declared == ["Rae Ada declared: my former student"]
    text = response.content.decode()
    for shown in ("Very good", "Excellent", "Different department", "my former student"):
        assert shown in text
    assert "Sound plan." not in text  # the review's text stays on the review's own page


def test_the_panel_query_count_does_not_grow_with_proposals(staff_client, panel):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(PANEL, {"cycle": panel["cycle"].pk}).status_code == 200
        return len(queries)

    few = count()
    for n in range(4):
        proposal = _proposal(panel["cycle"])
        _review(proposal, _reviewer(f"Extra{n}"), "GGG")
        ConflictDeclaration.objects.create(proposal=proposal, reviewer=panel["ada"], reason="x")
    assert count() == few
    assert few <= 16


def test_recommend_saves_the_summary_and_moves_the_proposal(staff_client, staff_user, panel):
    proposal = panel["first"]
    response = staff_client.post(
        PANEL,
        {
            "cycle": panel["cycle"].pk,
            "proposal": proposal.pk,
            "summary": "Strong, well planned.",
            "decision": "recommend",
        },
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.RECOMMENDED
    summary = PanelSummary.objects.get(proposal=proposal)
    assert (summary.summary, summary.recommendation) == ("Strong, well planned.", "recommend")
    assert summary.updated_by == staff_user
    assert proposal.history.first().history_change_reason == "Under review → Recommended"


def test_decline_moves_a_submitted_proposal_through_review(staff_client, panel):
    proposal = panel["second"]
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.SUBMITTED)
    data = {"cycle": panel["cycle"].pk, "proposal": proposal.pk, "decision": "decline"}
    assert staff_client.post(PANEL, data).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DECLINED
    # The workflow refuses a second move, and the panel says why, keeping the summary typed.
    response = staff_client.post(PANEL, {**data, "decision": "recommend", "summary": "Redo"})
    assert response.status_code == 400
    (row,) = [row for row in response.context["rows"] if row.proposal.pk == proposal.pk]
    errors = row.form.non_field_errors()
    assert "Cannot recommend proposal" in errors[0]
    assert "Redo" in response.content.decode()
    assert PanelSummary.objects.get(proposal=proposal).recommendation == "decline"


def test_saving_only_the_summary_leaves_the_status(staff_client, panel):
    data = {"cycle": panel["cycle"].pk, "proposal": panel["first"].pk, "decision": "save"}
    assert staff_client.post(PANEL, {**data, "summary": "Draft notes"}).status_code == 302
    panel["first"].refresh_from_db()
    assert panel["first"].status == Proposal.Status.UNDER_REVIEW
    assert PanelSummary.objects.get().summary == "Draft notes"


def test_a_bad_summary_keeps_what_was_typed_and_names_the_error(staff_client, panel):
    data = {"cycle": panel["cycle"].pk, "proposal": panel["first"].pk, "decision": "recommend"}
    response = staff_client.post(PANEL, {**data, "summary": "Typed text \x00 here"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert "Typed text" in response.content.decode()
    response = staff_client.post(PANEL, {**data, "summary": "x" * 20_001})
    assert response.status_code == 400
    assert "at most 20000 characters" in response.content.decode()
    panel["first"].refresh_from_db()
    assert panel["first"].status == Proposal.Status.UNDER_REVIEW
    assert not PanelSummary.objects.exists()


@pytest.mark.parametrize("forged", ["999999", "-1", "1\x00", "9" * 40, "abc"])
def test_forged_ids_on_the_panel_are_refused_not_errors(staff_client, panel, forged):
    cycle = panel["cycle"].pk
    # A NUL in the address is refused before any view; elsewhere, the cycle chooser.
    chooser = 400 if "\x00" in forged else 200
    assert staff_client.get(PANEL, {"cycle": forged}).status_code == chooser
    data = {"cycle": cycle, "proposal": forged, "decision": "save"}
    assert staff_client.post(PANEL, data).status_code == 404
    other = ProposalFactory(status=Proposal.Status.UNDER_REVIEW)  # another cycle's
    assert staff_client.post(PANEL, {**data, "proposal": other.pk}).status_code == 404
    assert staff_client.post(PANEL, {"cycle": forged}).status_code == 200
    assert not PanelSummary.objects.exists()


# --- Reviews ------------------------------------------------------------------------------


def test_staff_reopen_a_submitted_review_recorded_in_its_history(staff_client, panel):
    review = Review.objects.get(assignment__reviewer=panel["ada"])
    draft = Review.objects.get(status=Review.Status.DRAFT)
    response = staff_client.post(
        reverse("admin:proposals_review_changelist"),
        {"action": "reopen", "_selected_action": [review.pk, draft.pk]},
        follow=True,
    )
    review.refresh_from_db()
    assert (review.status, review.submitted_at) == (Review.Status.DRAFT, None)
    messages = [str(m) for m in response.context["messages"]]
    assert "1 review reopened." in messages
    assert any("only a submitted review is reopened" in m for m in messages)
    entry = LogEntry.objects.get(object_id=str(review.pk))
    assert entry.get_change_message() == "Reopened: a draft again."


def test_a_review_is_read_only_in_the_admin(staff_client, panel):
    review = Review.objects.get(assignment__reviewer=panel["ada"])
    url = reverse("admin:proposals_review_change", args=[review.pk])
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {"overall": "P"}).status_code == 403
    assert staff_client.get(reverse("admin:proposals_review_add")).status_code == 403


# --- Export -------------------------------------------------------------------------------


def test_the_ratings_export_to_csv_reads_back(staff_client, panel):
    response = staff_client.get(PANEL, {"cycle": panel["cycle"].pk, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    ada = next(row for row in rows if row["reviewer"] == "Rae Ada")
    assert ada["title"] == "Fair credit scoring"
    assert (ada["overall"], ada["overall points"], ada["proposal mean"]) == (
        "Excellent",
        "5",
        "4.0",
    )
    assert ada["proposal spread"] == "2"
    flagged = next(row for row in rows if row["conflicts flagged"].startswith("assigned despite"))
    assert "Different department" in flagged["conflicts flagged"]


def test_the_ratings_export_to_xlsx_is_formula_safe(staff_client, panel):
    Proposal.objects.filter(pk=panel["first"].pk).update(title='=HYPERLINK("http://x.test","y")')
    response = staff_client.get(PANEL, {"cycle": panel["cycle"].pk, "format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2] == "title"
    titles = {row[2] for row in rows[1:]}
    assert '\'=HYPERLINK("http://x.test","y")' in titles
    assert all(not str(cell).startswith("=") for row in rows for cell in row if cell)
    csv_text = staff_client.get(PANEL, {"cycle": panel["cycle"].pk, "format": "csv"}).content
    assert b"'=HYPERLINK" in csv_text


# --- Who may see it -----------------------------------------------------------------------


def _staff(name: str, *codenames: str) -> User:
    user = User.objects.create(username=name, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_staff_without_the_review_permissions_are_refused(client, panel):
    client.force_login(_staff("plain"))
    cycle = panel["cycle"].pk
    for url, params in ((PANEL, {"cycle": cycle}), (PANEL, {"cycle": cycle, "format": "csv"}),
                        (BULK, {}), (ADD, {}), (PANEL, {})):  # fmt: skip
        assert client.get(url, params).status_code == 403, (url, params)
    data = {"cycle": cycle, "proposal": panel["first"].pk, "decision": "recommend"}
    assert client.post(PANEL, data).status_code == 403
    assert client.post(BULK, {}).status_code == 403


def test_viewers_see_the_panel_but_cannot_decide(client, panel):
    client.force_login(_staff("viewer", "view_reviewassignment", "view_review"))
    cycle = panel["cycle"].pk
    page = client.get(PANEL, {"cycle": cycle})
    assert page.status_code == 200
    assert 'name="decision"' not in page.content.decode()
    assert client.get(PANEL, {"cycle": cycle, "format": "xlsx"}).status_code == 200
    data = {"cycle": cycle, "proposal": panel["first"].pk, "decision": "recommend"}
    assert client.post(PANEL, data).status_code == 403
    assert client.get(BULK).status_code == 403
    panel["first"].refresh_from_db()
    assert panel["first"].status == Proposal.Status.UNDER_REVIEW


def test_the_pi_signed_in_as_a_researcher_reaches_none_of_it(client, panel):
    pi = panel["first"].investigators.get().person
    client.force_login(researcher_user(pi), backend="sesame.backends.ModelBackend")
    for url in (PANEL, BULK, ADD, reverse("admin:proposals_review_changelist")):
        response = client.get(url, {"cycle": panel["cycle"].pk, "format": "csv"})
        assert response.status_code == 302, url
        assert "/login/" in response["Location"], url


def test_the_proposal_page_lists_reviewers_in_a_fixed_number_of_queries(staff_client):
    proposal = _proposal(CycleFactory())
    url = reverse("admin:proposals_proposal_change", args=[proposal.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(url).status_code == 200
        return len(queries)

    _review(proposal, _reviewer("First"), "GGG")
    count()  # the first request fills the content-type cache
    few = count()
    for n in range(5):
        _review(proposal, _reviewer(f"More{n}"), "EEE")
    assert count() == few
