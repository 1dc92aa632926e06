"""The staff review queue in the admin: submitted artifacts and edits waiting for review are
listed and decided (approve, request changes with a message, reject), each decision in the
artifact's history with who made it; only reviewers see any of it; constant query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

import artifacts.admin_submissions  # noqa: F401  (registered by artifacts.admin)
from artifacts.models import Artifact, ArtifactRevision, ReviewDecision
from artifacts.services.submissions import (
    artifact_submit,
    researcher_draft_create,
    revision_propose,
    submission_decide,
)
from proposals.models import AwardInvestigator
from proposals.services.researchers import researcher_user
from tests.artifacts.factories import ArtifactFactory
from tests.proposals.factories import AwardFactory, AwardInvestigatorFactory, PersonFactory

pytestmark = pytest.mark.django_db

SUBMISSIONS = reverse("admin:artifacts_submission_changelist")
EDITS = reverse("admin:artifacts_artifactrevision_changelist")
DECISIONS = reverse("admin:artifacts_reviewdecision_changelist")


@pytest.fixture
def reviewer(client: Any) -> User:
    user = User.objects.create_user("reviewer", "reviewer@program.example.gov", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="review_submissions"))
    client.force_login(user)
    return user


def _team(n: int = 0) -> dict[str, Any]:
    pi: Any = PersonFactory(
        given_name="Casey", family_name=f"Sample{n}", email=f"pi{n}@uni.example.edu"
    )
    award = AwardFactory(award_number=f"20408{n:02d}")
    AwardInvestigatorFactory(award=award, person=pi, role=AwardInvestigator.Role.PI)
    return {"pi": pi, "award": award, "user": researcher_user(pi)}


def _submitted(n: int = 0, title: str = "") -> Artifact:
    team = _team(n)
    draft = researcher_draft_create(
        user=team["user"],
        award=team["award"],
        kind=Artifact.Kind.TOOL,
        title=title or f"Audit toolkit {n}",
        summary="Tools for auditing rankings.",
        license="MIT",
        repository_url=f"https://github.com/example/audit-{n}",
    )
    return artifact_submit(user=team["user"], artifact=draft)


def _edit(n: int = 0, **values: Any) -> ArtifactRevision:
    team = _team(n)
    artifact: Any = ArtifactFactory(award=team["award"], title=f"Ranking data {n}", version="1.0")
    return revision_propose(user=team["user"], artifact=artifact, **values)


def _act(client: Any, url: str, action: str, ids: list[int], **data: Any) -> Any:
    return client.post(url, {"action": action, "_selected_action": ids, **data}, follow=True)


def test_the_queue_lists_submissions_by_the_submitters_name_never_their_address(client, reviewer):
    artifact = _submitted(title="Fair ranking toolkit")
    _ = ArtifactFactory(title="Already public")
    response = client.get(SUBMISSIONS)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Fair ranking toolkit" in text
    assert "Already public" not in text
    assert "Casey Sample0" in text or "Sample0" in text
    assert "@uni.example.edu" not in text
    change = client.get(reverse("admin:artifacts_submission_change", args=[artifact.pk]))
    assert change.status_code == 200
    assert "@uni.example.edu" not in change.content.decode()
    assert "Tools for auditing rankings." in change.content.decode()


def test_approving_from_the_queue_publishes_and_records_the_reviewer_in_the_history(
    client, reviewer
):
    artifact = _submitted()
    response = _act(client, SUBMISSIONS, "approve", [artifact.pk])
    assert response.redirect_chain[-1][0] == SUBMISSIONS
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.PUBLISHED
    assert artifact.history.first().history_user == reviewer
    decision = ReviewDecision.objects.get(artifact=artifact)
    assert (decision.decision, decision.decided_by) == (ReviewDecision.Decision.APPROVED, reviewer)


def test_requesting_changes_asks_for_the_message_then_sends_the_draft_back(client, reviewer):
    artifact = _submitted()
    page = _act(client, SUBMISSIONS, "request_changes", [artifact.pk])
    assert page.status_code == 200
    assert 'name="message"' in page.content.decode()
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.SUBMITTED
    _act(client, SUBMISSIONS, "request_changes", [artifact.pk], message="Add the data card.")
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.DRAFT
    assert ReviewDecision.objects.get(artifact=artifact).message == "Add the data card."
    assert artifact.history.first().history_user == reviewer


def test_a_bad_message_is_refused_on_the_page_keeping_what_was_typed(client, reviewer):
    artifact = _submitted()
    typed = "Why\x00" + "x" * 6000
    page = _act(client, SUBMISSIONS, "reject", [artifact.pk], message=typed)
    assert page.status_code == 200
    assert page.context["form"].errors["message"]
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.SUBMITTED


def test_rejecting_from_the_change_page_button(client, reviewer):
    artifact = _submitted()
    change = client.get(reverse("admin:artifacts_submission_change", args=[artifact.pk]))
    assert 'value="reject"' in change.content.decode()
    _act(client, SUBMISSIONS, "reject", [artifact.pk], message="Not an output of the award.")
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.REJECTED


def test_the_change_page_shows_earlier_decisions(client, reviewer):
    artifact = _submitted()
    submission_decide(
        artifact=artifact, user=reviewer, decision="changes", message="Name the licence."
    )
    artifact_submit(user=artifact.award.investigators.get().person.user, artifact=artifact)
    page = client.get(reverse("admin:artifacts_submission_change", args=[artifact.pk]))
    assert "Name the licence." in page.content.decode()


def test_the_edit_page_shows_the_diff_and_the_note(client, reviewer):
    revision = _edit(title="Ranking data, second edition", note="Fixed the title.")
    page = client.get(reverse("admin:artifacts_artifactrevision_change", args=[revision.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Ranking data 0" in text
    assert "Ranking data, second edition" in text
    assert "Fixed the title." in text


def test_approving_an_edit_applies_it(client, reviewer):
    revision = _edit(version="2.0")
    _act(client, EDITS, "approve", [revision.pk])
    revision.refresh_from_db()
    assert revision.state == ArtifactRevision.State.APPROVED
    assert revision.artifact.version == "2.0"
    artifact = Artifact.objects.get(pk=revision.artifact_id)
    assert artifact.version == "2.0"
    assert artifact.history.first().history_user == reviewer


def test_the_edits_list_filters_by_state(client, reviewer):
    waiting = _edit(0, version="2.0")
    done = _edit(1, version="3.0")
    _act(client, EDITS, "reject", [done.pk], message="No.")
    response = client.get(EDITS, {"state__exact": "pending"})
    assert [r.pk for r in response.context["cl"].result_list] == [waiting.pk]


def test_deciding_twice_reports_the_refusal(client, reviewer):
    revision = _edit(version="2.0")
    _act(client, EDITS, "approve", [revision.pk])
    response = _act(client, EDITS, "reject", [revision.pk], message="Too late.")
    assert "not waiting for review" in response.content.decode()
    assert ReviewDecision.objects.filter(revision=revision).count() == 1


def test_decisions_are_read_only(client, reviewer):
    artifact = _submitted()
    record = submission_decide(artifact=artifact, user=reviewer, decision="approved")
    assert client.get(DECISIONS).status_code == 200
    assert client.get(reverse("admin:artifacts_reviewdecision_add")).status_code == 403
    url = reverse("admin:artifacts_reviewdecision_change", args=[record.pk])
    assert client.post(url, {"message": "changed"}).status_code == 403
    record.refresh_from_db()
    assert record.message == ""


def test_staff_without_the_review_permission_get_403(client, staff_user):
    artifact = _submitted()
    revision = _edit(1, version="2.0")
    client.force_login(staff_user)
    if staff_user.has_perm("artifacts.review_submissions"):
        staff_user.groups.clear()
        staff_user = User.objects.get(pk=staff_user.pk)
    staff_user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    for url in (
        SUBMISSIONS,
        EDITS,
        DECISIONS,
        reverse("admin:artifacts_submission_change", args=[artifact.pk]),
        reverse("admin:artifacts_artifactrevision_change", args=[revision.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert _act(client, SUBMISSIONS, "approve", [artifact.pk]).status_code == 403
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.SUBMITTED


def test_a_superuser_reviews_without_the_permission_itself(client):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    assert client.get(SUBMISSIONS).status_code == 200
    assert client.get(EDITS).status_code == 200


@pytest.mark.parametrize("rows", [1, 12])
def test_the_submissions_list_makes_the_same_queries_whatever_the_rows(
    client, reviewer, django_assert_num_queries, rows
):
    for n in range(rows):
        _submitted(n)
    ContentType.objects.clear_cache()
    with django_assert_num_queries(SUBMISSION_LIST_QUERIES):
        response = client.get(SUBMISSIONS)
    assert len(response.context["cl"].result_list) == rows


@pytest.mark.parametrize("rows", [1, 12])
def test_the_edits_list_makes_the_same_queries_whatever_the_rows(
    client, reviewer, django_assert_num_queries, rows
):
    for n in range(rows):
        _edit(n, version="2.0")
    ContentType.objects.clear_cache()
    with django_assert_num_queries(EDIT_LIST_QUERIES):
        response = client.get(EDITS)
    assert len(response.context["cl"].result_list) == rows


# Session, user, permissions, then the page's own (counts, rows).
SUBMISSION_LIST_QUERIES = 7
EDIT_LIST_QUERIES = 7
