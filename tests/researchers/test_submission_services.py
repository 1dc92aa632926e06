"""Researchers' submissions and staff review through the services: a draft submitted and
approved is published; changes requested and rejections keep the message and tell the
submitter; an edit of a published artifact waits, then applies every field at approval; the
daily digest goes to reviewers only, and only when something arrived."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

import artifacts.admin
import artifacts.admin_submissions
from artifacts.models import (
    Artifact,
    ArtifactRevision,
    FairnessDimension,
    ReviewDecision,
    Task,
)
from artifacts.services.submissions import (
    artifact_submit,
    researcher_draft_create,
    revision_changes,
    revision_decide,
    revision_propose,
    submission_decide,
    submissions_digest_send,
)
from artifacts.tasks import submissions_digest_task
from fairprog.errors import DomainError
from proposals.models import AwardInvestigator
from proposals.services.researchers import researcher_user
from tests.artifacts.factories import ArtifactCreatorFactory, ArtifactFactory
from tests.conftest import wait_until
from tests.proposals.factories import AwardFactory, AwardInvestigatorFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """Runs a call as if its transaction committed: the decision e-mails leave after it."""

    def run(call: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return call(**kwargs)

    return run


Decision = ReviewDecision.Decision


@pytest.fixture
def team() -> dict[str, Any]:
    pi: Any = PersonFactory(given_name="Casey", family_name="Sample", email="casey@uni.example.edu")
    award = AwardFactory(award_number="2040800", title="Fair ranking audits")
    AwardInvestigatorFactory(award=award, person=pi, role=AwardInvestigator.Role.PI)
    return {"pi": pi, "award": award, "user": researcher_user(pi)}


@pytest.fixture
def reviewer() -> User:
    user = User.objects.create_user("reviewer", "reviewer@program.example.gov", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="review_submissions"))
    return user


def _submitted(team: dict[str, Any], title: str = "Audit toolkit") -> Artifact:
    draft = researcher_draft_create(
        user=team["user"],
        award=team["award"],
        kind=Artifact.Kind.TOOL,
        title=title,
        summary="Tools for auditing rankings.",
        license="MIT",
        repository_url="https://github.com/example/audit-toolkit",
    )
    return artifact_submit(user=team["user"], artifact=draft)


def test_an_approved_submission_is_published_and_its_public_page_answers(
    client, team, reviewer, mailoutbox, committed
):
    artifact = _submitted(team)
    assert client.get(f"/artifacts/{artifact.slug}/").status_code == 404
    record = committed(
        submission_decide, artifact=artifact, user=reviewer, decision=Decision.APPROVED
    )
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.PUBLISHED
    assert artifact.published_at is not None
    assert (record.decision, record.decided_by) == (Decision.APPROVED, reviewer)
    assert client.get(f"/artifacts/{artifact.slug}/").status_code == 200
    assert [m.to for m in mailoutbox] == [["casey@uni.example.edu"]]


def test_requesting_changes_sends_the_draft_back_with_the_message_kept_and_mailed(
    team, reviewer, mailoutbox, committed
):
    artifact = _submitted(team)
    record = committed(
        submission_decide,
        artifact=artifact,
        user=reviewer,
        decision=Decision.CHANGES_REQUESTED,
        message="Please add the evaluation data.",
    )
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.DRAFT
    assert record.message == "Please add the evaluation data."
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["casey@uni.example.edu"]
    assert "Please add the evaluation data." in mailoutbox[0].body
    assert "reviewer@program.example.gov" not in mailoutbox[0].body


def test_a_rejected_submission_is_rejected_and_stays_off_the_public_site(
    client, team, reviewer, mailoutbox, committed
):
    artifact = _submitted(team)
    committed(
        submission_decide,
        artifact=artifact,
        user=reviewer,
        decision=Decision.REJECTED,
        message="Out of scope.",
    )
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.REJECTED
    assert client.get(f"/artifacts/{artifact.slug}/").status_code == 404
    assert "Out of scope." in mailoutbox[0].body


def test_a_decision_other_than_approval_needs_a_message(team, reviewer):
    artifact = _submitted(team)
    with pytest.raises(DomainError) as caught:
        submission_decide(artifact=artifact, user=reviewer, decision=Decision.REJECTED)
    assert "message" in caught.value.errors
    artifact.refresh_from_db()
    assert artifact.status == Artifact.Status.SUBMITTED


def test_a_submission_is_decided_only_once(team, reviewer):
    artifact = _submitted(team)
    submission_decide(artifact=artifact, user=reviewer, decision=Decision.APPROVED)
    with pytest.raises(DomainError, match="not waiting for review"):
        submission_decide(
            artifact=artifact, user=reviewer, decision=Decision.REJECTED, message="Late."
        )
    assert ReviewDecision.objects.filter(artifact=artifact).count() == 1


def _published_with_creators(team: dict[str, Any]) -> tuple[Artifact, list[Any]]:
    artifact: Any = ArtifactFactory(award=team["award"], title="Ranking audit data")
    people = [team["pi"], PersonFactory(given_name="Ada", family_name="Second")]
    for order, person in enumerate(people):
        ArtifactCreatorFactory(artifact=artifact, person=person, order=order)
    artifact.dimensions.set([FairnessDimension.objects.order_by("pk")[0]])
    artifact.tasks.set([Task.objects.order_by("pk")[0]])
    return artifact, people


def test_an_approved_edit_applies_every_changed_field_and_shows_only_after_approval(
    client, team, reviewer
):
    artifact, people = _published_with_creators(team)
    third = PersonFactory(given_name="Lin", family_name="Third")
    dimensions = list(FairnessDimension.objects.order_by("pk")[1:3])
    tasks = list(Task.objects.order_by("pk")[1:2])
    revision = revision_propose(
        user=team["user"],
        artifact=artifact,
        note="New version with a third author.",
        title="Ranking audit data, second edition",
        version="2.0",
        dimensions=dimensions,
        tasks=tasks,
        creators=[third, people[1], people[0]],
    )
    labels = {label for label, _, _ in revision_changes(revision)}
    assert {"title", "version", "fairness dimensions", "tasks and modalities", "creators"} <= {
        label.lower() for label in labels
    }
    page = client.get(f"/artifacts/{artifact.slug}/").content.decode()
    assert "second edition" not in page

    revision_decide(revision=revision, user=reviewer, decision=Decision.APPROVED)

    artifact.refresh_from_db()
    assert artifact.title == "Ranking audit data, second edition"
    assert artifact.version == "2.0"
    assert set(artifact.dimensions.all()) == set(dimensions)
    assert set(artifact.tasks.all()) == set(tasks)
    order = artifact.creator_links.order_by("order").values_list("person_id", flat=True)
    assert list(order) == [third.pk, people[1].pk, people[0].pk]
    revision.refresh_from_db()
    assert revision.state == ArtifactRevision.State.APPROVED
    page = client.get(f"/artifacts/{artifact.slug}/").content.decode()
    assert "second edition" in page


def test_a_second_edit_supersedes_the_first(team, reviewer):
    artifact, _ = _published_with_creators(team)
    first = revision_propose(user=team["user"], artifact=artifact, version="2.0")
    second = revision_propose(user=team["user"], artifact=artifact, version="2.1")
    first.refresh_from_db()
    assert first.state == ArtifactRevision.State.SUPERSEDED
    assert second.state == ArtifactRevision.State.PENDING
    with pytest.raises(DomainError, match="not waiting for review"):
        revision_decide(revision=first, user=reviewer, decision=Decision.APPROVED)


def test_an_edit_is_decided_only_once(team, reviewer, mailoutbox, committed):
    artifact, _ = _published_with_creators(team)
    revision = revision_propose(user=team["user"], artifact=artifact, version="2.0")
    committed(
        revision_decide, revision=revision, user=reviewer, decision=Decision.REJECTED, message="No."
    )
    with pytest.raises(DomainError):
        revision_decide(revision=revision, user=reviewer, decision=Decision.APPROVED)
    artifact.refresh_from_db()
    assert artifact.version != "2.0"
    assert len(mailoutbox) == 1


def test_requesting_changes_to_an_edit_leaves_the_published_artifact_as_it_was(
    team, reviewer, mailoutbox, committed
):
    artifact, _ = _published_with_creators(team)
    revision = revision_propose(user=team["user"], artifact=artifact, title="Renamed")
    committed(
        revision_decide,
        revision=revision,
        user=reviewer,
        decision=Decision.CHANGES_REQUESTED,
        message="Keep the old title.",
    )
    artifact.refresh_from_db()
    revision.refresh_from_db()
    assert artifact.title == "Ranking audit data"
    assert revision.state == ArtifactRevision.State.CHANGES_REQUESTED
    assert "Keep the old title." in mailoutbox[0].body


# --- the daily digest -----------------------------------------------------------------------


def test_the_digest_lists_the_days_submissions_and_edits_to_reviewers_only(
    team, reviewer, mailoutbox, committed
):
    User.objects.create_user("plain-staff", "plain@program.example.gov", is_staff=True)
    User.objects.create_superuser("root", "root@program.example.gov", "pw")
    artifact = _submitted(team, title="Yesterday's toolkit")
    published, _ = _published_with_creators(team)
    revision_propose(user=team["user"], artifact=published, version="9.9")
    mailoutbox.clear()

    sent = submissions_digest_send(now=timezone.now() + dt.timedelta(minutes=1))

    assert sent == 1
    (message,) = mailoutbox
    assert sorted(message.to) == ["reviewer@program.example.gov", "root@program.example.gov"]
    assert artifact.title in message.body
    assert published.title in message.body


def test_no_digest_when_nothing_arrived_in_the_last_day(team, reviewer, mailoutbox):
    _submitted(team)
    mailoutbox.clear()
    assert submissions_digest_send(now=timezone.now() + dt.timedelta(days=2)) == 0
    assert mailoutbox == []


def test_no_digest_without_a_reviewer_to_send_it_to(team, mailoutbox):
    User.objects.create_user("plain-staff", "plain@program.example.gov", is_staff=True)
    _submitted(team)
    mailoutbox.clear()
    assert submissions_digest_send(now=timezone.now() + dt.timedelta(minutes=1)) == 0
    assert mailoutbox == []


def test_the_digest_task_sends_the_digest(team, reviewer, mailoutbox):
    _submitted(team)
    mailoutbox.clear()
    submissions_digest_task()
    assert [m.to for m in mailoutbox] == [["reviewer@program.example.gov"]]


@pytest.mark.slow
@pytest.mark.skipif(
    not hasattr(artifacts.admin, "admin_submissions"),
    reason="the worker's digest links to the review admin, which artifacts.admin registers",
)
@pytest.mark.django_db(transaction=True)
def test_the_digest_task_runs_on_a_real_worker(celery_workers, smtp_sink, team, reviewer):
    _submitted(team, title="Worker toolkit")
    celery_workers.start(env={"EMAIL_URL": smtp_sink.url})
    submissions_digest_task.apply_async(queue=celery_workers.queue)
    assert wait_until(lambda: smtp_sink.received == 1, timeout=60)
    (message,) = smtp_sink.mailbox.values()
    assert message["To"] == "reviewer@program.example.gov"
    assert "Worker toolkit" in message.as_string()
