"""Services that change program records: happy paths and refusals; those that change what
the catalogue shows move its version once their transaction commits."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction

from fairprog.errors import DomainError
from proposals.models import Award, AwardInvestigator, Cycle, Deadline, Proposal
from proposals.services.awards import award_create, award_update
from proposals.services.programs import (
    cycle_create,
    cycle_set_status,
    deadline_create,
    deadline_save,
    organization_create,
    person_create,
)
from proposals.services.proposals import (
    proposal_add_investigator,
    proposal_award,
    proposal_create,
    proposal_decline,
    proposal_recommend,
    proposal_start_review,
    proposal_submit,
    proposal_withdraw,
)
from tests.proposals.factories import (
    AwardFactory,
    AwardInvestigatorFactory,
    CycleFactory,
    DeadlineFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
    ProposalFactory,
    ProposalInvestigatorFactory,
)

pytestmark = pytest.mark.django_db
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


# --- People and organizations ---------------------------------------------


def test_person_create_stores_the_normalised_orcid():
    person = person_create(
        given_name="Josiah", family_name="Carberry", orcid="https://orcid.org/0000-0002-1825-0097"
    )
    assert person.orcid == "0000-0002-1825-0097"


def test_person_create_refuses_a_bad_orcid_checksum():
    with pytest.raises(DomainError, match="check digit is wrong") as excinfo:
        person_create(given_name="A", family_name="B", orcid="0000-0002-1825-0096")
    assert "orcid" in excinfo.value.errors


def test_person_create_refuses_an_orcid_already_recorded():
    person_create(given_name="A", family_name="B", orcid="0000-0002-1825-0097")
    with pytest.raises(DomainError, match="already belongs to another person"):
        person_create(given_name="C", family_name="D", orcid="0000-0002-1825-0097")


def test_organization_create_refuses_a_malformed_ror_id():
    with pytest.raises(DomainError, match="is not a ROR id"):
        organization_create(name="Carnegie Mellon University", ror_id="12345")


def test_organization_create_normalises_a_ror_url():
    org = organization_create(name="NSF", ror_id="https://ror.org/021nxhr62")
    assert org.ror_id == "021nxhr62"


def test_organization_create_moves_the_catalogue_version_after_commit(
    catalogue_moves_after_commit,
):
    catalogue_moves_after_commit(lambda: organization_create(name="Carnegie Mellon University"))


# --- Cycles and deadlines ---------------------------------------------------


def test_cycle_create_moves_the_catalogue_version_after_commit(catalogue_moves_after_commit):
    program = ProgramFactory()
    catalogue_moves_after_commit(
        lambda: cycle_create(program=program, year=2020, solicitation_number="NSF 20-566")
    )


def test_cycle_set_status_moves_the_catalogue_version_after_commit(catalogue_moves_after_commit):
    cycle = CycleFactory(status=Cycle.Status.PLANNED)
    catalogue_moves_after_commit(lambda: cycle_set_status(cycle=cycle, status=Cycle.Status.OPEN))


def test_cycle_create_refuses_a_second_cycle_in_the_same_year():
    program = ProgramFactory()
    cycle_create(program=program, year=2020, solicitation_number="NSF 20-566")
    with pytest.raises(DomainError, match="Cycle NSF 20-999 is not valid"):
        cycle_create(program=program, year=2020, solicitation_number="NSF 20-999")


def test_cycle_create_refuses_an_inverted_award_size_range():
    with pytest.raises(DomainError, match="cycle_award_size_range"):
        cycle_create(
            program=ProgramFactory(),
            year=2021,
            solicitation_number="NSF 21-585",
            award_size_min=Decimal("1000000"),
            award_size_max=Decimal("500000"),
        )


def test_deadline_create_keeps_the_local_time_rule_and_the_reference_instant():
    cycle = CycleFactory(year=2020)
    deadline = deadline_create(
        cycle=cycle, kind=Deadline.Kind.FULL_PROPOSAL, due_date=dt.date(2020, 7, 13)
    )
    assert deadline.rule_text == "5 p.m. submitter's local time"
    assert deadline.due_at == dt.datetime(2020, 7, 13, 21, 0, tzinfo=dt.UTC)
    assert deadline.time_zone == "America/New_York"
    assert deadline.reminder_offsets == [30, 7, 1]


def test_deadline_due_at_in_follows_the_submitters_zone_for_a_local_time_rule():
    deadline = DeadlineFactory(due_date=dt.date(2020, 7, 13))
    honolulu = deadline.due_at_in(zoneinfo.ZoneInfo("Pacific/Honolulu"))
    assert honolulu.astimezone(dt.UTC) == dt.datetime(2020, 7, 14, 3, 0, tzinfo=dt.UTC)


def test_deadline_due_at_in_ignores_the_reader_for_a_fixed_zone_rule():
    deadline = deadline_create(
        cycle=CycleFactory(),
        kind=Deadline.Kind.REVIEW_DUE,
        due_date=dt.date(2030, 9, 1),
        due_time=dt.time(12, 0),
        time_rule=Deadline.TimeRule.FIXED_ZONE,
        time_zone="Europe/Berlin",
    )
    assert deadline.due_at_in(zoneinfo.ZoneInfo("Asia/Tokyo")) == deadline.due_at
    assert deadline.rule_text == "12 p.m. Europe/Berlin"


def test_deadline_create_sorts_reminder_offsets_latest_last():
    deadline = deadline_create(
        cycle=CycleFactory(), kind="other", due_date=dt.date(2030, 1, 1), reminder_offsets=[1, 14]
    )
    assert deadline.reminder_offsets == [14, 1]


def test_deadline_create_refuses_bad_reminder_offsets():
    with pytest.raises(DomainError, match="between 0 and 365"):
        deadline_create(
            cycle=CycleFactory(), kind="other", due_date=dt.date(2030, 1, 1), reminder_offsets=[400]
        )


def test_deadline_create_refuses_an_unknown_time_zone():
    with pytest.raises(DomainError, match="not a known time zone"):
        deadline_create(
            cycle=CycleFactory(), kind="other", due_date=dt.date(2030, 1, 1), time_zone="Mars/Base"
        )


def test_deadline_create_refuses_a_deadline_with_no_owner():
    with pytest.raises(DomainError, match="exactly one cycle or one award"):
        deadline_create(kind="other", due_date=dt.date(2030, 1, 1))


def test_deadline_change_is_kept_in_its_history():
    deadline = DeadlineFactory()
    deadline.due_date = dt.date(deadline.due_date.year, 7, 20)
    deadline_save(deadline=deadline)
    assert deadline.history.count() == 2
    newest, oldest = deadline.history.first(), deadline.history.last()
    assert [change.field for change in newest.diff_against(oldest).changes] == ["due_date"]
    assert newest.due_at - oldest.due_at == dt.timedelta(days=7)


# --- Database constraints ---------------------------------------------------


def test_database_refuses_a_duplicate_award_number():
    AwardFactory(award_number="2040800")
    with pytest.raises(IntegrityError), transaction.atomic():
        AwardFactory(award_number="2040800")


def test_database_refuses_an_award_that_ends_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        AwardFactory(start_date=dt.date(2022, 1, 1), end_date=dt.date(2021, 1, 1))


def test_database_refuses_a_negative_amount():
    with pytest.raises(IntegrityError), transaction.atomic():
        AwardFactory(obligated_amount=Decimal("-1"))


def test_database_refuses_a_second_pi_on_a_proposal():
    proposal = ProposalFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProposalInvestigatorFactory(proposal=proposal, role="pi")


def test_database_refuses_a_deadline_on_both_a_cycle_and_an_award():
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlineFactory(award=AwardFactory())


def test_database_refuses_a_second_pi_on_an_award():
    award = AwardFactory()
    AwardInvestigatorFactory(award=award)
    with pytest.raises(IntegrityError), transaction.atomic():
        AwardInvestigatorFactory(award=award)


# --- Proposal workflow ------------------------------------------------------


def _proposal_in(status, **kwargs):
    proposal = ProposalFactory(**kwargs)
    Proposal.objects.filter(pk=proposal.pk).update(status=status)
    proposal.refresh_from_db()
    return proposal


def test_proposal_create_adds_the_pi_and_co_pis_in_order():
    pi, co_pi = PersonFactory(), PersonFactory()
    proposal = proposal_create(
        cycle=CycleFactory(),
        title="Fair ranking",
        lead_institution=OrganizationFactory(),
        pi=pi,
        co_pis=[co_pi],
    )
    assert [(i.person, i.role) for i in proposal.investigators.all()] == [
        (pi, "pi"),
        (co_pi, "co_pi"),
    ]
    assert proposal.status == Proposal.Status.DRAFT


def test_proposal_add_investigator_refuses_a_second_pi():
    proposal = ProposalFactory()
    with pytest.raises(DomainError, match="already has a principal investigator"):
        proposal_add_investigator(proposal=proposal, person=PersonFactory(), role="pi")


def test_proposal_workflow_happy_path_ends_in_an_award_with_the_team():
    proposal = ProposalFactory(cycle=CycleFactory(status=Cycle.Status.OPEN))
    co_pi = ProposalInvestigatorFactory(proposal=proposal).person

    proposal_submit(proposal=proposal)
    assert proposal.status == Proposal.Status.SUBMITTED
    assert proposal.submitted_at is not None
    proposal_start_review(proposal=proposal)
    proposal_recommend(proposal=proposal)
    award = proposal_award(
        proposal=proposal,
        award_number="2040800",
        start_date=dt.date(2021, 1, 1),
        end_date=dt.date(2023, 12, 31),
    )

    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.AWARDED
    assert award.proposal == proposal
    assert award.program == proposal.cycle.program
    assert award.intended_amount == proposal.requested_amount
    roles = {(i.person_id, i.role) for i in award.investigators.all()}
    assert (co_pi.pk, AwardInvestigator.Role.CO_PI) in roles
    assert len([r for r in roles if r[1] == AwardInvestigator.Role.PI]) == 1
    history = [h.history_change_reason for h in proposal.history.order_by("history_id")]
    assert history[-1] == "Recommended → Awarded"


def test_proposal_award_links_an_award_already_imported():
    imported = AwardFactory(award_number="2040926", title="FAI: Quantifying disparities")
    proposal = _proposal_in(Proposal.Status.RECOMMENDED)
    award = proposal_award(proposal=proposal, award_number="2040926")
    assert award.pk == imported.pk
    assert award.title == "FAI: Quantifying disparities"
    assert award.proposal == proposal
    assert Award.objects.count() == 1


def test_proposal_award_refuses_an_award_number_of_another_proposal():
    AwardFactory(award_number="2040942", proposal=ProposalFactory())
    proposal = _proposal_in(Proposal.Status.RECOMMENDED)
    with pytest.raises(DomainError, match="already belongs to another proposal"):
        proposal_award(proposal=proposal, award_number="2040942")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.RECOMMENDED


def test_proposal_award_refuses_an_award_that_ends_before_it_starts_and_changes_nothing():
    proposal = _proposal_in(Proposal.Status.RECOMMENDED)
    with pytest.raises(DomainError, match="award_ends_after_start"):
        proposal_award(
            proposal=proposal,
            award_number="2147276",
            start_date=dt.date(2022, 6, 1),
            end_date=dt.date(2022, 1, 1),
        )
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.RECOMMENDED
    assert not Award.objects.exists()


@pytest.mark.parametrize(
    ("status", "service", "message"),
    [
        (
            "draft",
            proposal_start_review,
            "Cannot start review of proposal .*: it is draft; only a proposal that is "
            "submitted can be put under review",
        ),
        ("draft", proposal_recommend, "it is draft"),
        ("declined", proposal_withdraw, "it is declined.* can be withdrawn"),
        ("awarded", proposal_decline, "it is awarded"),
        ("withdrawn", proposal_start_review, "it is withdrawn"),
        ("submitted", proposal_decline, "it is submitted"),
    ],
)
def test_proposal_illegal_transitions_are_refused_with_a_clear_message(status, service, message):
    proposal = _proposal_in(status)
    with pytest.raises(DomainError, match=message):
        service(proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == status


def test_proposal_award_refuses_a_proposal_not_yet_recommended():
    proposal = _proposal_in(Proposal.Status.UNDER_REVIEW)
    with pytest.raises(DomainError, match="only a proposal that is recommended can be awarded"):
        proposal_award(proposal=proposal, award_number="2040800")
    assert not Award.objects.exists()


def test_proposal_submit_refuses_closed_cycle():
    proposal = ProposalFactory(cycle=CycleFactory(status=Cycle.Status.CLOSED))
    with pytest.raises(DomainError, match=r"cycle NSF .* is closed"):
        proposal_submit(proposal=proposal)


def test_proposal_submit_refuses_a_proposal_without_pi():
    proposal = ProposalFactory()
    proposal.investigators.all().delete()
    with pytest.raises(DomainError, match="has no principal investigator"):
        proposal_submit(proposal=proposal)


def test_proposal_submit_refuses_after_the_deadline_in_the_pis_zone():
    cycle = CycleFactory(year=2030)
    DeadlineFactory(cycle=cycle, due_date=dt.date(2030, 7, 13))
    proposal = ProposalFactory(cycle=cycle)
    proposal.investigators.get().person.__class__.objects.update(time_zone="America/New_York")
    with (
        time_machine.travel(dt.datetime(2030, 7, 13, 21, 30, tzinfo=dt.UTC)),
        pytest.raises(
            DomainError,
            match=r"deadline \(July 13, 2030, 5 p.m. submitter's local time\) has passed",
        ),
    ):
        proposal_submit(proposal=proposal)


def test_proposal_submit_accepts_a_pacific_pi_after_eastern_5pm():
    cycle = CycleFactory(year=2030)
    DeadlineFactory(cycle=cycle, due_date=dt.date(2030, 7, 13))
    proposal = ProposalFactory(cycle=cycle)
    pi = proposal.investigators.get().person
    pi.time_zone = "America/Los_Angeles"
    pi.save()
    # 5:30 p.m. in New York is 2:30 p.m. in California: still on time there.
    with time_machine.travel(dt.datetime(2030, 7, 13, 21, 30, tzinfo=dt.UTC)):
        proposal_submit(proposal=proposal)
    assert proposal.status == Proposal.Status.SUBMITTED


# --- Awards -------------------------------------------------------------------


def test_award_create_moves_the_catalogue_version_after_commit(catalogue_moves_after_commit):
    program = ProgramFactory()
    catalogue_moves_after_commit(
        lambda: award_create(award_number="2040800", program=program, title="FAI: Fair hiring")
    )


def test_award_update_moves_the_catalogue_version_after_commit(catalogue_moves_after_commit):
    award = AwardFactory()
    catalogue_moves_after_commit(lambda: award_update(award=award, title="FAI: Renamed"))


def test_proposal_award_moves_the_catalogue_version_after_commit(catalogue_moves_after_commit):
    proposal = _proposal_in(Proposal.Status.RECOMMENDED)
    catalogue_moves_after_commit(lambda: proposal_award(proposal=proposal, award_number="2040800"))


def test_proposal_award_linking_an_imported_award_moves_the_catalogue_version_after_commit(
    catalogue_moves_after_commit,
):
    AwardFactory(award_number="2040926")
    proposal = _proposal_in(Proposal.Status.RECOMMENDED)
    catalogue_moves_after_commit(lambda: proposal_award(proposal=proposal, award_number="2040926"))
