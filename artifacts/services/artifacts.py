"""Writes to the artifact catalogue. Every change of state goes through one of these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from artifacts.models import Artifact, ArtifactCreator, FairnessDimension, Task
from artifacts.services import links
from artifacts.validators import normalize_doi, normalize_spdx_license
from fairprog.catalogue_version import catalogue_changed_on_commit
from fairprog.errors import DomainError
from proposals.models import Award, Person


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:100] or "artifact"
    slug, number = base, 2
    taken = Artifact.objects.exclude(pk=exclude_pk) if exclude_pk else Artifact.objects.all()
    while taken.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def artifact_fields_normalised(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` as they are stored: the DOI bare and lower-case, the licence as its SPDX
    id, the keywords trimmed, empty ones dropped; or a DomainError naming each field that
    cannot be. The admin form calls it too, so its checks are the ones the services make."""
    normalised = dict(fields)
    errors: dict[str, list[str]] = {}
    for name, normalise in (("doi", normalize_doi), ("license", normalize_spdx_license)):
        if normalised.get(name):
            try:
                normalised[name] = normalise(normalised[name])
            except ValidationError as exc:
                errors[name] = exc.messages
    if normalised.get("keywords") is not None:
        normalised["keywords"] = [k.strip() for k in normalised["keywords"] if k and k.strip()]
    if errors:
        first = next(iter(errors.values()))[0]
        raise DomainError(first, errors=errors)
    return normalised


def _save(artifact: Artifact) -> None:
    try:
        artifact.full_clean(exclude=["search_vector"])
    except ValidationError as exc:
        raise DomainError.from_validation_error(
            exc, subject=f'Artifact "{artifact.title}"'
        ) from exc
    artifact.save()


@transaction.atomic
def artifact_create(
    *,
    award: Award,
    kind: str,
    title: str,
    summary: str,
    slug: str = "",
    creators: Sequence[Person] = (),
    dimensions: Iterable[FairnessDimension] = (),
    tasks: Iterable[Task] = (),
    **fields: Any,
) -> Artifact:
    """A new draft artifact. ``fields``: any other editable Artifact field."""
    fields = artifact_fields_normalised(fields)
    artifact = Artifact(
        award=award,
        kind=kind,
        title=title.strip(),
        summary=summary.strip(),
        slug=slug or _unique_slug(title),
        **fields,
    )
    _save(artifact)
    artifact.dimensions.set(list(dimensions))
    artifact.tasks.set(list(tasks))
    _creators_replace(artifact, creators)
    links.artifact_links_sync(artifact=artifact)
    catalogue_changed_on_commit()
    return artifact


@transaction.atomic
def artifact_update(*, artifact: Artifact, **fields: Any) -> Artifact:
    """Change editable fields (and ``dimensions``, ``tasks``, ``creators`` when given)."""
    dimensions = fields.pop("dimensions", None)
    tasks = fields.pop("tasks", None)
    creators = fields.pop("creators", None)
    for name, value in artifact_fields_normalised(fields).items():
        setattr(artifact, name, value)
    _save(artifact)
    if dimensions is not None:
        artifact.dimensions.set(list(dimensions))
    if tasks is not None:
        artifact.tasks.set(list(tasks))
    if creators is not None:
        _creators_replace(artifact, creators)
    links.artifact_links_sync(artifact=artifact)
    catalogue_changed_on_commit()
    return artifact


@transaction.atomic
def artifact_set_creators(*, artifact: Artifact, creators: Sequence[Person]) -> None:
    """Replace the artifact's creators with ``creators``, in that order."""
    _creators_replace(artifact, creators)
    catalogue_changed_on_commit()


def _creators_replace(artifact: Artifact, creators: Sequence[Person]) -> None:
    if len({person.pk for person in creators}) != len(creators):
        raise DomainError("A person is listed twice among the creators.")
    ArtifactCreator.objects.filter(artifact=artifact).delete()
    ArtifactCreator.objects.bulk_create(
        [
            ArtifactCreator(artifact=artifact, person=person, order=order)
            for order, person in enumerate(creators)
        ]
    )


@transaction.atomic
def artifact_publish(*, artifact: Artifact, when: dt.datetime | None = None) -> Artifact:
    if artifact.status == Artifact.Status.PUBLISHED:
        raise DomainError(f'"{artifact.title}" is already published.')
    missing = [
        label
        for label, value in (
            ("a licence", artifact.license),
            (
                "a link (landing page, repository or DOI)",
                artifact.landing_url or artifact.repository_url or artifact.doi,
            ),
        )
        if not value
    ]
    if missing:
        raise DomainError(
            f'Cannot publish "{artifact.title}": it needs {" and ".join(missing)} first; '
            "researchers cannot reuse what they cannot reach or whose terms they do not know."
        )
    artifact.status = Artifact.Status.PUBLISHED
    artifact.published_at = artifact.published_at or when or timezone.now()
    artifact.retired_at = None
    artifact._change_reason = "Published"  # type: ignore[attr-defined]
    artifact.save(update_fields=["status", "published_at", "retired_at", "updated_at"])
    catalogue_changed_on_commit()
    return artifact


@transaction.atomic
def artifact_retire(*, artifact: Artifact, note: str) -> Artifact:
    """Retire an artifact: its page stays, with the note, but it leaves listings."""
    if artifact.status == Artifact.Status.RETIRED:
        raise DomainError(f'"{artifact.title}" is already retired.')
    if not note.strip():
        raise DomainError(
            "Say why the artifact is retired (superseded, withdrawn, moved…); "
            "the note is shown on its page.",
            errors={"retirement_note": ["Required when retiring."]},
        )
    artifact.status = Artifact.Status.RETIRED
    artifact.retired_at = timezone.now()
    artifact.retirement_note = note.strip()
    artifact._change_reason = "Retired"  # type: ignore[attr-defined]
    artifact.save(update_fields=["status", "retired_at", "retirement_note", "updated_at"])
    catalogue_changed_on_commit()
    return artifact
