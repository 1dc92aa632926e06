"""Admin search over proposals, awards and people: every investigator's name as typed (either
part or both), institution, reference and award number; one row per record."""

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from proposals.models import ProposalInvestigator
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    OrganizationFactory,
    PersonFactory,
    ProposalFactory,
    ProposalInvestigatorFactory,
)

pytestmark = pytest.mark.django_db


def _found(client, model: str, term: str) -> list[Any]:
    response = client.get(reverse(f"admin:proposals_{model}_changelist"), {"q": term})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def _proposal_with(given: str, family: str, role: str = ProposalInvestigator.Role.CO_PI) -> Any:
    proposal = ProposalFactory()
    person = PersonFactory(given_name=given, family_name=family)
    ProposalInvestigatorFactory(proposal=proposal, person=person, role=role)
    return proposal


@pytest.mark.parametrize("term", ["Casey Sample14", "Casey", "Sample14", "sample14 casey"])
def test_proposal_search_matches_an_investigators_name_as_typed(staff_client, term):
    wanted = _proposal_with("Casey", "Sample14")
    ProposalFactory()
    assert _found(staff_client, "proposal", term) == [wanted]


def test_proposal_search_needs_both_names_on_the_same_investigator(staff_client):
    proposal = _proposal_with("Casey", "Other")
    ProposalInvestigatorFactory(proposal=proposal, person=PersonFactory(given_name="Robin"))
    assert _found(staff_client, "proposal", "Robin Other") == []


def test_proposal_search_lists_a_proposal_once_when_several_investigators_match(staff_client):
    proposal = _proposal_with("Casey", "Sample1")
    for family in ("Sample2", "Sample3"):
        ProposalInvestigatorFactory(
            proposal=proposal, person=PersonFactory(given_name="Casey", family_name=family)
        )
    assert _found(staff_client, "proposal", "Casey") == [proposal]


def test_proposal_search_matches_reference_institution_and_award_number(staff_client):
    proposal = ProposalFactory(
        reference="2345678", lead_institution=OrganizationFactory(name="Lakeside State")
    )
    AwardFactory(award_number="2049999", proposal=proposal)
    ProposalFactory()
    for term in ("2345678", "Lakeside", "2049999"):
        assert _found(staff_client, "proposal", term) == [proposal], term


@pytest.mark.parametrize("term", ["Casey Sample14", "Casey", "Sample14"])
def test_award_search_matches_every_investigators_name(staff_client, term):
    award = AwardFactory()
    AwardInvestigatorFactory(award=award)
    AwardInvestigatorFactory(
        award=award, person=PersonFactory(given_name="Casey", family_name="Sample14"), role="co_pi"
    )
    AwardFactory()
    assert _found(staff_client, "award", term) == [award]


def test_award_search_matches_number_institution_and_proposal_reference(staff_client):
    award = AwardFactory(
        award_number="2041234",
        institution=OrganizationFactory(name="Harbor City College"),
        proposal=ProposalFactory(reference="7654321"),
    )
    AwardFactory()
    for term in ("2041234", "Harbor City", "7654321"):
        assert _found(staff_client, "award", term) == [award], term


def test_person_search_matches_full_name_and_institution(staff_client):
    person = PersonFactory(
        given_name="Casey",
        family_name="Sample14",
        affiliation=OrganizationFactory(name="Redwood Valley University"),
    )
    PersonFactory()
    for term in ("Casey Sample14", "Redwood Valley"):
        assert _found(staff_client, "person", term) == [person], term


# Queries per search page, whatever the number of matching rows.
SEARCH_QUERIES = {"proposal": 10, "award": 12, "person": 7}


@pytest.mark.parametrize("model", sorted(SEARCH_QUERIES))
@pytest.mark.parametrize("rows", [1, 15])
def test_admin_search_query_count_is_constant(staff_client, django_assert_num_queries, model, rows):
    for n in range(rows):
        person = PersonFactory(given_name="Casey", family_name=f"Sample{n}")
        if model == "proposal":
            proposal = ProposalFactory()
            ProposalInvestigatorFactory(proposal=proposal, person=person)
            ProposalInvestigatorFactory(proposal=proposal, person=PersonFactory(given_name="Casey"))
        elif model == "award":
            award = AwardFactory()
            AwardInvestigatorFactory(award=award, person=person)
            AwardInvestigatorFactory(
                award=award, person=PersonFactory(given_name="Casey"), role="co_pi"
            )
    url = reverse(f"admin:proposals_{model}_changelist")
    ContentType.objects.clear_cache()
    with django_assert_num_queries(SEARCH_QUERIES[model]):
        response = staff_client.get(url, {"q": "Casey"})
    assert response.context["cl"].result_count == rows
