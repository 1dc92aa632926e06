"""Writes for outputs found by award number: recording suggestions, and staff's decisions
on them (accept as a draft artifact or a publication, reject, merge)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from artifacts.discovery.records import Creator, FoundWork, WorkType
from artifacts.models import Artifact, Publication, Suggestion
from artifacts.models.discovery import SOURCE_LABELS
from artifacts.services.artifacts import artifact_create
from artifacts.services.publications import publication_create
from artifacts.validators import normalize_doi, normalize_spdx_license
from fairprog.errors import DomainError
from proposals.models import Award, Person
from proposals.services.programs import person_create
from proposals.validators import person_name_key

User = AbstractBaseUser | AnonymousUser

KIND_OF_WORK_TYPE = {
    WorkType.DATASET: Artifact.Kind.DATASET,
    WorkType.SOFTWARE: Artifact.Kind.TOOL,
    WorkType.MODEL: Artifact.Kind.MODEL,
    WorkType.OTHER: Artifact.Kind.OTHER,
}
_TITLE_MAX = Artifact._meta.get_field("title").max_length or 300
_VERSION_MAX = Artifact._meta.get_field("version").max_length or 40
_URL_MAX = Artifact._meta.get_field("landing_url").max_length or 500
_SUGGESTION_URL_MAX = Suggestion._meta.get_field("url").max_length or 1000


class AwardMatchLike(Protocol):
    """Why a work matched an award (artifacts.discovery.awards.AwardMatch has this shape)."""

    @property
    def award_number(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def raw_award(self) -> str: ...

    @property
    def funder_as_given(self) -> str: ...


def _in_catalogue(work: FoundWork) -> bool:
    """The work is already an artifact (by DOI, landing page or repository) or a
    publication (by DOI)."""
    doi = work.doi.lower()
    artifacts = Q(doi=doi) if doi else Q(pk__in=[])
    if work.url:
        artifacts |= Q(landing_url=work.url) | Q(repository_url=work.url)
    if Artifact.objects.filter(artifacts).exists():
        return True
    return bool(doi) and Publication.objects.filter(doi=doi).exists()


def _match_entries(matches: Sequence[AwardMatchLike]) -> list[dict[str, str]]:
    return [
        {
            "source": str(match.source),
            "raw_award": match.raw_award,
            "funder_as_given": match.funder_as_given,
            "award_number": match.award_number,
        }
        for match in matches
    ]


def _merge_matches(known: list[dict[str, str]], new: list[dict[str, str]]) -> list[dict[str, str]]:
    """``known`` then each of ``new`` not among them: recording the same work twice adds
    nothing."""
    merged = list(known)
    for entry in new:
        if entry not in merged:
            merged.append(entry)
    return merged


def _creator_entry(creator: Creator) -> dict[str, str]:
    return {
        "name": creator.name,
        "family_name": creator.family_name,
        "given_name": creator.given_name,
        "orcid": creator.orcid,
    }


def _clip(field: str, value: str) -> str:
    """``value`` cut to fit the suggestion's ``field``: the source record keeps it whole."""
    limit = getattr(Suggestion._meta.get_field(field), "max_length", None) or len(value)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _existing(work: FoundWork) -> Suggestion | None:
    """The suggestion this work already is: the same DOI (case-insensitive), else the same
    landing page; a merged one stands for the suggestion it was merged into."""
    found = Suggestion.objects.select_for_update().filter(key=work.key).first()
    if found is None and work.doi:
        found = Suggestion.objects.select_for_update().filter(doi=work.doi.lower()).first()
    if found is None and work.url:
        found = Suggestion.objects.select_for_update().filter(url=work.url).first()
    seen: set[int] = set()
    while found is not None and found.state == Suggestion.State.MERGED and found.merged_into_id:
        if found.pk in seen:  # a merge cycle cannot be made by the services; stop if one is
            break
        seen.add(found.pk)
        found = Suggestion.objects.select_for_update().filter(pk=found.merged_into_id).first()
    return found


@transaction.atomic
def suggestion_record(
    *,
    work: FoundWork,
    award: Award,
    matches: Sequence[AwardMatchLike],
    raw: Mapping[str, Any],
) -> Suggestion | None:
    """Record that ``work`` (as ``raw``, the source's own record) cites ``award`` for the
    reasons in ``matches``: a new pending suggestion, or the pending one the same work
    already is (found by another source), with this source's matches and record added.

    Records nothing and returns None when the work is in the catalogue already, or was
    accepted or rejected: a decision on a work is not asked for again. Recording the same
    work twice changes nothing."""
    if len(work.url) > _SUGGESTION_URL_MAX:
        # No landing page is that long: a record's garbage, kept out of the queue.
        work = dataclasses.replace(work, url="")
    if not (work.doi or work.url) or _in_catalogue(work):
        # Without a DOI or a landing page there is nothing to know the work by again.
        return None
    entries = _match_entries(matches)
    suggestion = _existing(work)
    if suggestion is None:
        try:
            with transaction.atomic():
                return Suggestion.objects.create(
                    key=work.key,
                    doi=work.doi.lower(),
                    url=work.url,
                    title=_clip("title", work.title.strip() or work.doi or work.url),
                    work_type=work.work_type.value,
                    type_as_given=_clip("type_as_given", work.type_as_given),
                    creators=[_creator_entry(creator) for creator in work.creators],
                    license=_clip("license", work.license),
                    version=_clip("version", work.version),
                    published=work.published,
                    year=work.year,
                    venue=_clip("venue", work.venue),
                    award=award,
                    matches=entries,
                    source_records={work.source.value: dict(raw)},
                )
        except IntegrityError:
            # Another source's run recorded the same work a moment ago: join that one.
            suggestion = _existing(work)
            if suggestion is None:
                raise
    if suggestion.state != Suggestion.State.PENDING:
        return None
    suggestion.matches = _merge_matches(suggestion.matches, entries)
    suggestion.source_records = {**suggestion.source_records, work.source.value: dict(raw)}
    # What one source left out, another may give (OpenAlex has the DOI a landing page lacks).
    for name, value in (
        ("doi", work.doi.lower()),
        ("url", work.url),
        ("license", _clip("license", work.license)),
        ("version", _clip("version", work.version)),
        ("published", work.published),
        ("year", work.year),
        ("venue", _clip("venue", work.venue)),
    ):
        if value and not getattr(suggestion, name):
            setattr(suggestion, name, value)
    if not suggestion.creators and work.creators:
        suggestion.creators = [_creator_entry(creator) for creator in work.creators]
    suggestion.save()
    return suggestion


def _pending(suggestion: Suggestion, *, doing: str) -> Suggestion:
    """The suggestion as stored now, locked, or a refusal naming why it cannot be decided."""
    # Locks the suggestion only, not its award.
    locked = Suggestion.objects.select_for_update(of=("self",))
    current = locked.select_related("award").get(pk=suggestion.pk)
    if current.state != Suggestion.State.PENDING:
        raise DomainError(
            f'Cannot {doing} "{current.title}": it was already '
            f"{current.get_state_display().lower()}; only a pending suggestion can be decided."
        )
    return current


def _decided(suggestion: Suggestion, *, state: str, user: User) -> None:
    suggestion.state = state
    suggestion.decided_at = timezone.now()
    suggestion.decided_by = user if isinstance(user, AbstractBaseUser) else None  # type: ignore[assignment]


def _bare_doi(value: str) -> str:
    try:
        return normalize_doi(value) if value else ""
    except ValidationError:
        return ""


def _spdx(value: str) -> str:
    """The licence as its SPDX id when it is one; a licence the list does not know is left
    for staff to set rather than stored wrong."""
    try:
        return normalize_spdx_license(value) if value else ""
    except ValidationError:
        return ""


def _url(value: str) -> str:
    if not value or len(value) > _URL_MAX:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return ""
    return value


def _names(entry: Mapping[str, str]) -> tuple[str, str]:
    """(given, family) of a creator: as the record splits it, else from "Family, Given",
    else the last word is the family name."""
    given, family = entry.get("given_name", "").strip(), entry.get("family_name", "").strip()
    if given or family:
        return given, family
    name = entry.get("name", "").strip()
    if "," in name:
        family, _, given = name.partition(",")
        return given.strip(), family.strip()
    first, _, last = name.rpartition(" ")
    return first.strip(), last.strip()


def _person(entry: Mapping[str, str]) -> Person | None:
    """The person a creator is: by ORCID iD first; else the person of that name who has no
    other ORCID iD; else a new person. None for a creator without a name."""
    given, family = _names(entry)
    if not (given or family):
        return None
    orcid = entry.get("orcid", "")
    if orcid and (known := Person.objects.filter(orcid=orcid).first()):
        return known
    same_name = Person.objects.filter(name_key=person_name_key(given, family)).order_by("pk")
    if orcid:
        same_name = same_name.filter(orcid="")
    return same_name.first() or person_create(given_name=given, family_name=family, orcid=orcid)


def _creators(entries: Sequence[Mapping[str, str]]) -> list[Person]:
    people: list[Person] = []
    for entry in entries:
        person = _person(entry)
        if person is not None and all(person.pk != other.pk for other in people):
            people.append(person)
    return people


def _summary(suggestion: Suggestion) -> str:
    sources = [SOURCE_LABELS.get(source, source) for source in suggestion.sources]  # type: ignore[call-overload]
    where = " and ".join(sources) or "a scholarly index"
    kind = suggestion.get_work_type_display()
    return f"{kind} recorded in {where} citing award {suggestion.award.award_number}."


def _draft_artifact(suggestion: Suggestion) -> Artifact:
    title = suggestion.title.strip()
    if len(title) > _TITLE_MAX:
        title = title[: _TITLE_MAX - 1].rstrip() + "…"
    return artifact_create(
        award=suggestion.award,
        kind=KIND_OF_WORK_TYPE.get(WorkType(suggestion.work_type), Artifact.Kind.OTHER),
        title=title,
        summary=_summary(suggestion),
        creators=_creators(suggestion.creators),
        doi=_bare_doi(suggestion.doi),
        license=_spdx(suggestion.license),
        version=suggestion.version[:_VERSION_MAX],
        release_date=suggestion.published,
        landing_url=_url(suggestion.url),
    )


def _author(entry: Mapping[str, str]) -> dict[str, str]:
    given, family = entry.get("given_name", "").strip(), entry.get("family_name", "").strip()
    name = f"{given} {family}".strip() or entry.get("name", "").strip()
    return {"name": name, "orcid": entry.get("orcid", "")}


@transaction.atomic
def suggestion_accept(*, suggestion: Suggestion, user: User) -> Artifact | Publication:
    """Accept a pending suggestion: an article becomes a publication of its award; any
    other output a draft artifact pre-filled from the record, to be completed and
    published through the artifact's own path."""
    current = _pending(suggestion, doing="accept")
    made: Artifact | Publication
    if current.work_type == WorkType.ARTICLE:
        made = publication_create(
            award=current.award,
            title=current.title,
            doi=_bare_doi(current.doi),
            authors=[_author(entry) for entry in current.creators],
            venue=current.venue,
            year=current.year or (current.published.year if current.published else None),
            url=_url(current.url),
        )
        current.publication = made
    else:
        made = _draft_artifact(current)
        current.artifact = made
    _decided(current, state=Suggestion.State.ACCEPTED, user=user)
    current.save()
    _become(suggestion, current)
    return made


@transaction.atomic
def suggestion_reject(*, suggestion: Suggestion, user: User, reason: str) -> Suggestion:
    """Reject a pending suggestion for ``reason`` (one line); the work is never suggested
    again."""
    reason = reason.strip()
    if not reason:
        raise DomainError("Give the reason for rejecting the suggestion.")
    if "\n" in reason or "\r" in reason:
        raise DomainError("Give the reason for rejecting the suggestion on one line.")
    limit = Suggestion._meta.get_field("reason").max_length or 500
    if len(reason) > limit:
        raise DomainError(f"The reason for rejecting is {len(reason)} characters; at most {limit}.")
    current = _pending(suggestion, doing="reject")
    current.reason = reason
    _decided(current, state=Suggestion.State.REJECTED, user=user)
    current.save()
    _become(suggestion, current)
    return current


@transaction.atomic
def suggestion_merge(*, suggestion: Suggestion, into: Suggestion, user: User) -> Suggestion:
    """``suggestion`` and ``into`` are the same work: ``suggestion`` is marked merged and its
    matches and source records join ``into``, which stays pending for a decision."""
    if suggestion.pk == into.pk:
        raise DomainError("A suggestion cannot be merged into itself; select two.")
    duplicate = _pending(suggestion, doing="merge")
    target = _pending(into, doing="merge into")
    target.matches = _merge_matches(target.matches, duplicate.matches)
    target.source_records = {**duplicate.source_records, **target.source_records}
    for name in ("doi", "url", "license", "version", "published", "year", "venue", "creators"):
        if not getattr(target, name) and getattr(duplicate, name):
            setattr(target, name, getattr(duplicate, name))
    target.save()
    duplicate.merged_into = target
    _decided(duplicate, state=Suggestion.State.MERGED, user=user)
    duplicate.save()
    _become(suggestion, duplicate)
    _become(into, target)
    return target


def _become(stale: Suggestion, current: Suggestion) -> None:
    """The caller's instance shows what was stored."""
    for field in Suggestion._meta.concrete_fields:
        setattr(stale, field.attname, getattr(current, field.attname))
