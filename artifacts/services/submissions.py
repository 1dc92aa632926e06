"""Researchers' submissions and staff review: a researcher keeps drafts of their own awards'
artifacts and submits them; edits of a published artifact wait as a revision, the public
record unchanged; staff approve (publishing through ``artifact_publish``, or applying the
edit through ``artifact_update``), request changes or reject, each decision kept with its
message and e-mailed to the submitter. The same validation and normalising as staff edits:
these services call the artifact services."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from artifacts.models import (
    Artifact,
    ArtifactRevision,
    FairnessDimension,
    ReviewDecision,
    Suggestion,
    Task,
)
from artifacts.models.fairness import FAIRNESS_FIELDS
from artifacts.services.artifacts import (
    artifact_create,
    artifact_fields_normalised,
    artifact_publish,
    artifact_update,
)
from artifacts.services.fairness import (
    artifact_sensitive_attributes_set,
    sensitive_attributes_normalised,
    sensitive_attributes_of,
    sensitive_attributes_shown,
)
from fairprog.errors import DomainError
from fairprog.mail import templated_message
from proposals.models import Award, AwardInvestigator, Person

logger = logging.getLogger(__name__)

# The fields a researcher edits: every editable field staff have but the slug and the demo flag.
EDITABLE = (
    "kind",
    "title",
    "summary",
    "description",
    "landing_url",
    "repository_url",
    "doi",
    "license",
    "version",
    "release_date",
    "keywords",
    "intended_use",
    "out_of_scope_use",
    "limitations",
    "evaluation_data",
    "ethical_considerations",
    *FAIRNESS_FIELDS,
)
RELATED = ("dimensions", "tasks", "creators", "sensitive_attributes")
Decision = ReviewDecision.Decision


def researcher_person(user: User) -> Person:
    person = getattr(user, "person", None)
    if not isinstance(person, Person) or getattr(user, "is_staff", False):
        raise DomainError("Only a signed-in investigator of an award can do this.")
    return person


def researcher_awards(person: Person) -> Any:
    """The awards ``person`` is an investigator on (PI or co-PI)."""
    return Award.objects.filter(investigators__person=person).distinct()


def _must_be_theirs(person: Person, award: Award) -> None:
    if not AwardInvestigator.objects.filter(award=award, person=person).exists():
        raise DomainError("That award is not one of yours.")


def _split(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the scalar fields, the related ones: dimensions, tasks, creators, sensitive
    attributes)."""
    unknown = set(values) - set(EDITABLE) - set(RELATED)
    if unknown:
        raise DomainError(f"Not a field a researcher edits: {', '.join(sorted(unknown))}.")
    scalars = {name: value for name, value in values.items() if name in EDITABLE}
    related = {name: values[name] for name in RELATED if name in values}
    return scalars, related


def _set_sensitive(artifact: Artifact, rows: Any) -> None:
    if rows is not None:
        artifact_sensitive_attributes_set(artifact=artifact, rows=rows)


@transaction.atomic
def researcher_draft_create(*, user: User, award: Award, **values: Any) -> Artifact:
    """A new draft artifact of one of the researcher's awards."""
    person = researcher_person(user)
    _must_be_theirs(person, award)
    scalars, related = _split(values)
    rows = related.pop("sensitive_attributes", None)
    artifact = artifact_create(award=award, **scalars, **related)
    _set_sensitive(artifact, rows)
    _reason(artifact, f"Draft made by {person}")
    return artifact


def _editable_draft(person: Person, artifact: Artifact) -> Artifact:
    _must_be_theirs(person, artifact.award)
    locked = Artifact.objects.select_for_update().get(pk=artifact.pk)
    if locked.status != Artifact.Status.DRAFT:
        raise DomainError(
            f'"{locked.title}" is {locked.get_status_display().lower()}: only a draft is '
            "edited this way (a published artifact's edit waits for review as a revision)."
        )
    return locked


@transaction.atomic
def researcher_draft_update(*, user: User, artifact: Artifact, **values: Any) -> Artifact:
    person = researcher_person(user)
    locked = _editable_draft(person, artifact)
    scalars, related = _split(values)
    rows = related.pop("sensitive_attributes", None)
    updated = artifact_update(artifact=locked, **scalars, **related)
    _set_sensitive(updated, rows)
    _reason(updated, f"Draft edited by {person}")
    return updated


@transaction.atomic
def artifact_submit(*, user: User, artifact: Artifact) -> Artifact:
    """A draft submitted for review: it must have what publishing needs (a licence and a
    link), so that staff approval can publish it as it stands."""
    person = researcher_person(user)
    locked = _editable_draft(person, artifact)
    missing = {
        name: [message]
        for name, value, message in (
            ("license", locked.license, "A licence is needed before review."),
            (
                "landing_url",
                locked.landing_url or locked.repository_url or locked.doi,
                "A landing page, repository or DOI is needed before review.",
            ),
        )
        if not value
    }
    if missing:
        first = next(iter(missing.values()))[0]
        raise DomainError(first, errors=missing)
    locked.status = Artifact.Status.SUBMITTED
    locked.submitted_by = user
    locked.submitted_at = timezone.now()
    locked._change_reason = f"Submitted for review by {person}"  # type: ignore[attr-defined]
    locked.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    return locked


@transaction.atomic
def revision_propose(
    *, user: User, artifact: Artifact, note: str = "", **values: Any
) -> ArtifactRevision:
    """An edit of a published artifact, checked as staff edits are, waiting for review; it
    replaces the researcher's earlier edit still waiting, if any."""
    person = researcher_person(user)
    _must_be_theirs(person, artifact.award)
    if artifact.status != Artifact.Status.PUBLISHED:
        raise DomainError(f'"{artifact.title}" is not published: edit the draft itself.')
    scalars, related = _split(values)
    normalised = artifact_fields_normalised(scalars, artifact=artifact)
    _check_as_saved(artifact, normalised)
    ArtifactRevision.objects.select_for_update().filter(
        artifact=artifact, state=ArtifactRevision.State.PENDING
    ).update(state=ArtifactRevision.State.SUPERSEDED)
    rows = related.get("sensitive_attributes")
    sensitive = sensitive_attributes_normalised(rows) if rows is not None else None
    creators: Sequence[Person] = related.get("creators", list(_creators_of(artifact)))
    if len({p.pk for p in creators}) != len(creators):
        raise DomainError("A person is listed twice among the creators.")
    return ArtifactRevision.objects.create(
        artifact=artifact,
        proposed_by=user,
        fields={name: _json(value) for name, value in normalised.items()},
        dimension_ids=_ids(related.get("dimensions", artifact.dimensions.all())),
        task_ids=_ids(related.get("tasks", artifact.tasks.all())),
        creator_ids=[p.pk for p in creators],
        sensitive_attributes=sensitive,
        note=note.strip(),
    )


def _check_as_saved(artifact: Artifact, fields: Mapping[str, Any]) -> None:
    """The model's own validation of the artifact as the edit would leave it (not saved)."""
    copy = Artifact.objects.get(pk=artifact.pk)
    for name, value in fields.items():
        setattr(copy, name, value)
    try:
        copy.full_clean(exclude=["search_vector"])
    except ValidationError as exc:
        raise DomainError.from_validation_error(exc, subject=f'Artifact "{copy.title}"') from exc


def _creators_of(artifact: Artifact) -> Iterable[Person]:
    return [
        link.person for link in artifact.creator_links.select_related("person").order_by("order")
    ]


def _ids(objects: Iterable[Any]) -> list[int]:
    return sorted(obj.pk for obj in objects)


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def revision_values(revision: ArtifactRevision) -> dict[str, Any]:
    """The revision as artifact_update takes it."""
    values: dict[str, Any] = dict(revision.fields)
    if values.get("release_date"):
        values["release_date"] = dt.date.fromisoformat(values["release_date"])
    values["dimensions"] = list(FairnessDimension.objects.filter(pk__in=revision.dimension_ids))
    values["tasks"] = list(Task.objects.filter(pk__in=revision.task_ids))
    people = Person.objects.in_bulk(revision.creator_ids)
    values["creators"] = [people[pk] for pk in revision.creator_ids if pk in people]
    return values


def revision_changes(revision: ArtifactRevision) -> list[tuple[str, str, str]]:
    """(field label, as published, as edited) for each field the revision changes."""
    artifact = revision.artifact
    changes = []
    for name, edited in revision.fields.items():
        before = getattr(artifact, name)
        if _json(before) != edited and not (before in (None, "", []) and edited in (None, "", [])):
            label = str(getattr(Artifact._meta.get_field(name), "verbose_name", name))
            changes.append((label, _shown(before), _shown(edited)))
    for label, before_ids, after_ids, model in (
        ("fairness dimensions", _ids(artifact.dimensions.all()), revision.dimension_ids,
         FairnessDimension),
        ("tasks and modalities", _ids(artifact.tasks.all()), revision.task_ids, Task),
    ):  # fmt: skip
        if sorted(before_ids) != sorted(after_ids):
            names = dict(
                model.objects.filter(pk__in={*before_ids, *after_ids}).values_list("pk", "name")
            )
            changes.append((label, ", ".join(names[i] for i in before_ids),
                            ", ".join(names[i] for i in after_ids)))  # fmt: skip
    before_people = [p.pk for p in _creators_of(artifact)]
    if before_people != revision.creator_ids:
        people = Person.objects.in_bulk({*before_people, *revision.creator_ids})

        def names_of(ids: list[int]) -> str:
            return ", ".join(str(people[i]) for i in ids if i in people)

        changes.append(("creators", names_of(before_people), names_of(revision.creator_ids)))
    before_rows = sensitive_attributes_of(artifact)
    after_rows = revision.sensitive_attributes
    if after_rows is not None and before_rows != after_rows:
        changes.append(("sensitive attributes", sensitive_attributes_shown(before_rows),
                        sensitive_attributes_shown(after_rows)))  # fmt: skip
    return changes


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _reason(artifact: Artifact, reason: str) -> None:
    """Names the step in the artifact's history (the request's user is recorded beside it)."""
    record = artifact.history.first()
    if record is not None and not record.history_change_reason:
        record.history_change_reason = reason
        record.save(update_fields=["history_change_reason"])


# --- staff decisions ------------------------------------------------------------------------


def _message_required(decision: str, message: str) -> str:
    if decision != Decision.APPROVED and not message.strip():
        raise DomainError(
            "Write the message the submitter is sent: what to change, or why it is rejected.",
            errors={"message": ["Required for this decision."]},
        )
    return message.strip()


@transaction.atomic
def submission_decide(
    *, artifact: Artifact, user: User, decision: str, message: str = ""
) -> ReviewDecision:
    """Approve (publish), request changes (back to draft) or reject a submitted artifact."""
    message = _message_required(decision, message)
    locked = Artifact.objects.select_for_update().get(pk=artifact.pk)
    if locked.status != Artifact.Status.SUBMITTED:
        raise DomainError(f'"{locked.title}" is not waiting for review.')
    if decision == Decision.APPROVED:
        artifact_publish(artifact=locked)
    else:
        locked.status = (
            Artifact.Status.DRAFT
            if decision == Decision.CHANGES_REQUESTED
            else Artifact.Status.REJECTED
        )
        locked._change_reason = f"Review: {Decision(decision).label}"  # type: ignore[attr-defined]
        locked.save(update_fields=["status", "updated_at"])
    record = ReviewDecision.objects.create(
        artifact=locked, decision=decision, message=message, decided_by=user
    )
    _tell_submitter(record, to=locked.submitted_by)
    return record


@transaction.atomic
def revision_decide(
    *, revision: ArtifactRevision, user: User, decision: str, message: str = ""
) -> ReviewDecision:
    """Approve (apply to the published artifact), request changes or reject an edit."""
    message = _message_required(decision, message)
    locked = (
        ArtifactRevision.objects.select_for_update().select_related("artifact").get(pk=revision.pk)
    )
    if locked.state != ArtifactRevision.State.PENDING:
        raise DomainError("This edit is not waiting for review.")
    if decision == Decision.APPROVED:
        artifact = artifact_update(artifact=locked.artifact, **revision_values(locked))
        _set_sensitive(artifact, locked.sensitive_attributes)
        _reason(artifact, f"Edit by {locked.proposed_by} approved")
        locked.state = ArtifactRevision.State.APPROVED
    elif decision == Decision.CHANGES_REQUESTED:
        locked.state = ArtifactRevision.State.CHANGES_REQUESTED
    else:
        locked.state = ArtifactRevision.State.REJECTED
    locked.save(update_fields=["state"])
    record = ReviewDecision.objects.create(
        artifact=locked.artifact, revision=locked, decision=decision, message=message,
        decided_by=user,
    )  # fmt: skip
    _tell_submitter(record, to=locked.proposed_by)
    return record


def _tell_submitter(record: ReviewDecision, *, to: Any) -> None:
    address = getattr(getattr(to, "person", None), "email", "") or getattr(to, "email", "")
    if not address:
        return
    message = templated_message(
        template="artifacts/email/review_decision",
        context={"record": record, "artifact": record.artifact, "site_url": settings.SITE_URL},
        subject=f'{record.get_decision_display()}: "{record.artifact.title}"',
        to=[address],
    )
    transaction.on_commit(lambda: _send(message))


def _send(message: Any) -> None:
    try:
        message.send()
    except OSError:  # the decision stands; the submitter sees it on their page
        logger.exception("The review decision e-mail could not be sent")


# --- the daily digest to staff ----------------------------------------------------------------


def _reviewer_addresses() -> list[str]:
    permission = Q(codename="review_submissions", content_type__app_label="artifacts")
    allowed = Permission.objects.filter(permission)
    return list(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=allowed)
            | Q(groups__permissions__in=allowed)
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )


def submissions_digest_send(*, now: dt.datetime | None = None) -> int:
    """One e-mail to the staff who review, listing the submissions and edits that arrived in
    the last day (none when nothing arrived). Returns the messages sent."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=1)
    submitted = list(
        Artifact.objects.filter(
            status=Artifact.Status.SUBMITTED, submitted_at__gte=since, submitted_at__lt=now
        )
        .select_related("award")
        .order_by("submitted_at")
    )
    edits = list(
        ArtifactRevision.objects.filter(
            state=ArtifactRevision.State.PENDING, proposed_at__gte=since, proposed_at__lt=now
        )
        .select_related("artifact")
        .order_by("proposed_at")
    )
    addresses = _reviewer_addresses()
    if not (submitted or edits) or not addresses:
        return 0
    message = templated_message(
        template="artifacts/email/submissions_digest",
        context={"submitted": submitted, "edits": edits, "site_url": settings.SITE_URL},
        subject=f"FairProg: {len(submitted)} submission(s) and {len(edits)} edit(s) to review",
        to=addresses,
    )
    with get_connection() as connection:
        return connection.send_messages([message]) or 0


# --- discovery: the team's answer ---------------------------------------------------------------


@transaction.atomic
def suggestion_team_answer(*, user: User, suggestion: Suggestion, answer: str) -> Suggestion:
    """The award's team says a discovered output is theirs, or not; staff see it in the queue."""
    person = researcher_person(user)
    _must_be_theirs(person, suggestion.award)
    if answer not in ("ours", "not_ours"):
        raise DomainError("Answer “ours” or “not ours”.", errors={"answer": ["Choose one."]})
    locked = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.state != Suggestion.State.PENDING:
        raise DomainError("Staff have already decided on this output.")
    locked.team_answer = answer
    locked.team_answered_by = user
    locked.team_answered_at = timezone.now()
    locked.save(update_fields=["team_answer", "team_answered_by", "team_answered_at"])
    return locked
