"""Conflicts of interest between a reviewer and a proposal, from the data FairProg holds:
the reviewer is an investigator on it; works at the same institution as one of its
investigators; was a co-investigator with one of them on a proposal or award of the last 48
months (NSF's collaborator window); co-authored a publication with one of them in that window;
or declared a conflict. ``ConflictIndex`` answers for many pairs with a fixed number of
queries, as bulk assignment needs.

Publications live in the catalogue app, which depends on this one: it registers how to find
co-authors (``coauthorship_register``) when it loads."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from proposals.models import Award, AwardInvestigator, Proposal, ProposalInvestigator
from proposals.models.reviews import ConflictDeclaration, ReviewerProfile

WINDOW_MONTHS = 48
# Given the people of interest and the first day of the window, the pairs of them (as
# frozensets of two Person ids) who co-authored a publication since then.
Coauthorship = Callable[[set[int], dt.date], set[frozenset[int]]]
_coauthorship: list[Coauthorship] = []


def coauthorship_register(finder: Coauthorship) -> None:
    if finder not in _coauthorship:
        _coauthorship.append(finder)


@dataclass(frozen=True)
class Conflict:
    rule: str  # investigator, institution, collaborator, coauthor, declared
    reason: str


def window_start(on: dt.date) -> dt.date:
    """The first day of the 48 months before ``on``."""
    months = on.year * 12 + on.month - 1 - WINDOW_MONTHS
    year, month = divmod(months, 12)
    day = min(on.day, 28)
    return dt.date(year, month + 1, day)


@dataclass
class ConflictIndex:
    """What the conflict rules need about a set of reviewers and proposals, read once."""

    on: dt.date
    investigators: dict[int, set[int]] = field(default_factory=dict)  # proposal -> people
    # proposal -> {person: their institution}; the lead institution under person 0 (the PI's).
    institutions: dict[int, dict[int, int]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # person -> name
    org_names: dict[int, str] = field(default_factory=dict)
    collaborators: set[frozenset[int]] = field(default_factory=set)
    coauthors: set[frozenset[int]] = field(default_factory=set)
    declared: dict[tuple[int, int], str] = field(default_factory=dict)  # (profile, proposal)

    def conflicts(self, reviewer: ReviewerProfile, proposal: Proposal) -> list[Conflict]:
        person = reviewer.person_id
        people = self.investigators.get(proposal.pk, set())
        found = []
        if person in people:
            found.append(Conflict("investigator", "is an investigator on the proposal"))
        institution = reviewer.institution_id or reviewer.person.affiliation_id
        others_at = {
            org for pk, org in self.institutions.get(proposal.pk, {}).items() if pk != person
        }
        if person not in people and institution is not None and institution in others_at:
            org = self.org_names.get(institution, "the same institution")
            found.append(Conflict("institution", f"works at {org}, as an investigator does"))
        others = sorted(people - {person}, key=lambda pk: self.names.get(pk, ""))
        for rule, pairs, what in (
            ("collaborator", self.collaborators, "was a co-investigator with"),
            ("coauthor", self.coauthors, "co-authored a publication with"),
        ):
            named = [self.names[other] for other in others if frozenset((person, other)) in pairs]
            if named:
                found.append(
                    Conflict(rule, f"{what} {', '.join(named)} in the last {WINDOW_MONTHS} months")
                )
        if declared := self.declared.get((reviewer.pk, proposal.pk)):
            found.append(Conflict("declared", f"declared a conflict: {declared}"))
        return found

    def in_conflict(self, reviewers: Iterable[ReviewerProfile]) -> Callable[[Proposal], set[int]]:
        """For bulk assignment: a function giving the ids of the profiles among ``reviewers``
        in conflict with a proposal, by the same rules as ``conflicts`` but without naming
        them. Its cost grows with the proposal's investigators and their collaborators, not
        with the number of reviewers."""
        by_person: dict[int, set[int]] = defaultdict(set)
        by_org: dict[int, set[int]] = defaultdict(set)
        for reviewer in reviewers:
            by_person[reviewer.person_id].add(reviewer.pk)
            institution = reviewer.institution_id or reviewer.person.affiliation_id
            if institution is not None:
                by_org[institution].add(reviewer.pk)
        partners: dict[int, set[int]] = defaultdict(set)
        for pair in self.collaborators | self.coauthors:
            one, other = tuple(pair)
            partners[one].add(other)
            partners[other].add(one)
        declared: dict[int, set[int]] = defaultdict(set)
        for profile_id, proposal_id in self.declared:
            declared[proposal_id].add(profile_id)

        def find(proposal: Proposal) -> set[int]:
            found = set(declared.get(proposal.pk, ()))
            for person in self.investigators.get(proposal.pk, ()):
                # An investigator, or a collaborator or co-author of one.
                for near in (person, *partners.get(person, ())):
                    found |= by_person.get(near, set())
            # Anyone at an investigator's institution or the lead's (an investigator among
            # them is in conflict anyway).
            for org in self.institutions.get(proposal.pk, {}).values():
                found |= by_org.get(org, set())
            return found

        return find


def conflict_index(
    reviewers: Iterable[ReviewerProfile],
    proposals: Iterable[Proposal],
    *,
    on: dt.date | None = None,
) -> ConflictIndex:
    """The index for these reviewers and proposals (about eight queries, whatever their
    number)."""
    on = on or timezone.localdate()
    since = window_start(on)
    reviewers, proposals = list(reviewers), list(proposals)
    index = ConflictIndex(on=on)
    rows = ProposalInvestigator.objects.filter(proposal__in=proposals).values_list(
        "proposal_id", "person_id", "person__affiliation_id", "person__given_name",
        "person__family_name", "person__affiliation__name",
    )  # fmt: skip
    for proposal_id, person_id, org_id, given, family, org_name in rows:
        index.investigators.setdefault(proposal_id, set()).add(person_id)
        index.names[person_id] = f"{given} {family}".strip()
        if org_id is not None:
            index.institutions.setdefault(proposal_id, {})[person_id] = org_id
            index.org_names[org_id] = org_name
    for proposal in proposals:
        # The lead institution is the PI's too, whatever their record says.
        index.institutions.setdefault(proposal.pk, {})[0] = proposal.lead_institution_id
    lead_names = Proposal.objects.filter(pk__in=[p.pk for p in proposals]).values_list(
        "lead_institution_id", "lead_institution__name"
    )
    index.org_names.update({org: name for org, name in lead_names if org not in index.org_names})
    reviewer_people = {reviewer.person_id for reviewer in reviewers}
    investigator_people = (
        set().union(*index.investigators.values()) if index.investigators else set()
    )
    index.collaborators = _collaborators(
        reviewer_people,
        investigator_people,
        since=since,
        on=on,
        reviewed={proposal.pk for proposal in proposals},
    )
    interest = reviewer_people | investigator_people
    for finder in _coauthorship:
        index.coauthors |= finder(interest, since)
    for profile_id, proposal_id, reason in ConflictDeclaration.objects.filter(
        reviewer__in=reviewers, proposal__in=proposals
    ).values_list("reviewer_id", "proposal_id", "reason"):
        index.declared[profile_id, proposal_id] = reason
    return index


def _collaborators(
    reviewers: set[int],
    investigators: set[int],
    *,
    since: dt.date,
    on: dt.date,
    reviewed: set[int],
) -> set[frozenset[int]]:
    """Pairs (reviewer, investigator) who were investigators together on a proposal made, or
    an award running, within the window (not the proposals under review themselves)."""
    groups: dict[tuple[str, int], set[int]] = defaultdict(set)
    recent_proposals = (
        ProposalInvestigator.objects.filter(
            Q(proposal__submitted_at__date__gte=since)
            | Q(proposal__submitted_at__isnull=True, proposal__created_at__date__gte=since),
            proposal__investigators__person_id__in=reviewers,
        )
        .exclude(proposal_id__in=reviewed)
        .values_list("proposal_id", "person_id")
    )
    for proposal_id, person_id in recent_proposals:
        groups["proposal", proposal_id].add(person_id)
    running = Award.objects.filter(
        Q(end_date__gte=since) | Q(end_date__isnull=True),
        Q(start_date__lte=on) | Q(start_date__isnull=True),
    )
    recent_awards = AwardInvestigator.objects.filter(
        award__in=running, award__investigators__person_id__in=reviewers
    ).values_list("award_id", "person_id")
    for award_id, person_id in recent_awards:
        groups["award", award_id].add(person_id)
    pairs: set[frozenset[int]] = set()
    for people in groups.values():
        for reviewer in people & reviewers:
            for other in people & investigators:
                if other != reviewer:
                    pairs.add(frozenset((reviewer, other)))
    return pairs


def conflicts_of(
    reviewer: ReviewerProfile, proposal: Proposal, *, on: dt.date | None = None
) -> list[Conflict]:
    """Every conflict between this reviewer and this proposal, each naming its reason."""
    return conflict_index([reviewer], [proposal], on=on).conflicts(reviewer, proposal)
