"""Writes to funded projects (awards) recorded by hand or corrected by staff."""

from __future__ import annotations

from collections.abc import Mapping

from fairprog.catalogue_version import catalogue_changed_on_commit
from fairprog.errors import DomainError
from proposals.models import Award, Program
from proposals.services.common import validated_save

AWARD_EDITABLE_FIELDS = ("title", "abstract", "institution", "cycle", *Award.TERMS)


def award_create(*, award_number: str, program: Program, title: str, **fields: object) -> Award:
    """Record a funded project by hand (imports and ``proposal_award`` create most)."""
    award = Award(award_number=award_number.strip(), program=program, title=title.strip())
    return _award_save(award, fields)


def award_update(*, award: Award, **fields: object) -> Award:
    return _award_save(award, fields)


def _award_save(award: Award, fields: Mapping[str, object]) -> Award:
    unknown = set(fields) - set(AWARD_EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown award fields: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(award, name, value)
    validated_save(award, subject=f"Award {award.award_number}")
    catalogue_changed_on_commit()
    return award
