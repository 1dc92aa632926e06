"""factory_boy factories for program records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from proposals.models import (
    Award,
    AwardInvestigator,
    Cycle,
    Deadline,
    Organization,
    Person,
    Program,
    Proposal,
    ProposalInvestigator,
)
from proposals.services.programs import deadline_due_at
from proposals.validators import organization_name_key, person_name_key


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"University {n}")
    name_key = factory.LazyAttribute(lambda o: organization_name_key(o.name))
    kind = Organization.Kind.INSTITUTION
    country = "USA"


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Faker("first_name")
    family_name = factory.Sequence(lambda n: f"Researcher{n}")
    name_key = factory.LazyAttribute(lambda o: person_name_key(o.given_name, o.family_name))
    email = factory.Sequence(lambda n: f"researcher{n}@example.edu")
    affiliation = factory.SubFactory(OrganizationFactory)


class ProgramFactory(DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ["short_name"]

    name = "Fairness in AI"
    short_name = "FAI"
    slug = "fai"
    time_zone = "America/New_York"


class CycleFactory(DjangoModelFactory):
    class Meta:
        model = Cycle

    program = factory.SubFactory(ProgramFactory)
    year = factory.Sequence(lambda n: 2030 + n)
    solicitation_number = factory.LazyAttribute(lambda o: f"NSF {o.year % 100}-{500 + o.year % 97}")
    status = Cycle.Status.OPEN


class DeadlineFactory(DjangoModelFactory):
    class Meta:
        model = Deadline

    cycle = factory.SubFactory(CycleFactory)
    kind = Deadline.Kind.FULL_PROPOSAL
    due_date = factory.LazyAttribute(lambda o: dt.date(o.cycle.year, 7, 13))
    due_time = dt.time(17, 0)
    time_zone = "America/New_York"
    due_at = factory.LazyAttribute(
        lambda o: deadline_due_at(due_date=o.due_date, due_time=o.due_time, time_zone=o.time_zone)
    )


class ProposalFactory(DjangoModelFactory):
    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    cycle = factory.SubFactory(CycleFactory)
    title = factory.Sequence(lambda n: f"Auditing classifiers for disparate impact, part {n}")
    lead_institution = factory.SubFactory(OrganizationFactory)
    requested_amount = Decimal("750000")
    pi = factory.RelatedFactory(
        "tests.proposals.factories.ProposalInvestigatorFactory",
        factory_related_name="proposal",
        role=ProposalInvestigator.Role.PI,
    )


class ProposalInvestigatorFactory(DjangoModelFactory):
    class Meta:
        model = ProposalInvestigator

    proposal = factory.SubFactory(ProposalFactory, pi=None)
    person = factory.SubFactory(PersonFactory)
    role = ProposalInvestigator.Role.CO_PI


class AwardFactory(DjangoModelFactory):
    class Meta:
        model = Award

    award_number = factory.Sequence(lambda n: f"{2040000 + n:07d}")
    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"FAI: Measuring fairness in ranking systems {n}")
    institution = factory.SubFactory(OrganizationFactory)
    intended_amount = Decimal("625000")
    awarded_amount = Decimal("625000")
    start_date = dt.date(2021, 1, 1)
    end_date = dt.date(2023, 12, 31)


class AwardInvestigatorFactory(DjangoModelFactory):
    class Meta:
        model = AwardInvestigator

    award = factory.SubFactory(AwardFactory)
    person = factory.SubFactory(PersonFactory)
    role = AwardInvestigator.Role.PI


class ReminderSubscriptionFactory(DjangoModelFactory):
    """A confirmed, program-wide subscription unless told otherwise."""

    class Meta:
        model = "proposals.ReminderSubscription"

    email = factory.Sequence(lambda n: f"subscriber{n}@example.net")
    program = factory.SubFactory(ProgramFactory)
    cycle = None
    confirmed_at = factory.LazyFunction(lambda: dt.datetime.now(dt.UTC))
