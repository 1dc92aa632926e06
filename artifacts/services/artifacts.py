"""Writes to the artifact catalogue. Every change of state goes through one of these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from artifacts.citekeys import citation_key_base, citation_key_free
from artifacts.models import (
    Artifact,
    ArtifactCreator,
    ArtifactFormerSlug,
    FairnessDimension,
    Task,
)
from artifacts.services import links
from artifacts.validators import normalize_doi, normalize_spdx_license
from fairprog.catalogue_version import catalogue_changed_on_commit
from fairprog.errors import DomainError
from proposals.models import Award, Person


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:100] or "artifact"
    slug, number = base, 2
    taken = Artifact.objects.exclude(pk=exclude_pk) if exclude_pk else Artifact.objects.all()
    # A former address still leads to its artifact: a new slug never takes one.
    while taken.filter(slug=slug).exists() or ArtifactFormerSlug.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def _former_slug_errors(slug: str, *, artifact: Artifact | None) -> list[str]:
    """Why ``slug`` cannot be ``artifact``'s: it was another artifact's address, which
    citations and feeds carry and which must keep leading there. (An artifact may take
    back a slug of its own.)"""
    former = ArtifactFormerSlug.objects.filter(slug=slug).select_related("artifact")
    if artifact is not None and artifact.pk:
        former = former.exclude(artifact=artifact)
    owner = former.first()
    if owner is None:
        return []
    return [
        f'"{slug}" was the address of "{owner.artifact.title}" and still leads there; '
        "choose another slug."
    ]


def _slug_history(artifact: Artifact, *, stored: tuple[str, dt.datetime | None] | None) -> None:
    """Keep the address a public artifact had before its slug changed (``stored``: its slug
    and publication date before the change) as a former slug, redirected to the new one.
    A draft's addresses were never public: they need no history."""
    # Back to a former slug of its own: that address is live again.
    ArtifactFormerSlug.objects.filter(artifact=artifact, slug=artifact.slug).delete()
    if stored is None:
        return
    old_slug, published_at = stored
    if published_at is not None and old_slug != artifact.slug:
        ArtifactFormerSlug.objects.update_or_create(slug=old_slug, defaults={"artifact": artifact})


def _successor_errors(successor: Artifact | None, *, artifact: Artifact | None) -> list[str]:
    """Why ``successor`` cannot be named as the artifact that replaces ``artifact``: only
    another public artifact can, and not one that ``artifact`` itself replaces."""
    if successor is None:
        return []
    if artifact is not None and artifact.pk and successor.pk == artifact.pk:
        return ["An artifact cannot supersede itself: name the one that replaces it."]
    if not successor.is_public:
        return [
            f'"{successor.title}" is not public: only a published artifact can be named as '
            "the one that replaces this one."
        ]
    if artifact is not None and artifact.pk and successor.superseded_by_id == artifact.pk:
        return [
            f'"{successor.title}" is itself superseded by this artifact: two artifacts '
            "cannot replace each other."
        ]
    return []


def artifact_fields_normalised(
    fields: Mapping[str, Any], *, artifact: Artifact | None = None
) -> dict[str, Any]:
    """``fields`` as they are stored: the DOI bare and lower-case, the licence as its SPDX
    id, the keywords trimmed, empty ones dropped; or a DomainError naming each field that
    cannot be, a slug that was another artifact's address among them (``artifact``: the
    one being edited, if any). The admin form calls it too, so its checks are the ones the
    services make."""
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
    if normalised.get("slug") and (
        taken := _former_slug_errors(normalised["slug"], artifact=artifact)
    ):
        errors["slug"] = taken
    if successor_errors := _successor_errors(normalised.get("superseded_by"), artifact=artifact):
        errors["superseded_by"] = successor_errors
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
    fields = artifact_fields_normalised({**fields, "slug": slug})
    fields.pop("slug")
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
    stored = Artifact.objects.filter(pk=artifact.pk).values_list("slug", "published_at").first()
    for name, value in artifact_fields_normalised(fields, artifact=artifact).items():
        setattr(artifact, name, value)
    _save(artifact)
    _slug_history(artifact, stored=stored)
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
    if artifact.status == Artifact.Status.RETIRED:
        artifact.superseded_by = None  # current again: nothing replaces it
    artifact.status = Artifact.Status.PUBLISHED
    artifact.published_at = published_at = artifact.published_at or when or timezone.now()
    artifact.retired_at = None
    artifact._change_reason = "Published"  # type: ignore[attr-defined]
    fields = [
        *("status", "published_at", "retired_at", "superseded_by", "updated_at"),
        "citation_key",
    ]
    if artifact.citation_key:  # given at its first publication, kept for good
        artifact.save(update_fields=fields)
    else:
        _save_with_new_citation_key(artifact, fields, published_at=published_at)
    catalogue_changed_on_commit()
    return artifact


def _save_with_new_citation_key(
    artifact: Artifact, fields: list[str], *, published_at: dt.datetime, tries: int = 5
) -> None:
    """Save ``artifact`` with the first free key for it (artifacts.citekeys, as migration
    0014 gave them to the artifacts published before). Two publications of look-alike
    artifacts at once may pick the same key: the unique index turns the second away, which
    then takes the next free one."""
    first_family_name = (
        artifact.creator_links.order_by("order", "id")
        .values_list("person__family_name", flat=True)
        .first()
    )
    # The UTC date, as the migration reads published_at from the database.
    when = artifact.release_date or published_at.astimezone(dt.UTC).date()
    base = citation_key_base(
        family_name=first_family_name or "", year=str(when.year), title=artifact.title
    )
    for attempt in range(tries):
        taken = Artifact.objects.filter(citation_key__startswith=base).exclude(pk=artifact.pk)
        keys = {key for key in taken.values_list("citation_key", flat=True) if key}
        artifact.citation_key = citation_key_free(base, keys)
        try:
            with transaction.atomic():
                artifact.save(update_fields=fields)
            return
        except IntegrityError:
            clash = taken.filter(citation_key=artifact.citation_key).exists()
            if attempt == tries - 1 or not clash:
                artifact.citation_key = None
                raise


@transaction.atomic
def artifact_retire(
    *, artifact: Artifact, note: str, superseded_by: Artifact | None = None
) -> Artifact:
    """Retire an artifact: its page stays, with the note and a link to ``superseded_by``
    (the public artifact that replaces it, if any), but it leaves listings."""
    if artifact.status == Artifact.Status.RETIRED:
        raise DomainError(f'"{artifact.title}" is already retired.')
    if not note.strip():
        raise DomainError(
            "Say why the artifact is retired (superseded, withdrawn, moved…); "
            "the note is shown on its page.",
            errors={"retirement_note": ["Required when retiring."]},
        )
    if refused := _successor_errors(superseded_by, artifact=artifact):
        raise DomainError(refused[0], errors={"superseded_by": refused})
    artifact.status = Artifact.Status.RETIRED
    artifact.retired_at = timezone.now()
    artifact.retirement_note = note.strip()
    artifact.superseded_by = superseded_by
    artifact._change_reason = "Retired"  # type: ignore[attr-defined]
    artifact.save(
        update_fields=["status", "retired_at", "retirement_note", "superseded_by", "updated_at"]
    )
    catalogue_changed_on_commit()
    return artifact
