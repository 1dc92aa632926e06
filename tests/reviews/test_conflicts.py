"""Conflicts of interest, rule by rule and at each edge of NSF's 48-month collaborator window,
and what they do to assignment: one by one (refused naming the reason, or overridden with a
written reason that is recorded) and in bulk (never a conflict, the limits kept, the best
expertise match first, queries not growing with the number of proposals)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fairprog.errors import DomainError
from proposals.models import ConflictDeclaration, Proposal, ReviewerProfile
from proposals.services.conflicts import conflict_index, window_start
from proposals.services.reviews import assignment_create, assignments_bulk, expertise_rank
from tests.discovery.factories import PublicationFactory
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
    ProposalInvestigatorFactory,
)

ON = dt.date(2026, 12, 1)
INSIDE = dt.date(2023, 1, 15)  # 47 months before ON
OUTSIDE = dt.date(2022, 11, 15)  # 49 months before ON


def _rules(reviewer: ReviewerProfile, proposal: Proposal) -> list[str]:
    return [
        c.rule for c in conflict_index([reviewer], [proposal], on=ON).conflicts(reviewer, proposal)
    ]


@pytest.fixture
def case(db: None) -> dict[str, Any]:
    university = OrganizationFactory(name="Uni of Examples")
    proposal: Any = ProposalFactory(lead_institution=OrganizationFactory(name="Lead University"))
    pi = proposal.investigators.get().person
    pi.affiliation = university
    pi.save()
    person: Any = PersonFactory
    reviewer = ReviewerProfile.objects.create(
        person=person(given_name="Rae", family_name="Viewer",
                             affiliation=OrganizationFactory(name="Elsewhere College")),
        expertise=["fairness"],
    )  # fmt: skip
    return {"proposal": proposal, "pi": pi, "reviewer": reviewer, "university": university}


def test_the_window_starts_48_months_back():
    assert window_start(ON) == dt.date(2022, 12, 1)
    assert window_start(dt.date(2026, 3, 31)) == dt.date(2022, 3, 28)


@pytest.mark.django_db
def test_no_relation_is_no_conflict(case):
    assert _rules(case["reviewer"], case["proposal"]) == []


@pytest.mark.django_db
def test_an_investigator_on_the_proposal(case):
    ProposalInvestigatorFactory(proposal=case["proposal"], person=case["reviewer"].person)
    assert _rules(case["reviewer"], case["proposal"]) == ["investigator"]


@pytest.mark.django_db
def test_the_same_institution_as_an_investigator_or_the_lead(case):
    reviewer = case["reviewer"]
    reviewer.institution = case["university"]
    reviewer.save()
    assert _rules(reviewer, case["proposal"]) == ["institution"]
    reviewer.institution = case["proposal"].lead_institution
    reviewer.save()
    assert _rules(reviewer, case["proposal"]) == ["institution"]
    # The profile's institution is the current one: the person's old affiliation no longer counts.
    reviewer.person.affiliation = case["university"]
    reviewer.person.save()
    reviewer.institution = OrganizationFactory()
    reviewer.save()
    assert _rules(reviewer, case["proposal"]) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("when", "rules"), [(INSIDE, ["collaborator"]), (OUTSIDE, [])])
def test_co_investigators_on_a_proposal_within_48_months(case, when, rules):
    earlier = ProposalFactory(pi=None)
    Proposal.objects.filter(pk=earlier.pk).update(
        submitted_at=dt.datetime.combine(when, dt.time(12), tzinfo=dt.UTC),
        created_at=dt.datetime.combine(when, dt.time(12), tzinfo=dt.UTC),
    )
    ProposalInvestigatorFactory(proposal=earlier, person=case["pi"], role="pi")
    ProposalInvestigatorFactory(proposal=earlier, person=case["reviewer"].person)
    assert _rules(case["reviewer"], case["proposal"]) == rules


@pytest.mark.django_db
@pytest.mark.parametrize(("ended", "rules"), [(INSIDE, ["collaborator"]), (OUTSIDE, [])])
def test_co_investigators_on_an_award_running_within_48_months(case, ended, rules):
    award = AwardFactory(start_date=ended - dt.timedelta(days=1000), end_date=ended)
    AwardInvestigatorFactory(award=award, person=case["pi"], role="pi")
    AwardInvestigatorFactory(award=award, person=case["reviewer"].person, role="co_pi")
    assert _rules(case["reviewer"], case["proposal"]) == rules


@pytest.mark.django_db
@pytest.mark.parametrize(("year", "rules"), [(2023, ["coauthor"]), (2021, [])])
def test_co_authors_of_a_publication_within_48_months(case, year, rules):
    pi, reviewer = case["pi"], case["reviewer"].person
    reviewer.orcid = "0000-0002-1825-0097"
    reviewer.save()
    PublicationFactory(year=year, authors=[
        {"name": f"{pi.given_name} {pi.family_name}", "orcid": ""},  # matched by name
        {"name": "R. Viewer", "orcid": "https://orcid.org/0000-0002-1825-0097"[18:]},  # by ORCID
    ])  # fmt: skip
    assert _rules(case["reviewer"], case["proposal"]) == rules


@pytest.mark.django_db
def test_a_declared_conflict_names_its_reason(case):
    ConflictDeclaration.objects.create(
        proposal=case["proposal"], reviewer=case["reviewer"], reason="My former student."
    )
    (conflict,) = conflict_index([case["reviewer"]], [case["proposal"]], on=ON).conflicts(
        case["reviewer"], case["proposal"]
    )
    assert (conflict.rule, conflict.reason) == (
        "declared",
        "declared a conflict: My former student.",
    )


@pytest.mark.django_db
def test_an_assignment_in_conflict_is_refused_naming_why_unless_overridden(case, staff_user):
    ProposalInvestigatorFactory(proposal=case["proposal"], person=case["reviewer"].person)
    with pytest.raises(DomainError, match="is an investigator on the proposal"):
        assignment_create(proposal=case["proposal"], reviewer=case["reviewer"], user=staff_user)

    made = assignment_create(
        proposal=case["proposal"], reviewer=case["reviewer"], user=staff_user,
        override_reason="Only specialist available; the panel knows.",
    )  # fmt: skip
    assert made.overridden_conflicts == [
        {"rule": "investigator", "reason": "is an investigator on the proposal"}
    ]
    assert made.override_reason == "Only specialist available; the panel knows."
    with pytest.raises(DomainError, match="already assigned"):
        assignment_create(proposal=case["proposal"], reviewer=case["reviewer"], user=staff_user)


def test_expertise_rank_prefers_the_matching_keyword_and_the_title():
    abstract = "We audit recommender systems for exposure fairness across groups of providers."
    assert expertise_rank(["recommender system"], "Fair exposure", abstract) > expertise_rank(
        ["speech recognition"], "Fair exposure", abstract
    )
    assert expertise_rank(["exposure"], "Fair exposure", "") > expertise_rank(
        ["exposure"], "Audits", "exposure"
    )


def _person() -> Any:
    return PersonFactory()


def _panel(proposals: int, reviewers: int) -> tuple[Any, list[Any], list[ReviewerProfile]]:
    cycle = CycleFactory()
    made = [
        ProposalFactory(cycle=cycle, status=Proposal.Status.SUBMITTED,
                        title=f"Fair speech recognition {n}" if n % 2 else f"Fair ranking {n}")
        for n in range(proposals)
    ]  # fmt: skip
    people = [
        ReviewerProfile.objects.create(
            person=_person(), expertise=["speech recognition"] if n % 2 else ["ranking"]
        )
        for n in range(reviewers)
    ]
    return cycle, made, people


@pytest.mark.django_db
def test_bulk_assignment_keeps_the_limits_avoids_conflicts_and_matches_expertise(staff_user):
    cycle, proposals, reviewers = _panel(6, 4)
    ProposalInvestigatorFactory(proposal=proposals[0], person=reviewers[0].person)

    result = assignments_bulk(cycle=cycle, per_proposal=2, per_reviewer=3, user=staff_user)

    pairs = {(a.proposal_id, a.reviewer_id) for a in result.made}
    assert (proposals[0].pk, reviewers[0].pk) not in pairs
    per_proposal = {p.pk: sum(1 for pp, _ in pairs if pp == p.pk) for p in proposals}
    per_reviewer = {r.pk: sum(1 for _, rr in pairs if rr == r.pk) for r in reviewers}
    assert set(per_proposal.values()) == {2}
    assert max(per_reviewer.values()) <= 3
    assert result.short == {}
    assert result.conflicts_avoided == 1
    # A speech proposal's first reviewer is a speech expert.
    speech = proposals[1]
    chosen = [r for p, r in pairs if p == speech.pk]
    assert any("speech recognition" in ReviewerProfile.objects.get(pk=r).expertise for r in chosen)


@pytest.mark.django_db
def test_bulk_assignment_reports_proposals_it_could_not_fill(staff_user):
    cycle, _, _ = _panel(3, 1)
    result = assignments_bulk(cycle=cycle, per_proposal=2, per_reviewer=2, user=staff_user)
    assert len(result.made) == 2
    assert sorted(result.short.values()) == [0, 1, 1]


@pytest.mark.django_db
def test_bulk_assignment_queries_do_not_grow_with_proposals(
    staff_user, django_assert_max_num_queries
):
    small, _, _ = _panel(3, 3)
    large, _, _ = _panel(12, 3)
    with django_assert_max_num_queries(16) as few:
        assignments_bulk(cycle=small, per_proposal=1, per_reviewer=12, user=staff_user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assignments_bulk(cycle=large, per_proposal=1, per_reviewer=12, user=staff_user)
