"""The demo's fictional records read as a real portfolio would, and stay marked as demo."""

import re

import pytest
from django.core.management import call_command

from proposals.models import Person, Proposal

pytestmark = pytest.mark.django_db

FILLER = re.compile(r"demo|sample|example|placeholder|fictional|test|\d", re.IGNORECASE)
FILLER_TEXT = re.compile(r"demo data|placeholder|fictional|lorem ipsum", re.IGNORECASE)


@pytest.fixture
def seeded() -> None:
    call_command("seed_demo", verbosity=0)


@pytest.mark.usefixtures("seeded")
def test_demo_investigators_have_believable_names():
    demo_people = Person.objects.filter(email__endswith="@demo.invalid")

    assert demo_people.count() == 24
    assert [
        f"{p.given_name} {p.family_name}"
        for p in demo_people
        if FILLER.search(f"{p.given_name} {p.family_name}")
    ] == []


@pytest.mark.usefixtures("seeded")
def test_demo_proposals_have_an_abstract_about_their_topic():
    abstracts = set(Proposal.objects.values_list("abstract", flat=True))

    assert len(abstracts) == 12
    assert [abstract for abstract in abstracts if FILLER_TEXT.search(abstract)] == []


@pytest.mark.usefixtures("seeded")
def test_demo_proposals_stay_flagged_as_demo():
    assert not Proposal.objects.filter(is_demo=False).exists()
