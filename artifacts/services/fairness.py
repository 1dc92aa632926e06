"""The sensitive attributes of an artifact: checked, replaced as a whole, and shown as rows
(``[dimension id, how obtained, note]``, the form a revision keeps them in)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction

from artifacts.models import Artifact, FairnessDimension, SensitiveAttribute
from fairprog.errors import DomainError

Row = list[Any]  # [dimension id, how obtained, note]
NOTE_LIMIT = 200


def _refuse(message: str) -> DomainError:
    return DomainError(message, errors={"sensitive_attributes": [message]})


def sensitive_attributes_normalised(rows: Iterable[Sequence[Any]]) -> list[Row]:
    """``rows`` checked (known dimensions, known ways of obtaining, each dimension once,
    short notes) and in a stable order; a DomainError names what is wrong."""
    normalised: list[Row] = []
    for row in rows:
        if len(row) != 3:
            raise _refuse("A sensitive attribute is [dimension, how obtained, note].")
        dimension, obtained, note = row
        dimension_id = dimension.pk if isinstance(dimension, FairnessDimension) else dimension
        obtained = obtained or SensitiveAttribute.Obtained.UNKNOWN
        if obtained not in SensitiveAttribute.Obtained.values:
            known = ", ".join(SensitiveAttribute.Obtained.values)
            raise _refuse(
                f"Unknown way of obtaining a sensitive attribute: {obtained}; use {known}."
            )
        note = str(note or "").strip()
        if len(note) > NOTE_LIMIT:
            raise _refuse(f"A sensitive attribute's note is at most {NOTE_LIMIT} characters.")
        if "\u241e" in note:  # the separator of the lists the API and open data read
            raise _refuse("A sensitive attribute's note may not contain the symbol \u241e.")
        normalised.append([dimension_id, str(obtained), note])
    ids = [row[0] for row in normalised]
    if len(set(ids)) != len(ids):
        raise _refuse("A fairness dimension is listed twice among the sensitive attributes.")
    known_ids = set(FairnessDimension.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [str(pk) for pk in ids if pk not in known_ids]
    if missing:
        raise _refuse(f"Unknown fairness dimension: {', '.join(missing)}.")
    return sorted(normalised, key=lambda row: row[0])


def sensitive_attributes_of(artifact: Artifact) -> list[Row]:
    """The artifact's sensitive attributes as rows, by dimension id."""
    return [
        [a.dimension_id, a.obtained, a.note]
        for a in SensitiveAttribute.objects.filter(artifact=artifact).order_by("dimension_id")
    ]


@transaction.atomic
def artifact_sensitive_attributes_set(
    *, artifact: Artifact, rows: Iterable[Sequence[Any]]
) -> list[SensitiveAttribute]:
    """Replace the artifact's sensitive attributes with ``rows``."""
    normalised = sensitive_attributes_normalised(rows)
    SensitiveAttribute.objects.filter(artifact=artifact).delete()
    return SensitiveAttribute.objects.bulk_create(
        [
            SensitiveAttribute(artifact=artifact, dimension_id=pk, obtained=obtained, note=note)
            for pk, obtained, note in normalised
        ]
    )


def sensitive_attributes_shown(rows: Iterable[Sequence[Any]]) -> str:
    """Rows as a reader sees them: "Gender (self-reported: note); Age (unknown)"."""
    rows = list(rows)
    names = dict(
        FairnessDimension.objects.filter(pk__in=[row[0] for row in rows]).values_list("pk", "name")
    )
    labels = dict(SensitiveAttribute.Obtained.choices)
    shown = []
    for pk, obtained, note in rows:
        how = str(labels.get(obtained, obtained)).lower()
        shown.append(f"{names.get(pk, pk)} ({how}{': ' + note if note else ''})")
    return "; ".join(shown)
