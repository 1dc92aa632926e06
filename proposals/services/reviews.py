"""Assigning reviewers to proposals: one at a time (refused on a conflict unless staff give a
written reason to override it), or in bulk for a cycle (every proposal gets at least N
reviewers, no reviewer more than M proposals, conflicts never overridden, expertise matched
to the proposal's title and abstract, the load balanced)."""

from __future__ import annotations

import datetime as dt
import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction

from fairprog.errors import DomainError
from proposals.models import Cycle, Deadline, Proposal, ReviewAssignment, ReviewerProfile
from proposals.services.conflicts import conflict_index
from proposals.services.programs import deadline_create

REVIEWABLE = [Proposal.Status.SUBMITTED, Proposal.Status.UNDER_REVIEW]
_WORD = re.compile(r"[a-z0-9]+")


def _terms(text: str) -> list[str]:
    """Lower-case words with a plural "s" taken off: "datasets" matches "dataset"."""
    return [w[:-1] if len(w) > 3 and w.endswith("s") else w for w in _WORD.findall(text.lower())]


@dataclass(frozen=True)
class _Text:
    """A proposal's title and abstract as the ranking reads them, prepared once."""

    head: str
    body: str
    length: float

    @classmethod
    def of(cls, title: str, abstract: str) -> _Text:
        heading, words = _terms(title), _terms(abstract)
        return cls(
            head=f" {' '.join(heading)} ",
            body=f" {' '.join(words)} ",
            length=math.log(len(words) + len(heading) + math.e),
        )

    def rank(self, phrases: Sequence[str]) -> float:
        score = sum(3 * self.head.count(phrase) + self.body.count(phrase) for phrase in phrases)
        return score / self.length


def _phrases(expertise: Sequence[str]) -> list[str]:
    phrases = (" ".join(_terms(str(keyword))) for keyword in expertise)
    return [f" {phrase} " for phrase in phrases if phrase]


def expertise_rank(expertise: Sequence[str], title: str, abstract: str) -> float:
    """How well a reviewer's keywords match a proposal: each keyword's phrase counted in the
    text (the title weighing three times the abstract), discounted by the text's length as a
    full-text rank is, so a long abstract does not win by length alone."""
    return _Text.of(title, abstract).rank(_phrases(expertise))


@transaction.atomic
def review_deadline(*, cycle: Cycle, due_date: dt.date) -> Deadline:
    """The cycle's staff-only "reviews due" deadline on that date (made if new): assignments
    point at it, so reviewers get its reminders through the usual delivery."""
    found = Deadline.objects.filter(
        cycle=cycle, kind=Deadline.Kind.REVIEW_DUE, due_date=due_date
    ).first()
    return found or deadline_create(
        kind=Deadline.Kind.REVIEW_DUE,
        due_date=due_date,
        cycle=cycle,
        label="Reviews due",
        visibility=Deadline.Visibility.STAFF,
    )


@transaction.atomic
def assignment_create(
    *,
    proposal: Proposal,
    reviewer: ReviewerProfile,
    user: User | None,
    due: Deadline | None = None,
    override_reason: str = "",
) -> ReviewAssignment:
    """Assign one reviewer. A conflict refuses it, naming each reason, unless staff give a
    written reason to override; the override is recorded with the conflicts it overrode."""
    if not reviewer.active:
        raise DomainError(f"{reviewer} is not an active reviewer.")
    if ReviewAssignment.objects.filter(proposal=proposal, reviewer=reviewer).exists():
        raise DomainError(f"{reviewer} is already assigned to this proposal.")
    conflicts = conflict_index([reviewer], [proposal]).conflicts(reviewer, proposal)
    if conflicts and not override_reason.strip():
        reasons = "; ".join(conflict.reason for conflict in conflicts)
        raise DomainError(
            f"{reviewer} cannot review this proposal: {reasons}. Staff may assign anyway with "
            "a written reason.",
            errors={"reviewer": [conflict.reason for conflict in conflicts]},
        )
    return ReviewAssignment.objects.create(
        proposal=proposal,
        reviewer=reviewer,
        due=due,
        assigned_by=user,
        overridden_conflicts=[
            {"rule": conflict.rule, "reason": conflict.reason} for conflict in conflicts
        ],
        override_reason=override_reason.strip() if conflicts else "",
    )


@dataclass
class BulkAssignment:
    made: list[ReviewAssignment] = field(default_factory=list)
    # Proposals left with fewer than the reviewers asked for: id -> how many they have.
    short: dict[int, int] = field(default_factory=dict)
    conflicts_avoided: int = 0


@transaction.atomic
def assignments_bulk(
    *,
    cycle: Cycle,
    per_proposal: int,
    per_reviewer: int,
    user: User | None,
    due: Deadline | None = None,
) -> BulkAssignment:
    """Give every reviewable proposal of ``cycle`` at least ``per_proposal`` reviewers (those
    already assigned count), no active reviewer more than ``per_reviewer`` proposals of the
    cycle; never a reviewer in conflict. Proposals with the fewest eligible reviewers are
    served first; among eligible reviewers the best expertise match wins, then the lightest
    load. Queries do not grow with the number of proposals."""
    if per_proposal < 1 or per_reviewer < 1:
        raise DomainError("Ask for at least one reviewer per proposal and one proposal each.")
    proposals = list(
        Proposal.objects.filter(cycle=cycle, status__in=REVIEWABLE).only(
            "pk", "title", "abstract", "lead_institution_id", "cycle_id"
        )
    )
    reviewers = list(ReviewerProfile.objects.filter(active=True).select_related("person"))
    index = conflict_index(reviewers, proposals)
    existing = list(
        ReviewAssignment.objects.filter(proposal__cycle=cycle).values_list(
            "proposal_id", "reviewer_id"
        )
    )
    has: Counter[int] = Counter(proposal for proposal, _ in existing)
    load: Counter[int] = Counter(reviewer for _, reviewer in existing)
    assigned: dict[int, set[int]] = defaultdict(set)
    for proposal_id, reviewer_id in existing:
        assigned[proposal_id].add(reviewer_id)
    by_pk = {reviewer.pk: reviewer for reviewer in reviewers}
    in_conflict = index.in_conflict(reviewers)
    rank = _ranker(reviewers)
    result = BulkAssignment()
    eligible: dict[int, list[tuple[float, int]]] = {}
    for proposal in proposals:
        taken = assigned[proposal.pk]
        barred = in_conflict(proposal) - taken
        result.conflicts_avoided += len(barred)
        ranks = rank(proposal)
        eligible[proposal.pk] = [(ranks[pk], pk) for pk in by_pk.keys() - barred - taken]
    planned: list[ReviewAssignment] = []
    for proposal in sorted(proposals, key=lambda p: (len(eligible[p.pk]), p.pk)):
        need = per_proposal - has[proposal.pk]
        if need <= 0:
            continue
        # Choosing a reviewer changes no other's load or eligibility for this proposal, so the
        # best ``need`` at once are the ones that choosing one at a time would give.
        open_ = [item for item in eligible[proposal.pk] if load[item[1]] < per_reviewer]
        best = heapq.nlargest(need, open_, key=lambda item: (item[0], -load[item[1]], -item[1]))
        for _, reviewer_id in best:
            planned.append(
                ReviewAssignment(
                    proposal=proposal, reviewer=by_pk[reviewer_id], due=due, assigned_by=user
                )
            )
            has[proposal.pk] += 1
            load[reviewer_id] += 1
        if len(best) < need:
            result.short[proposal.pk] = has[proposal.pk]
    # One INSERT on PostgreSQL (it has no parameter limit): queries do not grow with proposals.
    result.made = ReviewAssignment.objects.bulk_create(planned)
    return result


def _ranker(reviewers: list[ReviewerProfile]) -> Callable[[Proposal], Counter[int]]:
    """``expertise_rank`` of every reviewer for a proposal, each distinct keyword phrase
    counted in its text once (reviewers share keywords; most match nothing)."""
    holders: dict[str, list[int]] = defaultdict(list)
    for reviewer in reviewers:
        for phrase in _phrases(reviewer.expertise):
            holders[phrase].append(reviewer.pk)

    def rank(proposal: Proposal) -> Counter[int]:
        text = _Text.of(proposal.title, proposal.abstract)
        counts: Counter[int] = Counter()
        for phrase, pks in holders.items():
            if found := 3 * text.head.count(phrase) + text.body.count(phrase):
                for pk in pks:
                    counts[pk] += found
        return Counter({pk: count / text.length for pk, count in counts.items()})

    return rank
